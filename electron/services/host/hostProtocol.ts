// Messages between the process that shows the window (Electron main; a test) and the service host
// (an Electron utilityProcess; a forked Node process in tests and benchmarks). Every API method
// travels as one generic "call" message, so a method added to shared/api needs no wiring here
// (shared/api/contract.ts, "HOW TO ADD A METHOD"). Values cross by structured clone.
import type { ApiErrorInfo, ApiResponse, JobProgress } from '../../../shared/api/contract';
import type { RecentStudy } from '../../../shared/api/study';
import type { PathRequest } from '../api/apiService';
import type { ChosenPath } from '../api/fileGrants';
import type { HostKeyStoreConfig } from './hostKeyStore';

/** Main → host. */
export type ToHost =
  | { type: 'init'; userDataDir: string; keyStore: HostKeyStoreConfig; appDirs: string[]; locale?: string }
  | { type: 'call'; id: number; method: string; input: unknown; jobId?: string }
  | { type: 'cancel'; jobId: string }
  /** The answer to a `choosePath` request: a path, null (dialog dismissed) or an error. */
  | { type: 'pathChosen'; id: number; path: string | ChosenPath | null; error?: ApiErrorInfo }
  /** The longest the host's event loop was blocked since the last `loopDelay` (diagnostics, benchmarks). */
  | { type: 'loopDelay'; id: number }
  | { type: 'dispose' };

/** Host → main. */
export type FromHost =
  | { type: 'ready'; recent: RecentStudy[] }
  | { type: 'result'; id: number; response: ApiResponse }
  | { type: 'progress'; id: number; progress: JobProgress }
  /** The host needs a file: main shows the native dialog (or checks a grant) and answers `pathChosen`. */
  | { type: 'choosePath'; id: number; request: PathRequest }
  | { type: 'studyChanged'; recent: RecentStudy[] }
  | { type: 'loopDelay'; id: number; maxMs: number }
  | { type: 'disposed' };

/** One end of the message channel, whatever carries it (utilityProcess, child_process, worker). */
export interface Channel<Out, In> {
  post(message: Out): void;
  onMessage(listener: (message: In) => void): void;
}
