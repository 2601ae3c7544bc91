// The renderer's only door to the services: window.rtcw, typed from the shared contract.
// Both transports (Electron preload, loopback harness) install the same object.
import type { RtcwApi } from '../../shared/api';
import { toApiError, newJobId, type ApiErrorCode } from '../../shared/api/contract';

declare global {
  interface Window {
    rtcw: RtcwApi;
  }
}

export function rtcw(): RtcwApi {
  if (!window.rtcw) {
    throw new Error('window.rtcw is missing: start the app with `npm start` or `npm run web`.');
  }
  return window.rtcw;
}

/** True in the packaged desktop app (files come from native dialogs, not typed paths). */
export const isDesktop = typeof location !== 'undefined' && location.protocol === 'app:';

export { newJobId };

export interface ShownError {
  code: ApiErrorCode;
  message: string;
  /** What the user can do about it. */
  next: string;
}

const NEXT_STEP: Record<ApiErrorCode, string> = {
  NO_STUDY: 'Open or create a study on the Study page first.',
  INVALID_INPUT: 'Correct the highlighted value or file and try again.',
  NOT_FOUND: 'It may have been moved, renamed or deleted. Check the name or path, or pick another one.',
  ALREADY_EXISTS: 'Choose another name, or open the existing file instead.',
  CONFLICT: 'The data changed meanwhile. Look at the current values and make the change again.',
  CANCELLED: 'Nothing was changed. Start again when ready.',
  NOT_A_STUDY: 'Pick a study file (.rtcw or .sqlite) created by this workstation. The file was not modified.',
  STUDY_CORRUPT: 'The file failed its integrity check and was left untouched. Restore it from a backup copy.',
  STUDY_TOO_NEW: 'This study was written by a newer version of the workstation. Update the app to open it.',
  STUDY_KEY_MISSING: "Import this study's key (File → Import study key…) from the workstation that created it. Analyses and exports work without it.",
  IO_ERROR: 'Check that the file or folder exists, is readable and that the disk is not full.',
  STUDY_LOCKED: 'Close the study in the other program first, or open it read-only to look without changing it.',
  READ_ONLY: 'The study is open read-only: reopen it for writing (or copy it to a writable disk) to change it.',
  FORBIDDEN: 'The request was refused. Choose the file again through the dialog.',
  INTERNAL: 'An unexpected error occurred. Try again; if it persists, report it with the steps that led here.',
};

export function showError(error: unknown): ShownError {
  const api = toApiError(error);
  return { code: api.code, message: api.message, next: NEXT_STEP[api.code] };
}

export function isCancelled(error: unknown): boolean {
  return toApiError(error).code === 'CANCELLED';
}
