// Where the scan workers' code comes from: dist/electron/main/scanWorker.cjs in the built app,
// scanWorker.ts bundled in memory in development (see ../host/workerSource.ts).
import { setWorkerFile, workerScript, type WorkerScript } from '../host/workerSource';

/** Tests of the built bundle run its scanWorker.cjs. */
export function setScanWorkerFile(path: string): void {
  setWorkerFile('scanWorker', path);
}

/** The worker's code (start it with newWorker from ../host/workerSource.ts). */
export function scanWorkerScript(): Promise<WorkerScript> {
  return workerScript('scanWorker', new URL('./scanWorker.ts', import.meta.url));
}
