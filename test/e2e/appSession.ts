// Shared by the end-to-end tests: the harness in-process on a random port serving the built
// renderer, and Debian's Chromium driven by playwright-core. Every request the page makes is
// recorded so tests can assert that nothing left the app's own origin.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { startHarness, type Harness, type HarnessOptions } from '../../electron/harness/server';
import type { ScenarioApp } from './scenarios';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const RENDERER_DIR = path.resolve('dist/renderer');

/** Screenshots of the UI tests, kept by CI. */
export const ARTIFACTS = path.resolve('test-artifacts');
/** UI updates after a service round trip; generous for slow CI machines. */
export const POLL = { timeout: 20_000 };

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface AppSession {
  harness: Harness;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Every URL requested by any page of the context, in order. */
  requests: string[];
  /** Console errors and uncaught page errors (CSP violations show up here). */
  pageErrors: string[];
  /** Temporary folder for study files and user data; removed by close(). */
  dir: string;
  close(): Promise<void>;
}

/** Builds the renderer once if no build exists (`npm test` always builds first). */
export async function ensureRendererBuilt(): Promise<void> {
  if (fs.existsSync(path.join(RENDERER_DIR, 'index.html'))) return;
  const { build } = await import('vite');
  await build({ configFile: path.resolve('vite.config.ts'), logLevel: 'warn' });
}

export async function startAppSession(options: Omit<HarnessOptions, 'rendererDir'> = {}): Promise<AppSession> {
  if (!fs.existsSync(CHROMIUM_PATH)) throw new Error(`Chromium not found at ${CHROMIUM_PATH} (apt-get install -y chromium).`);
  await ensureRendererBuilt();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtcw-e2e-'));
  const harness = await startHarness({ userDataDir: path.join(dir, 'user-data'), ...options, rendererDir: RENDERER_DIR });
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
  const context = await browser.newContext({ serviceWorkers: 'block' });
  const requests: string[] = [];
  const pageErrors: string[] = [];
  context.on('request', (request) => requests.push(request.url()));
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  return {
    harness,
    browser,
    context,
    page,
    requests,
    pageErrors,
    dir,
    async close() {
      await browser.close();
      await harness.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * One app session for the UI tests of a file, at a 1440×1000 desktop viewport, with the artifacts
 * folder made: started before all tests, closed after. Call at module level; the getter returns it.
 */
export function useAppSession(options: Omit<HarnessOptions, 'rendererDir'> = {}): () => AppSession {
  let session: AppSession | undefined;
  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    session = await startAppSession(options);
    await session.page.setViewportSize({ width: 1440, height: 1000 });
  });
  afterAll(async () => {
    await session?.close();
  });
  return () => {
    if (!session) throw new Error('The app session has not started (useAppSession must be called at module level).');
    return session;
  };
}

/** Requests that left the page's own origin (data:/blob: stay in memory and are allowed). */
export function foreignRequests(session: AppSession): string[] {
  return session.requests.filter(
    (url) => !url.startsWith(`${session.harness.origin}/`) && !url.startsWith('data:') && !url.startsWith('blob:'),
  );
}

/** The shared scenarios (./scenarios.ts) in web mode: files are typed into the path fields. */
export function webScenarioApp(session: AppSession): ScenarioApp {
  const { page, harness, dir } = session;
  return {
    page,
    dir,
    kind: 'web',
    choosePath: (fieldLabel, file) => page.getByLabel(fieldLabel, { exact: true }).fill(file),
    home: async () => {
      await page.goto(harness.url);
    },
  };
}

/** Export page (web mode): one table as CSV to `file` through the typed save path; returns its text. */
export async function exportTableCsv(page: Page, item: 'Table 1' | 'Cox regression table', file: string): Promise<string> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Export/ }).click();
  await page.getByRole('radio', { name: item }).check();
  await page.getByLabel('Format').selectOption('csv');
  await page.getByLabel('Save as').fill(file);
  await page.getByRole('button', { name: 'Export', exact: true }).click();
  await page.getByText(/Exported CSV/i).waitFor(POLL);
  return fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
}
