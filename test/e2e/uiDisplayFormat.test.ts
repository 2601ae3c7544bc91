// Issue 16: one date/number setting per study (Study settings → "Dates and numbers"), ISO by
// default, this computer's regional format on request — used by the grid, lists, result tables and
// exported tables alike. The harness's locale (de-DE) stands in for the computer's regional
// format: decimal commas, DD.MM.YYYY, ';' between CSV columns.
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { populateDemoStudy } from '../../electron/services/analysis/demoStudy';
import { ARTIFACTS, POLL, exportTableCsv, foreignRequests, useAppSession } from './appSession';

const session = useAppSession({ populateDemo: (db) => populateDemoStudy(db), locale: 'de-DE' });

const nav = (page: Page, name: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: new RegExp(`^${name}`) }).click();
const ISO_DATE = /\b\d{4}-\d{2}-\d{2}\b/;
const DE_DATE = /^\d{2}\.\d{2}\.\d{4}$/;

describe('the study date/number setting at 1280×720 (de-DE)', () => {
  it('is ISO by default and the regional format, everywhere, once chosen', async () => {
    const { page, harness, dir } = session();
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.goto(harness.url);
    await page.getByRole('button', { name: 'Open demo study' }).click();
    await page.getByRole('region', { name: 'Study counts' }).waitFor();

    // ISO by default: the grid shows stored dates as they are.
    await nav(page, 'Cohort');
    await page.getByRole('tab', { name: /RT courses/ }).click();
    const grid = page.getByRole('grid', { name: 'RT courses' });
    const start = grid.locator('[role="row"][data-row-key]').first().locator('[data-col="startDate"]');
    await expect.poll(async () => (await start.textContent())?.trim(), POLL).toMatch(/^\d{4}-\d{2}-\d{2}$/);

    // Study settings: the option names what the regional format looks like here.
    await nav(page, 'Study');
    const option = page.getByLabel('Dates and numbers').locator('option[value="locale"]');
    await expect.poll(() => option.textContent(), POLL).toContain('03.12.2026, 12,5');
    await page.getByLabel('Dates and numbers').selectOption('locale');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('status').filter({ hasText: 'Settings saved' }).waitFor();

    // Grid: dates as DD.MM.YYYY; a date typed that way is stored as ISO.
    await nav(page, 'Cohort');
    await page.getByRole('tab', { name: /RT courses/ }).click();
    await expect.poll(async () => (await start.textContent())?.trim(), POLL).toMatch(DE_DATE);
    const key = await grid.locator('[role="row"][data-row-key]').first().getAttribute('data-row-key');
    await start.click();
    await page.keyboard.type('3.4.2011');
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await grid.locator(`[role="row"][data-row-key="${key}"] [data-col="startDate"]`).textContent())?.trim(), POLL).toBe('03.04.2011');
    const courses = await page.evaluate(() => window.rtcw.listCohortRecords({ entity: 'rtCourse' }));
    expect(courses.find((c) => String(c.id) === key)?.startDate).toBe('2011-04-03');
    // An impossible date is refused with the format it expects.
    await start.click();
    await page.keyboard.type('31.02.2011');
    await page.keyboard.press('Enter');
    await page.getByRole('alert').filter({ hasText: '31.02.2011 is not a calendar date as DD.MM.YYYY or YYYY-MM-DD.' }).waitFor();
    await page.keyboard.press('Escape');
    const gridText = await grid.locator('[role="row"][data-row-key]').allTextContents();
    expect(gridText.join(' ')).not.toMatch(ISO_DATE);
    await page.screenshot({ path: path.join(ARTIFACTS, 'ui-display-format-grid-1280x720.png') });

    // DICOM review: doses, BED and dates of the proposals in the same format.
    await nav(page, 'Import');
    await page.getByRole('tab', { name: 'DICOM folder' }).click();
    await page.getByLabel('Folder to scan').fill(path.resolve('test/fixtures/dicom/cohort-a'));
    await page.getByRole('button', { name: 'Scan folder' }).click();
    const proposals = page.getByRole('table', { name: 'Proposed lesions' });
    await proposals.waitFor({ timeout: 60_000 });
    const reviewText = (await proposals.locator('tbody').textContent())!;
    expect(reviewText).toMatch(/\d,\d\d/);
    const numbers = await proposals.locator('tbody td.num').allTextContents();
    expect(numbers.some((n) => /^\d+,\d\d$/.test(n))).toBe(true);
    expect(numbers.filter((n) => n.includes('.'))).toEqual([]);
    expect(reviewText).toMatch(/\d{2}\.\d{2}\.\d{4}/);
    expect(reviewText).not.toMatch(ISO_DATE);
    expect(await page.getByText('Dates as DD.MM.YYYY or YYYY-MM-DD (study setting)').count()).toBe(1);

    // Analysis: landmark rates, Table 1 and the Cox table with decimal commas.
    await nav(page, 'Analysis');
    const landmarks = page.getByRole('table', { name: 'Landmark rates' });
    await landmarks.waitFor(POLL);
    const rate = (await landmarks.locator('tbody tr td[data-time="12"]').first().textContent())!;
    expect(rate).toMatch(/^\d+,\d% \(\d+,\d–\d+,\d\)$/);
    await page.getByRole('tab', { name: 'Table 1' }).click();
    const table1 = (await page.getByRole('table', { name: 'Table 1' }).textContent())!;
    expect(table1).toMatch(/\d,\d/);
    expect(table1).not.toMatch(/\d\.\d/);
    await page.getByRole('tab', { name: /Cox/ }).click();
    const cox = (await page.getByRole('table', { name: 'Cox regression' }).textContent())!;
    expect(cox).toMatch(/\d,\d\d \(\d,\d\d–\d+,\d\d\)/);
    expect(cox).not.toMatch(/\d\.\d/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'ui-display-format-analysis-1280x720.png') });

    // Export: the Cox table as CSV, as Excel of this locale reads it (';', decimal commas).
    const csv = await exportTableCsv(page, 'Cox regression table', path.join(dir, 'cox.csv'));
    const lines = csv.split('\r\n').filter((l) => !l.includes('Source: RT Cohort'));
    expect(lines.some((l) => l.split(';').length > 3)).toBe(true);
    expect(lines.join('\n')).toMatch(/\d,\d\d \(\d,\d\d–\d+,\d\d\)/);
    expect(lines.join('\n')).not.toMatch(/\d\.\d/);
    expect(foreignRequests(session())).toEqual([]);
  });
});
