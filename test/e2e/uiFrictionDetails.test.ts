// Issue 16, the remaining "confusing" and "ugly" items, each end to end in real Chromium at
// 1280×720 on the demo study: a grouping that leaves one group says so above the figure; chart text
// is ≥ 11 px; a mapping
// problem shows next to Validate, in view; a missing study file gets a plain next step (no "refresh
// the page"); clipped grid text ends in an ellipsis with the whole text on hover; lists write
// timestamps as the study setting says (ISO: no "12/3/2026, 6:36 AM"); the Table 1 CSV has the
// screen's words and dashes (male/female, 0–1), not codes.
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { populateDemoStudy } from '../../electron/services/analysis/demoStudy';
import { ARTIFACTS, POLL, exportTableCsv, useAppSession } from './appSession';

const session = useAppSession({ populateDemo: (db) => populateDemoStudy(db) });
const IMPORT = path.resolve('test/fixtures/import');

const nav = (page: Page, name: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: new RegExp(`^${name}`) }).click();

async function openDemo(page: Page, url: string) {
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.goto(url);
  await page.getByRole('button', { name: 'Open demo study' }).click();
  await page.getByRole('region', { name: 'Study counts' }).waitFor();
}

async function inView(page: Page, locator: ReturnType<Page['locator']>): Promise<boolean> {
  const box = await locator.boundingBox();
  const vp = page.viewportSize()!;
  return !!box && box.y >= 0 && box.y + box.height <= vp.height && box.x >= 0 && box.x + box.width <= vp.width;
}

describe('issue 16 details at 1280×720', () => {
  it('a grouping that leaves one group says so above the figure, not only in the collapsed notes', async () => {
    const { page, harness } = session();
    await openDemo(page, harness.url);
    await nav(page, 'Analysis');
    await page.getByRole('table', { name: 'Landmark rates' }).waitFor(POLL);
    expect(await page.getByTestId('analysis-headline').count()).toBe(0);
    await page.getByLabel('Group by').selectOption({ label: 'Targeted therapy' });
    await page.getByRole('button', { name: 'Add filter' }).click();
    const draft = page.getByRole('group', { name: 'New filter' });
    await draft.getByLabel('Variable').selectOption({ label: 'Targeted therapy' });
    await draft.getByLabel('Value').selectOption({ label: 'Concurrent' });
    await draft.getByRole('button', { name: 'Apply filter' }).click();
    const headline = page.getByTestId('analysis-headline');
    await headline.waitFor(POLL);
    expect(await headline.textContent()).toMatch(/Targeted therapy = Concurrent: there is only one group, so nothing is compared\.$/);
    expect(await headline.isVisible()).toBe(true);
    await page.screenshot({ path: path.join(ARTIFACTS, 'ui-analysis-one-group-1280x720.png') });
    // Removing the filter brings back two groups and the headline goes.
    await page.getByRole('list', { name: 'Active filters' }).getByRole('button').first().click();
    await expect.poll(() => headline.count(), POLL).toBe(0);
  });

  it('chart text on screen is at least 11 px at 1280×720 (survival figure and forest plot)', async () => {
    const { page } = session();
    const survival = page.getByRole('img', { name: /curves/ }).first();
    await expect.poll(() => survival.getAttribute('data-min-font-px'), POLL).not.toBeNull();
    expect(Number(await survival.getAttribute('data-min-font-px'))).toBeGreaterThanOrEqual(11);
    await page.getByRole('tab', { name: /Cox/ }).click();
    const forest = page.getByRole('img', { name: /Forest plot/ });
    await expect.poll(() => forest.getAttribute('data-min-font-px'), POLL).not.toBeNull();
    expect(Number(await forest.getAttribute('data-min-font-px'))).toBeGreaterThanOrEqual(11);
    expect((await forest.boundingBox())!.width).toBeLessThanOrEqual(1280);
  });

  it('a missing study file gets a plain next step, at the Open form', async () => {
    const { page, dir } = session();
    await nav(page, 'Study');
    await page.getByLabel('Study file', { exact: true }).fill(path.join(dir, 'moved-away.rtcw'));
    await page.getByRole('button', { name: 'Open study', exact: true }).click();
    const alert = page.getByRole('region', { name: 'Open a study' }).getByRole('alert');
    await alert.waitFor();
    const message = (await alert.textContent())!;
    expect(message).toMatch(/moved, renamed or deleted/);
    expect(message).not.toMatch(/refresh|reload|ENOENT|stack/i);
    expect(await inView(page, alert)).toBe(true);
  });

  it('lists write timestamps as the study setting says (ISO by default), never US month/day with AM/PM', async () => {
    const { page, harness, dir } = session();
    await openDemo(page, harness.url);
    await nav(page, 'Study');
    // The demo study is not a recent study; a study of one's own is.
    const createForm = page.getByRole('region', { name: 'Create a study' });
    await createForm.getByLabel('Study title').fill('Dates in lists');
    await createForm.getByLabel('New study file').fill(path.join(dir, 'dates-in-lists.rtcw'));
    await createForm.getByRole('button', { name: 'New study' }).click();
    await page.getByRole('heading', { name: 'Dates in lists' }).waitFor();
    await page.getByRole('button', { name: 'Open demo study' }).click();
    await page.getByRole('heading', { name: /^Demo study/ }).waitFor();
    const recent = (await page.getByRole('list', { name: 'Recent studies' }).textContent())!;
    expect(recent).toMatch(/opened \d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
    expect(recent).not.toMatch(/AM|PM|\d{1,2}\/\d{1,2}\/\d{4}/);
    // An edit, then the lesion's history: ISO timestamps too.
    await nav(page, 'Cohort');
    const grid = page.getByRole('grid', { name: 'Lesions' });
    await grid.waitFor();
    const cell = grid.locator('[role="row"][data-row-key]').first().locator('[data-col="sins"]');
    await cell.click();
    await page.keyboard.type('9');
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await cell.textContent())?.trim(), POLL).toBe('9');
    await cell.click();
    const history = page.getByRole('list', { name: /history/i });
    await expect.poll(async () => (await history.textContent()) ?? '', POLL).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
    expect(await history.textContent()).not.toMatch(/AM|PM|\d{1,2}\/\d{1,2}\/\d{4}/);
    // The change reads with the field's label, not its internal name.
    expect(await history.textContent()).toMatch(/SINS: \d+ → 9/);
    expect(await history.textContent()).not.toMatch(/\bsins:/);
  });

  it('clipped grid text ends in an ellipsis and shows the whole text on hover', async () => {
    const { page } = session();
    const grid = page.getByRole('grid', { name: 'Lesions' });
    const texts = grid.locator('[role="row"][data-row-key] .cell-text');
    expect(await texts.count()).toBeGreaterThan(20);
    const style = await texts.first().evaluate((el) => {
      const s = getComputedStyle(el);
      return `${s.textOverflow}|${s.whiteSpace}|${s.overflow}`;
    });
    expect(style).toBe('ellipsis|nowrap|hidden');
    // Every cell whose text is wider than its box carries the whole text as a tooltip.
    const clipped = await texts.evaluateAll((els) =>
      els.filter((el) => el.scrollWidth > el.clientWidth + 1).map((el) => ({ text: el.textContent ?? '', title: el.closest('[title]')?.getAttribute('title') ?? '' })),
    );
    for (const c of clipped) expect(c.title).toBe(c.text);
  });

  it('a mapping problem shows next to Validate, in view', async () => {
    const { page } = session();
    await nav(page, 'Import');
    await page.getByRole('tab', { name: /Spreadsheet/ }).click();
    await page.getByLabel('Spreadsheet file').fill(path.join(IMPORT, 'patients.csv'));
    await page.getByRole('button', { name: 'Read file' }).click();
    await page.getByLabel('Value codes for sex').waitFor();
    await page.getByLabel('Column for sex').selectOption('sex');
    await page.getByLabel('Value codes for sex').fill('1 M');
    await page.getByRole('button', { name: 'Validate' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'needs the form code=value' });
    await alert.waitFor();
    expect(await inView(page, alert)).toBe(true);
    expect(await inView(page, page.getByRole('button', { name: 'Validate' }))).toBe(true);
    await page.screenshot({ path: path.join(ARTIFACTS, 'ui-import-mapping-problem-1280x720.png') });
  });

  it('the Table 1 CSV has the words and dashes of the screen, not codes', async () => {
    const { page, dir } = session();
    await nav(page, 'Analysis');
    await page.getByRole('tab', { name: 'Table 1' }).click();
    const screen = page.getByRole('table', { name: 'Table 1' });
    await screen.waitFor(POLL);
    const labels = (await screen.locator('tbody th').allTextContents()).map((t) => t.trim());
    expect(labels).toEqual(expect.arrayContaining(['male', 'female', '0–1']));
    const firstColumn = (await exportTableCsv(page, 'Table 1', path.join(dir, 'table1.csv')))
      .split('\r\n')
      .map((l) => (l.startsWith('"') ? l.slice(1, l.indexOf('"', 1)) : l.split(',')[0]));
    for (const label of labels) expect(firstColumn).toContain(label);
    expect(firstColumn).not.toContain('M');
    expect(firstColumn).not.toContain('F');
    expect(firstColumn).not.toContain('0-1');
  });
});
