// The one dispatcher both transports call: validates input with the contract's zod schema, runs
// the handler with a context (open study, progress, cancellation, path choice) and turns every
// outcome into an ApiResponse envelope. Transports add only transport concerns (sender checks,
// serialisation), never logic.
import type { z } from 'zod';
import {
  ApiError,
  newJobId,
  type ApiResponse,
  type JobProgress,
  type MethodDefinition,
  type MethodRecord,
  type MethodResult,
  type ParsedInput,
} from '../../../shared/api/contract';
import { describeStorageFailure, type StudyFile } from '../db/studyFile';
import { checkChosenPath, purposeOf, type ChosenPath } from './fileGrants';
import { readOnlyStudyError, type StudySession } from './studySession';

export interface PathRequest {
  /** What the path is for, e.g. 'createStudy', 'importDicomFolder' (used for dialog defaults). */
  purpose: string;
  mode: 'open-file' | 'save-file' | 'open-directory';
  title: string;
  /** The path the caller typed (web mode) or picked from the recent list. */
  requested?: string;
  filters?: { name: string; extensions: string[] }[];
  defaultName?: string;
}

/**
 * Turns a PathRequest into an absolute path, or null when the user cancels.
 * Desktop: a native dialog in the main process (a requested path only if previously granted).
 * Harness: the requested path. A plain string counts as typed (source 'typed'): it may not replace
 * an existing file, since no dialog asked the user (./fileGrants.ts).
 */
export type PathChooser = (request: PathRequest) => Promise<string | ChosenPath | null>;

export interface HandlerContext {
  /** The open study; throws ApiError NO_STUDY when none is open. */
  readonly study: StudyFile;
  readonly session: StudySession;
  /** Reports progress of a long method (pct 0–100). No-op for short methods. */
  progress(pct: number, message: string): void;
  /** Aborted when the user cancels the job (or the caller goes away). */
  readonly signal: AbortSignal;
  /** Throws ApiError CANCELLED once the job was cancelled; call between units of work. */
  throwIfCancelled(): void;
  /** Asks for a file or folder; throws CANCELLED if the user dismisses the dialog. */
  choosePath(request: PathRequest): Promise<string>;
}

export type Handler<M extends MethodDefinition> = (
  input: ParsedInput<M>,
  ctx: HandlerContext,
) => Promise<MethodResult<M>> | MethodResult<M>;

export type Handlers<T extends MethodRecord> = { [K in keyof T]: Handler<T[K]> };

export interface CallOptions {
  /** Long methods: the id `cancel(jobId)` uses (generated when omitted). */
  jobId?: string;
  onProgress?: (progress: JobProgress) => void;
  /** Aborts the call, e.g. when the HTTP client disconnects. */
  signal?: AbortSignal;
}

export interface ApiService {
  readonly session: StudySession;
  /** The method record served (its names and long flags drive the transports). */
  readonly methods: MethodRecord;
  call(method: string, input: unknown, options?: CallOptions): Promise<ApiResponse>;
  /** Returns true if a running job was cancelled. */
  cancel(jobId: string): boolean;
  /** Job ids currently running (for tests and shutdown). */
  runningJobs(): string[];
}

/**
 * `methods`/`handlers` are the app's full contract in production (see ./index.ts); transport tests
 * pass a small record of their own to exercise long jobs and cancellation.
 */
export function createApiService<T extends MethodRecord>(options: {
  session: StudySession;
  methods: T;
  handlers: Handlers<T>;
  choosePath: PathChooser;
  /** Where unexpected errors are logged (never shown in full to the user). */
  logError?: (method: string, error: unknown) => void;
  /** The app's own folders besides the user-data folder (the installation): never written by exports. */
  appDirs?: readonly string[];
}): ApiService {
  const { session, methods, handlers, choosePath } = options;
  const logError = options.logError ?? ((method, error) => console.error(`[rtcw] ${method} failed:`, error));
  const jobs = new Map<string, AbortController>();

  async function call(method: string, rawInput: unknown, callOptions: CallOptions = {}): Promise<ApiResponse> {
    if (!Object.prototype.hasOwnProperty.call(methods, method)) {
      return failure(new ApiError('NOT_FOUND', `Unknown method ${method}.`));
    }
    const definition: MethodDefinition = methods[method];
    const parsed = definition.input.safeParse(rawInput ?? {});
    if (!parsed.success) {
      return failure(new ApiError('INVALID_INPUT', `Invalid input for ${method}: ${describeIssues(parsed.error)}`));
    }

    const controller = new AbortController();
    const abortFromCaller = () => controller.abort();
    if (callOptions.signal?.aborted) controller.abort();
    callOptions.signal?.addEventListener('abort', abortFromCaller, { once: true });

    let jobId: string | null = null;
    if (definition.long) {
      jobId = callOptions.jobId ?? newJobId();
      if (jobs.has(jobId)) return failure(new ApiError('CONFLICT', `Job ${jobId} is already running.`));
      jobs.set(jobId, controller);
      session.jobStarted();
    }

    const throwIfCancelled = () => {
      if (controller.signal.aborted) throw new ApiError('CANCELLED', 'Cancelled.');
    };
    const ctx: HandlerContext = {
      get study() {
        return session.study;
      },
      session,
      signal: controller.signal,
      throwIfCancelled,
      progress(pct, message) {
        if (jobId === null || controller.signal.aborted) return;
        const clamped = Number.isFinite(pct) ? Math.min(100, Math.max(0, pct)) : 0;
        callOptions.onProgress?.({ jobId, pct: clamped, message });
      },
      async choosePath(request) {
        purposeOf(request); // an unknown purpose is refused before any dialog opens
        const chosen = await choosePath(request);
        if (chosen === null) throw new ApiError('CANCELLED', 'No file was chosen.');
        // Every path a handler receives passes the grant rules, typed or picked (issue 12).
        return checkChosenPath(request, typeof chosen === 'string' ? { path: chosen, source: 'typed' } : chosen, {
          openStudyPath: session.isOpen ? session.study.path : null,
          appDirs: [session.options.userDataDir, ...(options.appDirs ?? [])],
        });
      },
    };

    try {
      throwIfCancelled();
      const handler = handlers[method] as Handler<MethodDefinition>;
      const result = await handler(parsed.data, ctx);
      // A handler that finished has done its work (an import committed, a file written): its result
      // stands even when a cancel arrived meanwhile — answering CANCELLED would say nothing changed.
      // Handlers honour a cancel themselves, between units of work (throwIfCancelled, worker jobs).
      return { ok: true, result };
    } catch (error) {
      if (controller.signal.aborted && !(error instanceof ApiError && error.code !== 'CANCELLED')) {
        return failure(new ApiError('CANCELLED', 'Cancelled.'));
      }
      if (error instanceof ApiError) return failure(error);
      const storage = storageFailure(error, session);
      if (storage) return failure(storage);
      logError(method, error);
      const message = error instanceof Error ? error.message : String(error);
      return failure(new ApiError('INTERNAL', `${method} failed unexpectedly: ${message}`));
    } finally {
      callOptions.signal?.removeEventListener('abort', abortFromCaller);
      if (jobId !== null) {
        jobs.delete(jobId);
        session.jobFinished();
      }
    }
  }

  return {
    session,
    methods,
    call,
    cancel(jobId) {
      const controller = jobs.get(jobId);
      if (!controller) return false;
      controller.abort();
      return true;
    },
    runningJobs: () => [...jobs.keys()],
  };
}

/**
 * Disk full, read-only media, a read-only study: the user's situation, not a bug — a typed error
 * with one line instead of INTERNAL (issue 12). Writes are transactions, so nothing was half-done.
 */
function storageFailure(error: unknown, session: StudySession): ApiError | null {
  const reason = describeStorageFailure(error);
  if (!reason) return null;
  const code = (error as { code?: string }).code ?? '';
  if (code.startsWith('SQLITE_READONLY') && session.isOpen && session.study.readOnly) {
    return readOnlyStudyError(session.study.path, error);
  }
  return new ApiError('IO_ERROR', `${reason[0].toUpperCase()}${reason.slice(1)}; nothing was changed.`, { cause: error });
}

function failure(error: ApiError): ApiResponse {
  return { ok: false, error: error.toJSON() };
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : 'input'}: ${issue.message}`)
    .join('; ');
}
