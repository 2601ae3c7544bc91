// Builds window.rtcw for the preload from the contract: one function per method (no generic
// invoke), cancel and onStudyChanged. Kept free of 'electron' so tests can drive it against the
// real IPC handlers with a stand-in for ipcRenderer.
import { api } from '../../shared/api/index';
import {
  encodeApiErrorMessage,
  newJobId,
  type ApiResponse,
  type JobProgress,
  type LongCallOptions,
  type MethodRecord,
} from '../../shared/api/contract';

export interface RendererIpc {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

// Same channel names as electron/main/ipc.ts (not imported: ipc.ts pulls in the services;
// test/unit/foundation checks the two agree).
const PREFIX = 'rtcw:';
const CANCEL = 'rtcw:cancel';
const PROGRESS = 'rtcw:progress';
const STUDY_CHANGED = 'rtcw:study-changed';

/** `record` is the app's contract; transport tests pass their own. */
export function buildRtcw(ipc: RendererIpc, record: MethodRecord = api): Record<string, unknown> {
  const progressListeners = new Map<string, (progress: JobProgress) => void>();
  ipc.on(PROGRESS, (_event, progress) => {
    const p = progress as JobProgress;
    progressListeners.get(p.jobId)?.(p);
  });
  const studyListeners = new Set<() => void>();
  ipc.on(STUDY_CHANGED, () => {
    for (const listener of studyListeners) listener();
  });

  async function call(method: string, input: unknown, jobId?: string): Promise<unknown> {
    const response = (await ipc.invoke(PREFIX + method, { input: input ?? {}, jobId })) as ApiResponse;
    if (response.ok) return response.result;
    throw new Error(encodeApiErrorMessage(response.error));
  }

  const rtcw: Record<string, unknown> = {};
  for (const [method, definition] of Object.entries(record)) {
    rtcw[method] = definition.long
      ? async (input?: unknown, options?: LongCallOptions) => {
          const jobId = options?.jobId ?? newJobId();
          const onProgress = options?.onProgress;
          if (onProgress) progressListeners.set(jobId, onProgress);
          try {
            return await call(method, input, jobId);
          } finally {
            progressListeners.delete(jobId);
          }
        }
      : (input?: unknown) => call(method, input);
  }
  rtcw.cancel = async (jobId: string) => {
    await ipc.invoke(CANCEL, jobId);
  };
  rtcw.onStudyChanged = (listener: () => void) => {
    studyListeners.add(listener);
    return () => {
      studyListeners.delete(listener);
    };
  };
  return rtcw;
}
