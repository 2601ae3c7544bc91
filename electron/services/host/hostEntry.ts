// Entry of the service host process (bundled to dist/electron/main/serviceHost.cjs by
// electron/build.mjs). It talks to its parent over whichever channel it was started with:
// Electron's utilityProcess (process.parentPort), or child_process.fork (process.send) in tests,
// benchmarks and web mode.
import { serveServiceHost } from './serviceHost';
import type { Channel, FromHost, ToHost } from './hostProtocol';

interface ParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
}

function parentChannel(): Channel<FromHost, ToHost> {
  const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
  if (parentPort) {
    return {
      post: (message) => parentPort.postMessage(message),
      onMessage: (listener) => parentPort.on('message', (event) => listener(event.data as ToHost)),
    };
  }
  if (process.send) {
    const send = process.send.bind(process);
    return {
      post: (message) => send(message),
      onMessage: (listener) => process.on('message', (message) => listener(message as ToHost)),
    };
  }
  throw new Error('The service host must be started by the app (utilityProcess) or with child_process.fork.');
}

serveServiceHost(parentChannel(), { onDisposed: () => setImmediate(() => process.exit(0)) });
// A parent that goes away without saying so (crash, kill) must not leave the study open.
process.on('disconnect', () => process.exit(0));
