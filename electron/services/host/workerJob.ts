// A job of the service host run in a worker thread that a cancel simply terminates: for work that
// writes nothing itself (it returns bytes), or writes only into a place the caller removes once the
// worker has stopped (a staging folder, a partial file), so stopping it anywhere is safe. The
// worker's messages: ./workerMessages.ts.
import { ApiError } from '../../../shared/api/contract';
import type { WorkerJobMessage } from './workerMessages';
import { newWorker, workerScript } from './workerSource';

export type { WorkerJobMessage } from './workerMessages';

export interface JobControl {
  signal: AbortSignal;
  progress(pct: number, message: string): void;
}

export interface WorkerJobRun<T> {
  /** The worker's value; rejects with CANCELLED as soon as the job is cancelled. */
  result: Promise<T>;
  /**
   * Resolves once the worker thread has stopped (finished, failed or terminated): from then on it
   * writes nothing, so the caller may remove what a cancelled job left behind. A worker that is
   * inside a native call when cancelled (an SQLite statement, a file write) stops when it returns.
   */
  stopped: Promise<void>;
}

/**
 * `terminateOnCancel`: asked when the job is cancelled (default: always yes). A job that cannot be
 * stopped anywhere — a write that must commit or roll back whole (../dicom/dicomCommitJob.ts) —
 * answers no once its worker has begun writing; it has told the worker to stop itself, and the
 * job's answer is then what the worker reports.
 */
export function startTerminableWorkerJob<T>(
  name: string,
  entry: URL,
  workerData: unknown,
  control: JobControl,
  cancelledMessage: string,
  terminateOnCancel: () => boolean = () => true,
): WorkerJobRun<T> {
  let started = false;
  let markStopped!: () => void;
  const stopped = new Promise<void>((resolve) => (markStopped = resolve));
  const result = (async () => {
    const script = await workerScript(name, entry);
    if (control.signal.aborted) throw new ApiError('CANCELLED', cancelledMessage);
    const worker = newWorker(script, { workerData });
    started = true;
    worker.once('exit', () => markStopped());
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const settle = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        control.signal.removeEventListener('abort', onAbort);
        outcome();
      };
      const onAbort = () => {
        if (!terminateOnCancel()) return;
        void worker.terminate();
        settle(() => reject(new ApiError('CANCELLED', cancelledMessage)));
      };
      control.signal.addEventListener('abort', onAbort, { once: true });
      worker.on('message', (message: WorkerJobMessage<T>) => {
        if (message.type === 'progress') control.progress(message.pct, message.message);
        else if (message.type === 'done') settle(() => resolve(message.value));
        else settle(() => reject(message.code ? new ApiError(message.code, message.message) : new Error(message.message)));
      });
      worker.on('error', (error) => settle(() => reject(error)));
      worker.on('exit', (code) => settle(() => reject(new Error(`The ${name} worker stopped (exit code ${code}).`))));
    });
  })();
  // A job cancelled (or failed) before its worker started has nothing running.
  const ifNeverStarted = () => {
    if (!started) markStopped();
  };
  result.then(ifNeverStarted, ifNeverStarted);
  return { result, stopped };
}

export function runTerminableWorkerJob<T>(name: string, entry: URL, workerData: unknown, control: JobControl, cancelledMessage: string): Promise<T> {
  return startTerminableWorkerJob<T>(name, entry, workerData, control, cancelledMessage).result;
}
