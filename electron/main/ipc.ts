// The IPC transport: one ipcMain.handle channel per contract method ("rtcw:<method>"), plus
// "rtcw:cancel". Each call is accepted only from the top frame of our own app:// page; the input
// is validated by the ApiService (zod) and the reply is the ApiResponse envelope, which the preload
// unwraps. Progress of long jobs goes back to the calling page on "rtcw:progress".
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { ApiError, type ApiResponse } from '../../shared/api/contract';
import type { ApiService } from '../services/api/index';
import { isTrustedSenderUrl } from './security';

export const IPC_PREFIX = 'rtcw:';
export const IPC_CANCEL = 'rtcw:cancel';
export const IPC_PROGRESS = 'rtcw:progress';
export const IPC_STUDY_CHANGED = 'rtcw:study-changed';

/** Top frame of our app:// origin, and not some other frame or page that got hold of IPC. */
export function isTrustedSender(event: Pick<IpcMainInvokeEvent, 'senderFrame'>): boolean {
  const frame = event.senderFrame;
  if (!frame) return false;
  return frame.parent === null && isTrustedSenderUrl(frame.url);
}

const forbidden: ApiResponse = {
  ok: false,
  error: new ApiError('FORBIDDEN', 'This page may not call the workstation API.').toJSON(),
};

/** Registers every method; returns a function that removes them (tests, window teardown). */
export function registerApiHandlers(
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>,
  service: Pick<ApiService, 'methods' | 'call' | 'cancel'>,
): () => void {
  const channels: string[] = [];
  for (const method of Object.keys(service.methods)) {
    const channel = IPC_PREFIX + method;
    channels.push(channel);
    ipcMain.handle(channel, async (event, payload: unknown): Promise<ApiResponse> => {
      if (!isTrustedSender(event)) return forbidden;
      const { input, jobId } = (typeof payload === 'object' && payload !== null ? payload : {}) as { input?: unknown; jobId?: unknown };
      return service.call(method, input, {
        jobId: typeof jobId === 'string' ? jobId : undefined,
        onProgress: (progress) => {
          if (!event.sender.isDestroyed()) event.sender.send(IPC_PROGRESS, progress);
        },
      });
    });
  }
  channels.push(IPC_CANCEL);
  ipcMain.handle(IPC_CANCEL, (event, jobId: unknown): boolean => {
    if (!isTrustedSender(event) || typeof jobId !== 'string') return false;
    return service.cancel(jobId);
  });
  return () => {
    for (const channel of channels) ipcMain.removeHandler(channel);
  };
}
