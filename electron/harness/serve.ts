// `npm run web`: the harness on 127.0.0.1 (PORT or a random port), printing the URL to open.
// RTCW_USER_DATA keeps the recent list and demo study between runs (default: a temporary folder).
import { startHarness } from './server';

const port = process.env.PORT ? Number(process.env.PORT) : 0;
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be a port number, got ${process.env.PORT}`);
  process.exit(2);
}

const harness = await startHarness({ port, userDataDir: process.env.RTCW_USER_DATA || undefined });
console.log(`RT Cohort Workstation (web mode) at ${harness.url}`);
console.log('Open that URL in Chromium on this machine; Ctrl+C stops the server.');

const stop = () => {
  void harness.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
