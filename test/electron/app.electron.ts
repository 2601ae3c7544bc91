// The desktop app end to end (npm run test:electron): the shared scenarios of test/e2e/scenarios.ts
// through the real preload, IPC, service host and (test-answered) native dialogs, then the security
// checks only a real Electron window can show.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { analysis, cohortEditAndUndo, dicomImportCohortA, exportFigureAndTable, firstStart, openDemoStudy } from '../e2e/scenarios';
import { launchDesktopApp, type DesktopApp } from './desktopApp';

let desktop: DesktopApp;
beforeAll(async () => {
  desktop = await launchDesktopApp(inject('electronTarget'));
});
afterAll(async () => {
  await desktop?.close();
});

describe('desktop app: shared scenarios', () => {
  it('first start', () => firstStart(desktop.app));
  it('opens the demo study', () => openDemoStudy(desktop.app));
  it('edits a cohort value and undoes it', () => cohortEditAndUndo(desktop.app));
  it('runs the analysis', () => analysis(desktop.app));
  it('exports a figure and a table through the save dialog', () => exportFigureAndTable(desktop.app));
  it('imports cohort-a through the folder dialog', () => dicomImportCohortA(desktop.app));
});

describe('desktop app: security', () => {
  it('has no Node in the renderer: process, require and module are undefined', async () => {
    const types = await desktop.app.page.evaluate(() => [typeof (globalThis as { process?: unknown }).process, typeof (globalThis as { require?: unknown }).require, typeof (globalThis as { module?: unknown }).module]);
    expect(types).toEqual(['undefined', 'undefined', 'undefined']);
  });

  it('blocks inline scripts and eval (Content-Security-Policy)', async () => {
    const outcome = await desktop.app.page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.__rtcwInjected = true';
      document.head.append(script);
      let evalAllowed = true;
      try {
        eval('1');
      } catch {
        evalAllowed = false;
      }
      return { injected: (window as { __rtcwInjected?: boolean }).__rtcwInjected === true, evalAllowed };
    });
    expect(outcome).toEqual({ injected: false, evalAllowed: false });
  });

  it('denies window.open and navigation away from the app', async () => {
    const { page } = desktop.app;
    const before = desktop.electronApp!.windows().length;
    expect(await page.evaluate(() => window.open('https://example.org/') === null)).toBe(true);
    await page.evaluate(() => {
      location.href = 'https://example.org/';
    });
    await page.waitForTimeout(500);
    expect(page.url().startsWith('app://')).toBe(true);
    expect(desktop.electronApp!.windows().length).toBe(before);
  });

  it('gives a frame inside the page no workstation API', async () => {
    const api = await desktop.app.page.evaluate(
      () =>
        new Promise<string>((resolve) => {
          const frame = document.createElement('iframe');
          frame.srcdoc = '<p>foreign</p>';
          document.body.append(frame);
          setTimeout(() => {
            try {
              resolve(typeof (frame.contentWindow as unknown as { rtcw?: unknown } | null)?.rtcw);
            } catch {
              resolve('blocked');
            }
          }, 500);
        }),
    );
    expect(['undefined', 'blocked']).toContain(api);
  });

});
