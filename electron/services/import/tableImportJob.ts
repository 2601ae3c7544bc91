// A spreadsheet import as a job of the service host: the rows are read, validated and written in a
// worker thread (./tableImportWorker.ts), all or nothing, while the host answers other calls.
// Cancel sets a shared flag the worker checks before every row (the transaction rolls back); a
// worker that does not answer within a second is terminated, which also rolls back.
import { ApiError, type ApiErrorCode } from '../../../shared/api/contract';
import type { ImportReport } from '../../../shared/domain/importReport';
import { newWorker, workerScript } from '../host/workerSource';

export interface ImportJobInput {
  /** The open study's file (the worker opens its own connection). */
  studyPath: string;
  tablePath: string;
  mapping: unknown;
  dryRun: boolean;
  /** The study key (row keys are HMACs under it; ../identity/studyKey.ts), from the host's key store. */
  studyKey: Uint8Array;
}

export type ImportJobMessage =
  | { type: 'progress'; done: number; total: number }
  | { type: 'done'; report: ImportReport }
  | { type: 'cancelled' }
  | { type: 'failed'; message: string; code?: ApiErrorCode };

export interface JobControl {
  signal: AbortSignal;
  progress(pct: number, message: string): void;
}

const TERMINATE_AFTER_CANCEL_MS = 1000;

export async function runTableImportJob(job: ImportJobInput, control: JobControl): Promise<ImportReport> {
  const script = await workerScript('tableImportWorker', new URL('./tableImportWorker.ts', import.meta.url));
  if (control.signal.aborted) throw new ApiError('CANCELLED', 'Import cancelled.');
  const cancelFlag = new Int32Array(new SharedArrayBuffer(4));
  const worker = newWorker(script, { workerData: { ...job, cancelFlag } });
  const verb = job.dryRun ? 'Validating' : 'Importing';
  return new Promise<ImportReport>((resolve, reject) => {
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(killTimer);
      control.signal.removeEventListener('abort', onAbort);
      outcome();
    };
    const onAbort = () => {
      Atomics.store(cancelFlag, 0, 1);
      killTimer = setTimeout(() => {
        void worker.terminate();
        settle(() => reject(new ApiError('CANCELLED', 'Import cancelled; nothing was imported.')));
      }, TERMINATE_AFTER_CANCEL_MS);
    };
    control.signal.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (message: ImportJobMessage) => {
      switch (message.type) {
        case 'progress':
          control.progress(5 + Math.round((90 * message.done) / Math.max(1, message.total)), `${verb} rows (${message.done}/${message.total})`);
          return;
        case 'done':
          settle(() => resolve(message.report));
          return;
        case 'cancelled':
          settle(() => reject(new ApiError('CANCELLED', 'Import cancelled; nothing was imported.')));
          return;
        case 'failed':
          settle(() => reject(message.code ? new ApiError(message.code, message.message) : new Error(message.message)));
          return;
      }
    });
    worker.on('error', (error) => settle(() => reject(error)));
    worker.on('exit', (code) => settle(() => reject(new Error(`The import worker stopped (exit code ${code}).`))));
  });
}
