// `npm run test:electron [-- --installed <executable>]`: the shared end-to-end scenarios
// (test/e2e/scenarios.ts) in the real desktop app, through its preload, IPC, service host and native
// dialogs. Without an executable: builds the app (npm run build) and starts it with the project's
// Electron. With --installed: starts that installed or unpacked app and runs the first-start
// scenario (its fuses forbid the Node inspector, so it is driven over the DevTools protocol).
// On a machine without the Electron binary it says so in one line and exits 77.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startVitest } from 'vitest/node';
import { NO_ELECTRON_EXIT, type ElectronTarget } from './electronTarget';

const root = fileURLToPath(new URL('../..', import.meta.url));
const args = process.argv.slice(2);
const installedAt = args.indexOf('--installed');

/** The project's Electron binary, or null when `npm ci` skipped its download. */
function electronBinary(): string | null {
  try {
    const binary = createRequire(import.meta.url)('electron') as unknown;
    return typeof binary === 'string' && fs.existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

let target: ElectronTarget;
if (installedAt >= 0) {
  const executablePath = path.resolve(args[installedAt + 1] ?? '');
  if (!args[installedAt + 1] || !fs.existsSync(executablePath)) {
    process.stderr.write(`test:electron: --installed needs the app's executable (got ${args[installedAt + 1] ?? 'nothing'})\n`);
    process.exit(2);
  }
  target = { kind: 'installed', executablePath };
} else {
  const electronPath = electronBinary();
  if (!electronPath) {
    process.stdout.write('test:electron: Electron is not installed here (npm ci skipped its binary download); nothing was run.\n');
    process.exit(NO_ELECTRON_EXIT);
  }
  execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  target = { kind: 'built', electronPath, appDir: root };
}

const filters = target.kind === 'installed' ? ['test/electron/installed.electron.ts'] : ['test/electron/app.electron.ts'];
const vitest = await startVitest('test', filters, { run: true, config: path.join(root, 'vitest.electron.config.ts'), provide: { electronTarget: target } });
await vitest.close();
process.exitCode = vitest.state.getCountOfFailedTests() > 0 || process.exitCode ? 1 : 0;
