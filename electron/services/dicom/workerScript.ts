// Where the scan workers' code comes from: dist/electron/main/scanWorker.cjs in the built app,
// scanWorker.ts bundled in memory in development (see ../host/workerSource.ts).
import { setWorkerFile, workerSource } from '../host/workerSource';

/** Tests of the built bundle run its scanWorker.cjs. */
export function setScanWorkerFile(path: string): void {
  setWorkerFile('scanWorker', path);
}

/** CommonJS source of the worker (for `new Worker(source, { eval: true })`). */
export function scanWorkerSource(): Promise<string> {
  return workerSource('scanWorker', new URL('./scanWorker.ts', import.meta.url));
}
