// The API contract between the renderer and the services: every method is declared exactly once.
//
// HOW TO ADD A METHOD (any helper, any area)
// 1. Declare it in your area file shared/api/<area>.ts (study, cohort, dicom, analysis, export):
//
//      export const cohortMethods = {
//        listPatients: defineMethod({
//          input: z.object({ search: z.string().max(200).optional() }),   // must be a z.object
//          result: returns<PatientRow[]>(),                               // result type only
//        }),
//        importTable: defineMethod({ input: z.object({ path: z.string().optional() }),
//                                    result: returns<ImportReport>(), long: true }),
//      } satisfies MethodRecord;
//
//    Method names are global (one flat namespace across areas): prefer verbNoun, unique.
// 2. Implement it in electron/services/api/<area>Handlers.ts:
//
//      export const cohortHandlers: Handlers<typeof cohortMethods> = {
//        listPatients: (input, ctx) => listPatients(ctx.study.db, input.search),
//        importTable: async (input, ctx) => { ctx.progress(10, 'Reading'); ctx.throwIfCancelled(); … },
//      };
//
//    Results cross IPC (structured clone) and HTTP (JSON): keep them JSON-able — plain objects,
//    arrays, strings, finite numbers, booleans, null (no typed arrays, Dates, Maps, NaN).
//    Input arrives already parsed by the zod schema (defaults applied). Throw `new ApiError(code, message)`
//    for expected failures; anything else becomes INTERNAL with a generic message.
//    `ctx.study` throws NO_STUDY when no study is open. Files the user picks go through
//    `ctx.choosePath(...)` (a native dialog in the desktop app; the typed path in web/harness mode) —
//    the renderer never gets to name arbitrary files in the desktop app.
// 3. Nothing else: both transports (ipcMain in electron/main, HTTP in electron/harness) and the
//    preload's window.rtcw are generated from shared/api/index.ts, and the compiler checks that every
//    method has a handler.
//
// CALLING (renderer): `await window.rtcw.listPatients({ search })`. Long methods take a second
// argument `{ jobId?, onProgress? }`; cancel with `window.rtcw.cancel(jobId)` (see `newJobId`).
// A failed call rejects with an Error whose message is "[CODE] text"; use `toApiError(e)` to get
// `{ code, message }` back (custom Error properties do not survive Electron's contextBridge).
import type { z } from 'zod';

export type ApiErrorCode =
  | 'NO_STUDY' // the method needs an open study
  | 'INVALID_INPUT' // input failed validation, or a file's content is unusable
  | 'NOT_FOUND' // a row, file or method that does not exist
  | 'ALREADY_EXISTS' // e.g. creating a study over an existing file
  | 'CONFLICT' // an edit collided with the current state
  | 'CANCELLED' // the user cancelled (dialog or job)
  | 'NOT_A_STUDY' // the file is not a SQLite database
  | 'STUDY_CORRUPT' // integrity_check failed
  | 'STUDY_TOO_NEW' // the file's schema is newer than this build
  | 'STUDY_KEY_MISSING' // linking identified data needs the study key, not on this workstation
  | 'IO_ERROR' // filesystem failure (permissions, disk full, …)
  | 'STUDY_LOCKED' // another program (app or rtcw) is writing the study; it can be opened read-only
  | 'READ_ONLY' // the study is open read-only (or the medium is), so it cannot be changed
  | 'FORBIDDEN' // a transport refused the caller
  | 'INTERNAL'; // a bug: the message is generic, details go to the log

export interface ApiErrorInfo {
  code: ApiErrorCode;
  message: string;
}

export class ApiError extends Error implements ApiErrorInfo {
  readonly code: ApiErrorCode;
  constructor(code: ApiErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ApiError';
    this.code = code;
  }
  toJSON(): ApiErrorInfo {
    return { code: this.code, message: this.message };
  }
}

const ERROR_CODES: ReadonlySet<string> = new Set<ApiErrorCode>([
  'NO_STUDY', 'INVALID_INPUT', 'NOT_FOUND', 'ALREADY_EXISTS', 'CONFLICT', 'CANCELLED', 'NOT_A_STUDY',
  'STUDY_CORRUPT', 'STUDY_TOO_NEW', 'STUDY_KEY_MISSING', 'IO_ERROR', 'STUDY_LOCKED', 'READ_ONLY', 'FORBIDDEN', 'INTERNAL',
]);

export function isApiErrorCode(code: unknown): code is ApiErrorCode {
  return typeof code === 'string' && ERROR_CODES.has(code);
}

/** The message a transport rejects with in the renderer: "[CODE] text". */
export function encodeApiErrorMessage(error: ApiErrorInfo): string {
  return `[${error.code}] ${error.message}`;
}

/** Recovers `{code, message}` from whatever a window.rtcw call rejected with. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (typeof error === 'object' && error !== null) {
    const candidate = error as { code?: unknown; message?: unknown };
    if (isApiErrorCode(candidate.code) && typeof candidate.message === 'string') {
      return new ApiError(candidate.code, candidate.message);
    }
    if (typeof candidate.message === 'string') {
      // Electron prefixes rejections crossing IPC with "Error invoking remote method …: Error: ".
      const match = /\[([A-Z_]+)\] ([\s\S]*)$/.exec(candidate.message);
      if (match && isApiErrorCode(match[1])) return new ApiError(match[1], match[2]);
      return new ApiError('INTERNAL', candidate.message);
    }
  }
  return new ApiError('INTERNAL', String(error));
}

/** Phantom marker carrying a method's result type (no runtime value is checked). */
export interface ResultType<T> {
  readonly __result?: T;
}
export function returns<T>(): ResultType<T> {
  return {};
}

export interface MethodDefinition<I extends z.ZodObject = z.ZodObject, R = unknown> {
  readonly input: I;
  readonly result: ResultType<R>;
  /** Long-running: reports progress and can be cancelled. */
  readonly long: boolean;
}

// `const L`: with `satisfies MethodRecord` the return-type context would otherwise widen `long: true` to boolean.
export function defineMethod<I extends z.ZodObject, R, const L extends boolean = false>(definition: {
  input: I;
  result: ResultType<R>;
  long?: L;
}): MethodDefinition<I, R> & { readonly long: L } {
  return { input: definition.input, result: definition.result, long: (definition.long ?? false) as L };
}

export type MethodRecord = Record<string, MethodDefinition>;

/** What the caller passes (before zod defaults/transforms). */
export type MethodInput<M extends MethodDefinition> = z.input<M['input']>;
/** What the handler receives (after zod parsing). */
export type ParsedInput<M extends MethodDefinition> = z.output<M['input']>;
export type MethodResult<M extends MethodDefinition> = M extends MethodDefinition<z.ZodObject, infer R> ? R : never;

export interface JobProgress {
  jobId: string;
  /** 0–100 */
  pct: number;
  message: string;
}

export interface LongCallOptions {
  /** Identifies the job for `cancel(jobId)`; generated when omitted. */
  jobId?: string;
  onProgress?: (progress: JobProgress) => void;
}

type InputArg<M extends MethodDefinition> = object extends MethodInput<M>
  ? [input?: MethodInput<M>]
  : [input: MethodInput<M>];

export type ClientMethod<M extends MethodDefinition> = M['long'] extends true
  ? (...args: [...InputArg<M>, options?: LongCallOptions]) => Promise<MethodResult<M>>
  : (...args: InputArg<M>) => Promise<MethodResult<M>>;

/** The shape of window.rtcw for a method record. */
export type ClientApi<T extends MethodRecord> = { [K in keyof T]: ClientMethod<T[K]> } & {
  /** Cancels a running long job; resolves even if the job already finished. */
  cancel(jobId: string): Promise<void>;
  /** Subscribes to study changes made outside the page (native menu); returns an unsubscribe. */
  onStudyChanged(listener: () => void): () => void;
};

/** Job ids are opaque; random so pages cannot guess each other's. */
export function newJobId(): string {
  // Web Crypto exists in browsers and Node ≥ 19; typed locally because shared/ has neither lib.
  return (globalThis as unknown as { crypto: { randomUUID(): string } }).crypto.randomUUID();
}

/** The wire envelope both transports use between service and renderer. */
export type ApiResponse<R = unknown> = { ok: true; result: R } | { ok: false; error: ApiErrorInfo };
