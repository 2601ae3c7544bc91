// Starts the desktop app for the Electron suite and adapts it to the shared scenarios' ScenarioApp.
// - Built app: Playwright's _electron.launch, which also reaches the main process: native dialogs
//   are answered there by replacing dialog.showOpenDialog/showSaveDialog (a test-only hook; the app
//   has no code for it).
// - Installed app: its fuses turn off the Node inspector _electron.launch needs, so it is started
//   with Chromium's --remote-debugging-port and driven over the DevTools protocol (no dialogs).
// Each run gets a fresh user-data folder (XDG_CONFIG_HOME / APPDATA / HOME point to a temp dir).
// The OS sandbox stays on (no --no-sandbox): on Linux it needs unprivileged user namespaces, which
// the CI workflow enables (.github/workflows/desktop.yml).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { _electron, chromium, type Browser, type ElectronApplication, type Page } from 'playwright-core';
import type { ScenarioApp } from '../e2e/scenarios';
import type { ElectronTarget } from './electronTarget';

export interface DesktopApp {
  app: ScenarioApp;
  /** Present for the built app: evaluate in Electron's main process. */
  electronApp?: ElectronApplication;
  /** Console errors and page errors (CSP violations show up here). */
  pageErrors: string[];
  close(): Promise<void>;
}

function isolatedEnv(dir: string): Record<string, string> {
  const home = path.join(dir, 'home');
  fs.mkdirSync(home, { recursive: true });
  const inherited = Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined));
  return { ...inherited, XDG_CONFIG_HOME: home, APPDATA: home, HOME: home, USERPROFILE: home };
}

function recordErrors(page: Page, errors: string[]): void {
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
}

export async function launchDesktopApp(target: ElectronTarget): Promise<DesktopApp> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtcw-electron-'));
  const pageErrors: string[] = [];
  const noDialogs = async () => {
    throw new Error('The installed app is driven without its main process: no dialog answers.');
  };
  if (target.kind === 'installed') return launchInstalled(target.executablePath, dir, pageErrors, noDialogs);

  const electronApp = await _electron.launch({
    executablePath: target.electronPath,
    args: [target.appDir],
    cwd: target.appDir,
    env: isolatedEnv(dir),
  });
  const page = await electronApp.firstWindow();
  recordErrors(page, pageErrors);
  await electronApp.evaluate(({ dialog }) => {
    const answers: string[] = [];
    (globalThis as unknown as { rtcwDialogAnswers: string[] }).rtcwDialogAnswers = answers;
    dialog.showOpenDialog = (async () => {
      const answer = answers.shift();
      return answer ? { canceled: false, filePaths: [answer] } : { canceled: true, filePaths: [] };
    }) as typeof dialog.showOpenDialog;
    dialog.showSaveDialog = (async () => {
      const answer = answers.shift();
      return answer ? { canceled: false, filePath: answer } : { canceled: true, filePath: '' };
    }) as typeof dialog.showSaveDialog;
  });
  return {
    electronApp,
    pageErrors,
    app: {
      page,
      dir,
      kind: 'desktop',
      choosePath: async (_fieldLabel, file) => {
        await electronApp.evaluate((_electron, answer) => {
          (globalThis as unknown as { rtcwDialogAnswers: string[] }).rtcwDialogAnswers.push(answer);
        }, file);
      },
      home: async () => {
        await page.waitForLoadState('domcontentloaded');
      },
    },
    async close() {
      await electronApp.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function launchInstalled(executablePath: string, dir: string, pageErrors: string[], choosePath: ScenarioApp['choosePath']): Promise<DesktopApp> {
  const child: ChildProcess = spawn(executablePath, ['--remote-debugging-port=0'], {
    env: isolatedEnv(dir),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const endpoint = await new Promise<string>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`The app did not open a DevTools endpoint in 60 s:\n${text}`)), 60_000);
    child.stderr?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(text);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`The app exited (${code}) before opening its window:\n${text}`)));
  });
  const browser: Browser = await chromium.connectOverCDP(endpoint);
  const context = browser.contexts()[0];
  const page = context.pages().find((p) => p.url().startsWith('app://')) ?? (await context.waitForEvent('page'));
  recordErrors(page, pageErrors);
  return {
    pageErrors,
    app: { page, dir, kind: 'desktop', choosePath, home: async () => void (await page.waitForLoadState('domcontentloaded')) },
    async close() {
      await browser.close().catch(() => {});
      child.kill();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
