// End-to-end: the real renderer and the real services through the loopback harness, in Chromium.
// The app loads, creates a study, shows its counts, reopens it from the recent list — and the
// page requests nothing outside its own origin during the whole session.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineMethod, returns } from '../../shared/api/contract';
import { servedContract, type Handlers } from '../../electron/services/api/index';
import { startHarness } from '../../electron/harness/server';
import { inspectStudy } from '../../electron/services/db/studyFile';
import { RENDERER_DIR, foreignRequests, startAppSession, webScenarioApp, type AppSession } from './appSession';
import { firstStart } from './scenarios';

let session: AppSession;
beforeAll(async () => {
  session = await startAppSession();
});
afterAll(async () => {
  await session?.close();
});

describe('foundation end-to-end', () => {
  it('loads the app shell with window.rtcw from the harness', async () => {
    // Same shape as the Electron preload (test/unit/foundation/electronBundle.test.ts): exactly the
    // contract. Shared with the Electron suite (test/e2e/scenarios.ts).
    await firstStart(webScenarioApp(session));
  });

  it('creates a study and shows its counts', async () => {
    const { page, dir } = session;
    const file = path.join(dir, 'e2e-study.rtcw');
    await page.getByLabel('Study title').fill('E2E spine cohort');
    await page.getByLabel('New study file').fill(file);
    await page.getByRole('button', { name: 'New study', exact: true }).click();

    const counts = page.getByRole('region', { name: 'Study counts' });
    await counts.waitFor();
    expect(await page.getByRole('heading', { name: 'E2E spine cohort' }).isVisible()).toBe(true);
    expect(await counts.locator('[data-count="patients"]').textContent()).toBe('0');
    expect(await counts.locator('[data-count="lesions"]').textContent()).toBe('0');
    expect(await counts.locator('[data-count="courses"]').textContent()).toBe('0');
    expect(inspectStudy(file).userVersion).toBeGreaterThanOrEqual(1);
  });

  it('reopens the study from the recent list with counts read from the file', async () => {
    const { page, dir } = session;
    const file = path.join(dir, 'e2e-study.rtcw');
    await page.getByRole('button', { name: 'Close study' }).click();
    await page.getByRole('region', { name: 'Study counts' }).waitFor({ state: 'detached' });

    // Another tool (here: plain SQLite) adds a patient with one lesion and one RT course.
    const db = new Database(file);
    db.pragma('foreign_keys = ON');
    const provenance = db.prepare("INSERT INTO provenance (kind, label, created_by) VALUES ('manual', 'e2e', 'e2e')").run().lastInsertRowid;
    const patient = db.prepare("INSERT INTO patients (pseudonym, provenance_id) VALUES ('P01', ?)").run(provenance).lastInsertRowid;
    const lesion = db.prepare("INSERT INTO lesions (patient_id, levels, provenance_id) VALUES (?, 'L1', ?)").run(patient, provenance).lastInsertRowid;
    db.prepare(
      "INSERT INTO rt_courses (lesion_id, start_date, total_dose_gy, fractions_planned, provenance_id) VALUES (?, '2015-03-02', 35, 5, ?)",
    ).run(lesion, provenance);
    db.close();

    await page.getByRole('list', { name: 'Recent studies' }).getByRole('button', { name: 'Open e2e-study.rtcw' }).click();
    const counts = page.getByRole('region', { name: 'Study counts' });
    await counts.waitFor();
    expect(await counts.locator('[data-count="patients"]').textContent()).toBe('1');
    expect(await counts.locator('[data-count="lesions"]').textContent()).toBe('1');
    expect(await counts.locator('[data-count="courses"]').textContent()).toBe('1');
  });

  it('shows a clear error for a file that is not a study, and leaves the file untouched', async () => {
    const { page, dir } = session;
    const bogus = path.join(dir, 'notes.rtcw');
    fs.writeFileSync(bogus, 'this is a spreadsheet, honestly');
    await page.getByLabel('Study file', { exact: true }).fill(bogus);
    await page.getByRole('button', { name: 'Open study', exact: true }).click();
    await expect.poll(() => page.getByRole('alert').filter({ hasText: 'not a study file' }).count()).toBeGreaterThan(0);
    expect(fs.readFileSync(bogus, 'utf8')).toBe('this is a spreadsheet, honestly');
  });

  it('opens the built-in synthetic demo study with its counts', async () => {
    const { page } = session;
    await page.getByRole('button', { name: 'Open demo study' }).first().click();
    await expect.poll(() => page.getByRole('heading', { name: /Demo study — SYNTHETIC/ }).count()).toBe(1);
    const counts = page.getByRole('region', { name: 'Study counts' });
    expect(await counts.locator('[data-count="patients"]').textContent()).toBe('24');
    expect(await counts.locator('[data-count="lesions"]').textContent()).toBe('28');
    expect(await counts.locator('[data-count="courses"]').textContent()).toBe('28');
  });

  it('the page bridge reports progress of long jobs and cancels them (harness transport)', async () => {
    // A toy contract served by a second harness exercises the bridge's streaming and cancel paths.
    // The job pauses after step 2 until it is cancelled or `finish` is set.
    let finish = false;
    const methods = { countSlowly: defineMethod({ input: z.object({ n: z.number() }), result: returns<number>(), long: true }) };
    const handlers: Handlers<typeof methods> = {
      async countSlowly(input, ctx) {
        for (let i = 1; i <= input.n; i++) {
          ctx.throwIfCancelled();
          ctx.progress((100 * i) / input.n, `counted ${i}`);
          while (i === 2 && !finish && !ctx.signal.aborted) await new Promise((r) => setTimeout(r, 10));
        }
        return input.n;
      },
    };
    const jobs = await startHarness({ rendererDir: RENDERER_DIR, userDataDir: path.join(session.dir, 'jobs'), contract: servedContract(methods, handlers) });
    const context = await session.browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(jobs.url);
      await page.waitForFunction(() => typeof (window.rtcw as unknown as Record<string, unknown>).countSlowly === 'function');
      const run = (jobId: string, cancel: boolean) =>
        page.evaluate(
          async ({ jobId, cancel }) => {
            const rtcw = window.rtcw as unknown as {
              countSlowly(input: { n: number }, options: { jobId: string; onProgress: (p: { pct: number; message: string }) => void }): Promise<number>;
              cancel(jobId: string): Promise<void>;
            };
            const seen: string[] = [];
            const promise = rtcw.countSlowly({ n: 4 }, { jobId, onProgress: (p) => seen.push(`${p.pct}% ${p.message}`) });
            if (cancel) {
              while (seen.length < 2) await new Promise((r) => setTimeout(r, 10));
              await rtcw.cancel(jobId);
            }
            try {
              return { result: await promise, seen };
            } catch (error) {
              return { error: (error as Error).message, seen };
            }
          },
          { jobId, cancel },
        );

      expect(await run('job-a', true)).toEqual({ error: '[CANCELLED] Cancelled.', seen: ['25% counted 1', '50% counted 2'] });
      finish = true;
      expect(await run('job-b', false)).toEqual({ result: 4, seen: ['25% counted 1', '50% counted 2', '75% counted 3', '100% counted 4'] });
      expect(jobs.service.runningJobs()).toEqual([]);
    } finally {
      await context.close();
      await jobs.close();
    }
  });

  it('requested nothing outside its own origin during the whole session, without CSP errors', () => {
    expect(session.requests.length).toBeGreaterThan(3);
    expect(session.requests.some((url) => url.includes('/__rtcw/api/createStudy'))).toBe(true);
    expect(foreignRequests(session)).toEqual([]);
    expect(session.pageErrors.filter((e) => /Content.Security.Policy|Refused to/i.test(e))).toEqual([]);
  });
});

