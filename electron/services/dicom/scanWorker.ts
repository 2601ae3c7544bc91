// Worker thread body of the DICOM header scan: each message is a batch of paths; the reply carries
// one outcome per path, in order. Runs as plain JavaScript bundled by workerScript.ts (no TypeScript
// loader inside workers: loader hooks made parsing several times slower).
import { parentPort, workerData } from 'node:worker_threads';
import { lowerJobThreadPriority } from '../host/jobThreadPriority';
import type { ScanWorkerData } from './folderScan';
import { readDicomFile } from './headerParser';

if ((workerData as ScanWorkerData | undefined)?.lowerPriority) lowerJobThreadPriority();

parentPort?.on('message', (message: { batch: number; paths: string[] }) => {
  const outcomes = message.paths.map((path) => readDicomFile(path));
  parentPort?.postMessage({ batch: message.batch, outcomes });
});
