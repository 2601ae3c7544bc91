// Worker thread body of the import wizard's first look at a spreadsheet (`inspectSpreadsheet`):
// reads the whole file (CSV, or the full XLSX workbook) and returns its sheets' headers, row counts
// and first rows — work proportional to the file, so it runs here rather than on the service host's
// thread (electron/services/api/cohortHandlers.ts). It writes nothing: a cancel terminates it.
// Runs as plain JavaScript bundled by ../host/workerSource.ts.
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { ApiError } from '../../../shared/api/contract';
import type { SpreadsheetPreview } from '../../../shared/api/cohort';
import { workerFailure, type WorkerJobMessage } from '../host/workerMessages';
import { readSpreadsheet, SpreadsheetError } from './spreadsheetFile';
import { lowerJobThreadPriority } from '../host/jobThreadPriority';

lowerJobThreadPriority();

/** Rows of each sheet the wizard shows. */
const SAMPLE_ROWS = 5;

async function run(job: { path: string }): Promise<WorkerJobMessage<SpreadsheetPreview>> {
  try {
    const workbook = await readSpreadsheet(job.path);
    return {
      type: 'done',
      value: {
        path: job.path,
        fileName: path.basename(workbook.fileName),
        sheets: workbook.sheets.map((s) => ({ name: s.name, headers: s.headers, rowCount: s.rows.length, sample: s.rows.slice(0, SAMPLE_ROWS).map((r) => r.cells) })),
      },
    };
  } catch (error) {
    return workerFailure(error instanceof SpreadsheetError ? new ApiError('INVALID_INPUT', error.message) : error);
  }
}

void run(workerData as { path: string }).then((message) => parentPort?.postMessage(message));
