// Worker thread body of the DICOM header scan: each message is a batch of paths; the reply carries
// one outcome per path, in order. Runs as plain JavaScript bundled by workerScript.ts (no TypeScript
// loader inside workers: loader hooks made parsing several times slower).
import { parentPort } from 'node:worker_threads';
import { readDicomFile } from './headerParser';

parentPort?.on('message', (message: { batch: number; paths: string[] }) => {
  const outcomes = message.paths.map((path) => readDicomFile(path));
  parentPort?.postMessage({ batch: message.batch, outcomes });
});
