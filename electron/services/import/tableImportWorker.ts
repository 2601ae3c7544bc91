// Worker thread body of a spreadsheet import (started by ./tableImportJob.ts in the service host):
// reads the file and runs importTable on a connection of its own, so the host keeps answering
// other calls — which, in WAL mode, read the study as it was until the import commits. Cancel is a
// flag in shared memory checked before every row; throwing there rolls the transaction back.
// Runs as plain JavaScript bundled by ../host/workerSource.ts.
import { parentPort, workerData } from 'node:worker_threads';
import { openWorkerWriter } from '../db/studyFile';
import { readSpreadsheet, SpreadsheetError } from './spreadsheetFile';
import { importTable } from './tableImport';
import { MappingError } from './tableMapping';
import { workerFailure } from '../host/workerMessages';
import type { ImportJobInput, ImportJobMessage } from './tableImportJob';
import { lowerJobThreadPriority } from '../host/jobThreadPriority';

lowerJobThreadPriority();

class Cancelled extends Error {}

async function run(job: ImportJobInput & { cancelFlag: Int32Array }): Promise<ImportJobMessage> {
  const cancelled = () => Atomics.load(job.cancelFlag, 0) !== 0;
  try {
    const workbook = await readSpreadsheet(job.tablePath);
    if (cancelled()) return { type: 'cancelled' };
    // The host holds the study's writer lock (../db/studyLock.ts) for the app.
    const db = openWorkerWriter(job.studyPath);
    try {
      let reported = -1;
      const report = importTable(db, workbook, job.mapping, {
        dryRun: job.dryRun,
        studyKey: Buffer.from(job.studyKey),
        checkpoint: (done, total) => {
          if (cancelled()) throw new Cancelled();
          const pct = total > 0 ? Math.floor((100 * done) / total) : 0;
          if (pct !== reported) {
            reported = pct;
            parentPort?.postMessage({ type: 'progress', done, total } satisfies ImportJobMessage);
          }
        },
      });
      return { type: 'done', report };
    } finally {
      db.close();
    }
  } catch (error) {
    if (error instanceof Cancelled) return { type: 'cancelled' };
    if (error instanceof SpreadsheetError || error instanceof MappingError) return { type: 'failed', code: 'INVALID_INPUT', message: error.message };
    return workerFailure(error);
  }
}

void run(workerData as ImportJobInput & { cancelFlag: Int32Array }).then((message) => parentPort?.postMessage(message));
