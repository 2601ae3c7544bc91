// What a worker of ./workerJob.ts posts: { type: 'progress', pct, message } any number of times,
// then { type: 'done', value } or { type: 'failed', message, code? } (code: an ApiError's, kept so
// the caller sees e.g. INVALID_INPUT rather than INTERNAL). Imported by worker bodies, so it pulls
// in nothing else.
import { ApiError, isApiErrorCode, type ApiErrorCode } from '../../../shared/api/contract';

export type WorkerJobMessage<T> =
  | { type: 'progress'; pct: number; message: string }
  | { type: 'done'; value: T }
  | { type: 'failed'; message: string; code?: ApiErrorCode };

/** The 'failed' message for an error thrown in a worker. */
export function workerFailure(error: unknown): { type: 'failed'; message: string; code?: ApiErrorCode } {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof ApiError && isApiErrorCode(code) ? { type: 'failed', message, code } : { type: 'failed', message };
}
