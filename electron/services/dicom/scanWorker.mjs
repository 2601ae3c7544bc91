// Worker thread entry of the DICOM header scan. Plain .mjs so node:worker_threads can start it
// from both the tsx CLI and vitest; it registers tsx to load the TypeScript parser.
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { readDicomFile } = await import('./headerParser.ts');

// Each message is a batch of paths; the reply carries one outcome per path, in order.
parentPort.on('message', (message) => {
  const outcomes = message.paths.map((path) => readDicomFile(path));
  parentPort.postMessage({ batch: message.batch, outcomes });
});
