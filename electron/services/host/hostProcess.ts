// Starts the service host as a plain Node child process (tests, benchmarks, web mode): the same
// entry Electron runs as a utilityProcess, with the same messages.
// - Built: dist/electron/main/serviceHost.cjs (electron/build.mjs), or the file given to
//   setServiceHostFile (tests of the bundle).
// - Development: hostEntry.ts through tsx (a dev dependency).
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { MethodRecord } from '../../../shared/api/contract';
import type { PathChooser } from '../api/apiService';
import { connectServiceHost, type HostConnection, type ServiceHostClient } from './hostClient';
import type { FromHost, ToHost } from './hostProtocol';

let configuredFile: string | null = null;

/** Runs this built host file instead of the development entry (tests of electron/build.mjs output). */
export function setServiceHostFile(file: string | null): void {
  configuredFile = file;
}

function hostCommand(): { file: string; execArgv: string[] } {
  if (configuredFile) return { file: configuredFile, execArgv: [] };
  const prebuilt = fileURLToPath(new URL('./serviceHost.cjs', import.meta.url));
  if (existsSync(prebuilt)) return { file: prebuilt, execArgv: [] };
  return { file: fileURLToPath(new URL('./hostEntry.ts', import.meta.url)), execArgv: ['--import', 'tsx'] };
}

/** A forked host process as a HostConnection. */
export function forkServiceHost(): HostConnection & { process: ChildProcess } {
  const { file, execArgv } = hostCommand();
  const child = fork(file, [], { execArgv, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return {
    process: child,
    channel: {
      post: (message: ToHost) => {
        if (child.connected) child.send(message);
      },
      onMessage: (listener: (message: FromHost) => void) => child.on('message', (message) => listener(message as FromHost)),
    },
    onExit: (listener) => child.once('exit', listener),
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill();
    },
  };
}

/** A connected client of a forked host; `close()` ends it. */
export async function startServiceHost(options: { methods: MethodRecord; userDataDir: string; choosePath: PathChooser }): Promise<ServiceHostClient> {
  const client = connectServiceHost({ ...options, spawn: forkServiceHost });
  await client.ready;
  return client;
}
