// The end-to-end scenarios, written once and run by both suites:
//   - the harness suite (npm test): the real renderer and services in Chromium over the loopback
//     harness (./appSession.ts);
//   - the Electron suite (npm run test:electron, test/electron/): the built app through the real
//     preload, IPC, service host and native dialogs (answered by a test hook in the main process).
// A scenario talks to the app only through `ScenarioApp`; the one thing that differs between the
// two is how a file is chosen — typed into a path field in web mode, picked in a native dialog on
// the desktop — so `choosePath` hides it.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { methodNames } from '../../shared/api/index';

/** UI updates after a service round trip; generous for slow CI machines. */
export const POLL = { timeout: 20_000 };
export const COHORT_A = path.resolve('test/fixtures/dicom/cohort-a');

export interface ScenarioApp {
  page: Page;
  /** Temporary folder for files the scenarios write. */
  dir: string;
  /** The desktop app (dialogs, app:// page) or web mode (typed paths). */
  kind: 'desktop' | 'web';
  /**
   * Makes `file` the answer of the next file choice: web mode types it into the field labelled
   * `fieldLabel`; the desktop app queues it as the native dialog's answer (the field stays empty).
   */
  choosePath(fieldLabel: string, file: string): Promise<void>;
  /** Brings the app to its first page (web: loads the URL; desktop: the window is already there). */
  home(): Promise<void>;
}

async function studyCounts(page: Page): Promise<Record<'patients' | 'lesions' | 'courses', string | null>> {
  const counts = page.getByRole('region', { name: 'Study counts' });
  await counts.waitFor();
  return {
    patients: await counts.locator('[data-count="patients"]').textContent(),
    lesions: await counts.locator('[data-count="lesions"]').textContent(),
    courses: await counts.locator('[data-count="courses"]').textContent(),
  };
}

async function goTo(page: Page, link: RegExp, heading: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link }).click();
  await page.getByRole('heading', { level: 1, name: heading }).first().waitFor();
}

/** First start: the app shell, and window.rtcw with exactly the contract's methods. */
export async function firstStart(app: ScenarioApp): Promise<void> {
  const { page } = app;
  await app.home();
  await expect.poll(() => page.getByRole('heading', { level: 1, name: 'Study' }).count(), POLL).toBe(1);
  expect(await page.getByRole('navigation', { name: 'Main' }).isVisible()).toBe(true);
  const methods = await page.evaluate(() => Object.keys(window.rtcw).sort());
  expect(methods).toEqual([...methodNames, 'cancel', 'onStudyChanged'].sort());
}

/** File → Open demo study: the synthetic cohort's counts. */
export async function openDemoStudy(app: ScenarioApp): Promise<void> {
  const { page } = app;
  await goTo(page, /^Study/, 'Study');
  await page.getByRole('button', { name: 'Open demo study' }).first().click();
  await expect.poll(() => page.getByRole('heading', { name: /Demo study — SYNTHETIC/ }).count(), POLL).toBe(1);
  expect(await studyCounts(page)).toEqual({ patients: '24', lesions: '28', courses: '28' });
}

/** Cohort grid: a bad value is refused at the cell, a good one saved and audited, then undone. */
export async function cohortEditAndUndo(app: ScenarioApp): Promise<void> {
  const { page } = app;
  await goTo(page, /^Cohort/, 'Cohort');
  const grid = page.getByRole('grid', { name: 'Lesions' });
  await grid.waitFor();
  expect(await page.getByRole('tab', { name: /Lesions/ }).getAttribute('aria-selected')).toBe('true');
  const sinsCell = grid.locator('[role="row"][data-row-key]').first().locator('[data-col="sins"]');
  const before = (await sinsCell.textContent())!.trim();
  const next = before === '12' ? '11' : '12';

  await sinsCell.click();
  await page.keyboard.type('25');
  await page.keyboard.press('Enter');
  await page.getByRole('alert').filter({ hasText: 'SINS must be at most 18.' }).waitFor();
  expect(await sinsCell.getAttribute('aria-invalid')).toBe('true');
  await page.keyboard.press('Escape');
  expect((await sinsCell.textContent())!.trim()).toBe(before);

  await sinsCell.click();
  await page.keyboard.type(next);
  await page.keyboard.press('Enter');
  await expect.poll(async () => (await sinsCell.textContent())!.trim(), POLL).toBe(next);
  await sinsCell.click();
  const audit = page.getByRole('complementary', { name: 'Lesion detail' }).getByRole('list', { name: 'Audit history' });
  await expect.poll(() => audit.getByText(`SINS: ${before} → ${next}`).count(), POLL).toBe(1);

  await page.getByRole('button', { name: 'Undo', exact: true }).click();
  await expect.poll(async () => (await sinsCell.textContent())!.trim(), POLL).toBe(before);
  await expect.poll(() => audit.getByText(`SINS: ${next} → ${before}`).count(), POLL).toBe(1);
}

/** A new, empty study (its file chosen in the save dialog on the desktop). */
export async function newStudy(app: ScenarioApp, title: string): Promise<string> {
  const { page } = app;
  await goTo(page, /^Study/, 'Study');
  const file = path.join(app.dir, `${title.replace(/\W+/g, '-')}.rtcw`);
  await page.getByLabel('Study title').fill(title);
  await app.choosePath('New study file', file);
  await page.getByRole('button', { name: 'New study', exact: true }).click();
  await expect.poll(() => page.getByRole('heading', { name: title }).count(), POLL).toBe(1);
  expect(fs.existsSync(file)).toBe(true);
  return file;
}

/** DICOM import of cohort-a through the wizard (the folder chosen in the folder dialog). */
export async function dicomImportCohortA(app: ScenarioApp): Promise<void> {
  const { page } = app;
  await newStudy(app, 'DICOM import');
  await goTo(page, /^Import/, 'Import');
  await page.getByRole('tab', { name: 'DICOM folder' }).click();
  await app.choosePath('Folder to scan', COHORT_A);
  await page.getByRole('button', { name: 'Scan folder' }).click();
  const proposals = page.getByRole('table', { name: 'Proposed lesions' });
  await proposals.waitFor({ timeout: 60_000 });
  expect(await proposals.locator('tbody tr[data-proposal]').count()).toBe(28);
  const acceptAll = page.getByRole('checkbox', { name: 'Accept all proposals' });
  if (!(await acceptAll.isChecked())) await acceptAll.check();
  await page.getByRole('button', { name: /^Commit 28 lesions/ }).click();
  await page.getByText('Import committed').waitFor();
  await goTo(page, /^Study/, 'Study');
  await expect.poll(async () => (await studyCounts(page)).lesions, POLL).toBe('28');
  expect(await studyCounts(page)).toEqual({ patients: '24', lesions: '28', courses: '28' });
}

/** Analysis of the open study: landmark rates and the number-at-risk table on screen. */
export async function analysis(app: ScenarioApp): Promise<void> {
  const { page } = app;
  await goTo(page, /^Analysis/, 'Analysis');
  expect(await page.getByRole('radio', { name: 'Local progression-free' }).isChecked()).toBe(true);
  const landmarks = page.getByRole('table', { name: 'Landmark rates' });
  await landmarks.waitFor(POLL);
  expect(await landmarks.locator('tbody tr').count()).toBeGreaterThan(0);
  const estimate = Number(await landmarks.locator('tbody tr td[data-time="12"]').first().getAttribute('data-estimate'));
  expect(estimate).toBeGreaterThan(0);
  expect(estimate).toBeLessThanOrEqual(1);
}

/** Export page: the current figure as PDF, then Table 1 as DOCX, each through the save dialog. */
export async function exportFigureAndTable(app: ScenarioApp): Promise<void> {
  const { page } = app;
  await goTo(page, /^Export/, 'Export');
  await page.getByRole('img', { name: /Preview of the survival/ }).waitFor(POLL);
  const figure = path.join(app.dir, 'figure-1.pdf');
  await app.choosePath('Save as', figure);
  await page.getByRole('button', { name: 'Export', exact: true }).click();
  await page.getByText('Exported PDF').waitFor(POLL);
  expect(fs.readFileSync(figure).subarray(0, 5).toString('latin1')).toBe('%PDF-');

  await page.getByRole('radio', { name: 'Table 1' }).check();
  const table = path.join(app.dir, 'table-1.docx');
  await app.choosePath('Save as', table);
  await page.getByRole('button', { name: 'Export', exact: true }).click();
  await page.getByText(/Exported DOCX/i).waitFor(POLL);
  expect(fs.readFileSync(table).subarray(0, 2).toString('latin1')).toBe('PK');
}
