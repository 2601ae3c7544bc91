// Main's side of the service host: an object with the ApiService's call/cancel that forwards each
// call as one message (./hostProtocol.ts), so electron/main/ipc.ts serves the host exactly as it
// served the in-process service. Main keeps only what it needs for menus and dialogs: the recent
// list (sent by the host on every study change) and the path chooser (native dialogs).
import { ApiError, type ApiResponse, type JobProgress, type MethodRecord } from '../../../shared/api/contract';
import type { RecentStudy } from '../../../shared/api/study';
import type { ApiService, CallOptions, PathChooser } from '../api/apiService';
import type { HostKeyStoreConfig } from './hostKeyStore';
import type { Channel, FromHost, ToHost } from './hostProtocol';

export interface HostConnection {
  channel: Channel<ToHost, FromHost>;
  /** Registers a listener for the host's exit (crash or kill). */
  onExit(listener: () => void): void;
  /** Ends the host process. */
  kill(): void;
}

export interface ServiceHostClient extends Pick<ApiService, 'methods' | 'call' | 'cancel' | 'runningJobs'> {
  /** The recent-studies list as of the last study change (for the File menu and path grants). */
  readonly recent: { list(): RecentStudy[]; has(studyPath: string): boolean };
  /** Resolves once the host has opened its user data (the first `ready`). */
  readonly ready: Promise<void>;
  onStudyChanged(listener: () => void): () => void;
  /** The longest the host's thread was blocked since the previous call, in ms (then resets). */
  eventLoopDelayMax(): Promise<number>;
  /** Asks the host to close the study, then ends it (app quit). */
  close(timeoutMs?: number): Promise<void>;
}

export interface HostClientOptions {
  methods: MethodRecord;
  userDataDir: string;
  choosePath: PathChooser;
  /** Study keys: the OS keychain's wrapping key (desktop app) or plain key files (default). */
  keyStore?: HostKeyStoreConfig;
  /** The installation's folders, never an export target (electron/services/api/fileGrants.ts). */
  appDirs?: readonly string[];
  /**
   * The OS's regional format (Electron app.getSystemLocale()), for a study's 'locale' date/number
   * setting; without it the host uses its own ICU default, which on macOS apps started from Finder is
   * not the user's setting.
   */
  locale?: string;
  /** Starts a host; called again if the host dies, so the app keeps working (the study is closed). */
  spawn(): HostConnection;
}

interface PendingCall {
  resolve: (response: ApiResponse) => void;
  onProgress?: (progress: JobProgress) => void;
  jobId?: string;
}

export function connectServiceHost(options: HostClientOptions): ServiceHostClient {
  const { methods, userDataDir, choosePath } = options;
  const pending = new Map<number, PendingCall>();
  const loopDelayRequests = new Map<number, (maxMs: number) => void>();
  const listeners = new Set<() => void>();
  let recent: RecentStudy[] = [];
  let nextId = 1;
  let closing = false;
  let disposed: (() => void) | null = null;
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));

  const start = (): HostConnection => {
    const connection = options.spawn();
    connection.channel.onMessage((message) => onMessage(connection, message));
    connection.onExit(() => {
      const stopped = new ApiError('INTERNAL', 'The service process stopped; the study was closed. Open it again.').toJSON();
      for (const [id, call] of pending) {
        pending.delete(id);
        call.resolve({ ok: false, error: stopped });
      }
      disposed?.();
      if (closing) return;
      host = start();
      for (const listener of listeners) listener();
    });
    connection.channel.post({ type: 'init', userDataDir, keyStore: options.keyStore ?? { kind: 'files' }, appDirs: [...(options.appDirs ?? [])], locale: options.locale });
    return connection;
  };

  function onMessage(connection: HostConnection, message: FromHost): void {
    switch (message.type) {
      case 'ready':
        recent = message.recent;
        markReady();
        return;
      case 'studyChanged':
        recent = message.recent;
        for (const listener of listeners) listener();
        return;
      case 'progress':
        pending.get(message.id)?.onProgress?.(message.progress);
        return;
      case 'result': {
        const call = pending.get(message.id);
        pending.delete(message.id);
        call?.resolve(message.response);
        return;
      }
      case 'choosePath':
        choosePath(message.request).then(
          (path) => connection.channel.post({ type: 'pathChosen', id: message.id, path }),
          (error: unknown) => {
            const info = error instanceof ApiError ? error.toJSON() : new ApiError('INTERNAL', String(error)).toJSON();
            connection.channel.post({ type: 'pathChosen', id: message.id, path: null, error: info });
          },
        );
        return;
      case 'loopDelay':
        loopDelayRequests.get(message.id)?.(message.maxMs);
        loopDelayRequests.delete(message.id);
        return;
      case 'disposed':
        disposed?.();
        return;
    }
  }

  let host = start();

  return {
    methods,
    ready,
    recent: {
      list: () => recent,
      has: (studyPath) => recent.some((entry) => entry.path === studyPath),
    },
    call(method: string, input: unknown, callOptions: CallOptions = {}) {
      const id = nextId++;
      return new Promise<ApiResponse>((resolve) => {
        pending.set(id, { resolve, onProgress: callOptions.onProgress, jobId: callOptions.jobId });
        host.channel.post({ type: 'call', id, method, input, jobId: callOptions.jobId });
        callOptions.signal?.addEventListener('abort', () => {
          if (callOptions.jobId) host.channel.post({ type: 'cancel', jobId: callOptions.jobId });
        });
      });
    },
    cancel(jobId: string) {
      const running = [...pending.values()].some((call) => call.jobId === jobId);
      host.channel.post({ type: 'cancel', jobId });
      return running;
    },
    runningJobs: () => [...pending.values()].flatMap((call) => (call.jobId ? [call.jobId] : [])),
    eventLoopDelayMax() {
      const id = nextId++;
      return new Promise<number>((resolve) => {
        loopDelayRequests.set(id, resolve);
        host.channel.post({ type: 'loopDelay', id });
      });
    },
    onStudyChanged(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close(timeoutMs = 3000) {
      closing = true;
      const done = new Promise<void>((resolve) => (disposed = resolve));
      host.channel.post({ type: 'dispose' });
      await Promise.race([done, new Promise((resolve) => setTimeout(resolve, timeoutMs))]);
      host.kill();
    },
  };
}
