// The service host: owns the study's SQLite connection and runs every API handler, away from the
// thread that paints the window. Electron runs it as a utilityProcess (electron/main/index.ts);
// tests and benchmarks fork it as a plain Node process (./hostProcess.ts). It serves the same
// ApiService the harness serves (../api/index.ts), so both transports run identical code.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { ApiError, toApiError } from '../../../shared/api/contract';
import { createApiRuntime, type ApiRuntimeOptions, type ApiService, type PathRequest } from '../api/index';
import { hostKeyStore } from './hostKeyStore';
import type { ChosenPath } from '../api/fileGrants';
import type { Channel, FromHost, ToHost } from './hostProtocol';

export interface ServiceHostOptions {
  /** Test seam: another contract or demo (default: the app's, as createApiRuntime). */
  runtime?: Omit<ApiRuntimeOptions, 'userDataDir' | 'choosePath'>;
  /** Called once the host has closed the study after `dispose` (the entry exits the process). */
  onDisposed?: () => void;
}

export function serveServiceHost(channel: Channel<FromHost, ToHost>, options: ServiceHostOptions = {}): void {
  let service: ApiService | null = null;
  let nextPathRequest = 1;
  const pathRequests = new Map<number, { resolve: (path: string | ChosenPath | null) => void; reject: (error: unknown) => void }>();

  // Dialogs live in main: the host asks and waits for the answer.
  const choosePath = (request: PathRequest) =>
    new Promise<string | ChosenPath | null>((resolve, reject) => {
      const id = nextPathRequest++;
      pathRequests.set(id, { resolve, reject });
      channel.post({ type: 'choosePath', id, request });
    });

  // How long the host's own thread was ever blocked: long jobs run in workers, so this stays small.
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();

  channel.onMessage((message) => {
    switch (message.type) {
      case 'loopDelay':
        channel.post({ type: 'loopDelay', id: message.id, maxMs: loopDelay.max / 1e6 });
        loopDelay.reset();
        return;
      case 'init': {
        if (service) return;
        service = createApiRuntime({
          ...options.runtime,
          userDataDir: message.userDataDir,
          choosePath,
          keyStore: hostKeyStore(message.userDataDir, message.keyStore),
          keyStoreConfig: message.keyStore,
          appDirs: message.appDirs,
          locale: message.locale,
        });
        const session = service.session;
        // Loads ICU's locale data now, not at the first export while jobs run (studySession.ts).
        void session.locale;
        session.onChange(() => channel.post({ type: 'studyChanged', recent: session.recent.list() }));
        channel.post({ type: 'ready', recent: session.recent.list() });
        return;
      }
      case 'call': {
        const { id } = message;
        if (!service) {
          channel.post({ type: 'result', id, response: { ok: false, error: new ApiError('INTERNAL', 'The service host has not started.').toJSON() } });
          return;
        }
        void service
          .call(message.method, message.input, { jobId: message.jobId, onProgress: (progress) => channel.post({ type: 'progress', id, progress }) })
          .then((response) => channel.post({ type: 'result', id, response }));
        return;
      }
      case 'cancel':
        service?.cancel(message.jobId);
        return;
      case 'pathChosen': {
        const pending = pathRequests.get(message.id);
        if (!pending) return;
        pathRequests.delete(message.id);
        if (message.error) pending.reject(toApiError(message.error));
        else pending.resolve(message.path);
        return;
      }
      case 'dispose':
        loopDelay.disable();
        for (const jobId of service?.runningJobs() ?? []) service?.cancel(jobId);
        service?.session.dispose();
        channel.post({ type: 'disposed' });
        options.onDisposed?.();
        return;
    }
  });
}
