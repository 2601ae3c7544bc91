// A job of the service host run in a worker thread that a cancel simply terminates: for work that
// writes nothing itself (it returns bytes or writes into a staging folder the caller discards), so
// stopping it anywhere is safe. The worker's messages: ./workerMessages.ts.
import { ApiError } from '../../../shared/api/contract';
import type { WorkerJobMessage } from './workerMessages';
import { workerScript, newWorker } from './workerSource';

export type { WorkerJobMessage } from './workerMessages';

export interface JobControl {
  signal: AbortSignal;
  progress(pct: number, message: string): void;
}

export async function runTerminableWorkerJob<T>(
  name: string,
  entry: URL,
  workerData: unknown,
  control: JobControl,
  cancelledMessage: string,
): Promise<T> {
  const script = await workerScript(name, entry);
  if (control.signal.aborted) throw new ApiError('CANCELLED', cancelledMessage);
  const worker = newWorker(script, { workerData });
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      control.signal.removeEventListener('abort', onAbort);
      outcome();
    };
    const onAbort = () => {
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
}
