// End-to-end, at a 1280×720 laptop viewport in real Chromium: the DICOM review (issue 10, item 4).
// The Commit button and the reasons column are on screen without scrolling; the 10 flagged
// cohort-a courses show their reasons; the row editor saves only valid values (dates as ISO or
// in the study's regional format, never a guess) and Cancel changes nothing; a re-scan shows what the
// cohort already holds and selects none of it; a folder without DICOM files says so.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ARTIFACTS, POLL, foreignRequests, useAppSession } from './appSession';

const COHORT_A = path.resolve('test/fixtures/dicom/cohort-a');
const VIEWPORT = { width: 1280, height: 720 };

// The harness's locale stands in for the computer's regional format (StudySession.locale).
const session = useAppSession({ locale: 'en-GB' });

/** Study page → Study settings → "Dates and numbers": this computer's regional format. */
async function setRegionalFormat() {
  const { page } = session();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Study/ }).click();
  await page.getByLabel('Dates and numbers').selectOption('locale');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await page.getByRole('status').filter({ hasText: 'Settings saved' }).waitFor();
}

async function openDicomWizard(studyName: string) {
  const { page, harness, dir } = session();
  await page.setViewportSize(VIEWPORT);
  await page.goto(harness.url);
  await page.getByLabel('Study title').fill(studyName);
  await page.getByLabel('New study file').fill(path.join(dir, `${studyName.replace(/\W+/g, '-')}.rtcw`));
  await page.getByRole('button', { name: 'New study', exact: true }).click();
  await page.getByRole('region', { name: 'Study counts' }).waitFor();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Import/ }).click();
  await page.getByRole('tab', { name: 'DICOM folder' }).click();
}

async function scan(folder: string) {
  const { page } = session();
  await page.getByLabel('Folder to scan').fill(folder);
  await page.getByRole('button', { name: 'Scan folder' }).click();
}

/** The element's box lies inside the viewport as the page is (no scrolling). */
async function onScreen(locator: import('playwright-core').Locator): Promise<boolean> {
  const box = await locator.boundingBox();
  return !!box && box.x >= 0 && box.y >= 0 && box.x + box.width <= VIEWPORT.width && box.y + box.height <= VIEWPORT.height;
}

describe('DICOM review at 1280×720', () => {
  it('shows the flagged courses with their reasons, edits with Save/Cancel, and re-scans without re-selecting', async () => {
    const { page } = session();
    await openDicomWizard('Review 1280');
    await scan(COHORT_A);
    const proposals = page.getByRole('table', { name: 'Proposed lesions' });
    await proposals.waitFor({ timeout: 60_000 });
    const rows = proposals.locator('tbody tr[data-proposal]');
    expect(await rows.count()).toBe(28);

    // Commit and the reasons column are reachable without scrolling the page or the table.
    const commit = page.getByRole('button', { name: 'Commit 18 lesions' });
    expect(await onScreen(commit)).toBe(true);
    expect(await onScreen(proposals.getByRole('columnheader', { name: 'Review' }))).toBe(true);
    const flagged = proposals.locator('tbody tr.flagged');
    expect(await flagged.count()).toBe(10);
    expect(await flagged.filter({ hasText: 'no treatment record' }).count()).toBe(8);
    expect(await flagged.filter({ hasText: 'incomplete course' }).count()).toBe(2);
    const firstReason = flagged.first().locator('td').nth(1);
    const reasonBox = await firstReason.boundingBox();
    expect(reasonBox && reasonBox.x + reasonBox.width <= VIEWPORT.width).toBe(true);
    // Flagged rows are not accepted by default.
    for (const box of await flagged.getByRole('checkbox').all()) expect(await box.isChecked()).toBe(false);
    await page.screenshot({ path: path.join(ARTIFACTS, 'ui-dicom-review-1280x720.png') });

    // Cancel leaves a proposal as it was.
    const incomplete = flagged.filter({ hasText: 'incomplete course' }).first();
    const incompleteId = (await incomplete.getAttribute('data-proposal'))!;
    const doseBefore = await incomplete.locator('td.num').first().textContent();
    await incomplete.getByRole('button', { name: /^Edit / }).click();
    let editor = proposals.getByRole('form', { name: /^Correct / });
    await editor.getByRole('textbox', { name: /^Dose for / }).fill('99');
    await editor.getByRole('button', { name: 'Cancel' }).click();
    await editor.waitFor({ state: 'detached' });
    expect(await proposals.locator(`tr[data-proposal="${incompleteId}"] td.num`).first().textContent()).toBe(doseBefore);
    expect(await proposals.locator(`tr[data-proposal="${incompleteId}"]`).getByRole('checkbox').isChecked()).toBe(false);

    // A course without records: its RT start typed day-first is refused while the study is ISO…
    const noRecord = flagged.filter({ hasText: 'no treatment record' }).first();
    const noRecordId = (await noRecord.getAttribute('data-proposal'))!;
    await noRecord.getByRole('button', { name: /^Edit / }).click();
    editor = proposals.getByRole('form', { name: /^Correct / });
    const start = editor.getByRole('textbox', { name: /^RT start for / });
    await start.fill('03/04/2019');
    await editor.getByRole('button', { name: 'Save' }).click();
    await editor.getByRole('alert').filter({ hasText: 'RT start: "03/04/2019" is not a date as YYYY-MM-DD' }).waitFor();
    expect(await start.getAttribute('aria-invalid')).toBe('true');
    await editor.getByRole('button', { name: 'Cancel' }).click();
    await editor.waitFor({ state: 'detached' });
    const savedRow = proposals.locator(`tr[data-proposal="${noRecordId}"]`);
    await expect.poll(() => savedRow.locator('td').nth(10).textContent(), POLL).toBe('—');
    expect(await savedRow.getByRole('checkbox').isChecked()).toBe(false);
    await page.getByRole('button', { name: 'Commit 18 lesions' }).click();
    await page.getByText('Import committed').waitFor();
    expect(await page.evaluate(() => window.rtcw.listCohortRecords({ entity: 'rtCourse' }))).toHaveLength(18);

    // …and read day-first, and shown so, once the study uses this computer's format (en-GB here):
    // one setting for the grid, the review and the exports (Study settings, issue 16).
    await setRegionalFormat();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Import/ }).click();
    await page.getByRole('tab', { name: 'DICOM folder' }).click();
    await scan(COHORT_A);
    await proposals.waitFor({ timeout: 60_000 });
    const again = proposals.locator('tbody tr.flagged').filter({ hasText: 'no treatment record' }).first();
    await again.getByRole('button', { name: /^Edit / }).click();
    editor = proposals.getByRole('form', { name: /^Correct / });
    await editor.getByRole('textbox', { name: /^RT start for / }).fill('31/02/2019');
    await editor.getByRole('button', { name: 'Save' }).click();
    await editor.getByRole('alert').filter({ hasText: 'RT start: "31/02/2019" is not a date as DD/MM/YYYY or YYYY-MM-DD' }).waitFor();
    await editor.getByRole('textbox', { name: /^RT start for / }).fill('03/04/2019');
    await editor.getByRole('button', { name: 'Save' }).click();
    await editor.waitFor({ state: 'detached' });
    await expect.poll(() => again.locator('td').nth(10).textContent(), POLL).toBe('3 Apr 2019');
    // Saving a correction is a review: the row is now accepted.
    expect(await again.getByRole('checkbox').isChecked()).toBe(true);

    await page.getByRole('button', { name: 'Commit 1 lesion', exact: true }).click();
    await page.getByText('Import committed').waitFor();
    const courses = await page.evaluate(() => window.rtcw.listCohortRecords({ entity: 'rtCourse' }));
    expect(courses).toHaveLength(19);
    expect(courses.filter((c) => c.startDate === '2019-04-03')).toHaveLength(1);

    // Re-scan: the 19 committed are shown as in the cohort, none selected; the rest stay flagged.
    await page.getByRole('button', { name: 'Import another folder' }).click();
    await scan(COHORT_A);
    await proposals.waitFor({ timeout: 60_000 });
    const present = proposals.locator('tbody tr[data-in-cohort]');
    expect(await present.count()).toBe(19);
    for (const box of await present.getByRole('checkbox').all()) expect(await box.isChecked()).toBe(false);
    expect(await present.first().textContent()).toContain('already in the cohort');
    expect(await page.getByRole('status').filter({ hasText: '19 already in the cohort' }).count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Commit 0 lesions' }).isDisabled()).toBe(true);
    expect(await proposals.locator('tbody tr.flagged').count()).toBe(9);
    await page.screenshot({ path: path.join(ARTIFACTS, 'ui-dicom-rescan-1280x720.png') });
    expect(foreignRequests(session())).toEqual([]);
  });

  it('says so when the folder holds no DICOM file', async () => {
    const { page, dir } = session();
    const folder = path.join(dir, 'not-dicom');
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, 'patients.csv'), 'id,name\n1,x\n');
    fs.writeFileSync(path.join(folder, 'notes.txt'), 'export log\n');
    await openDicomWizard('No DICOM');
    await scan(folder);
    const alert = page.getByRole('alert').filter({ hasText: 'No DICOM files in this folder' });
    await alert.waitFor({ timeout: 60_000 });
    expect(await alert.textContent()).toContain('None of its 2 files could be read as DICOM');
    expect(await page.getByRole('table', { name: 'Skipped files' }).locator('tbody tr').count()).toBe(2);
    expect(await page.getByRole('table', { name: 'Proposed lesions' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Commit/ }).count()).toBe(0);
    await page.getByRole('button', { name: 'Choose another folder' }).click();
    await page.getByLabel('Folder to scan').waitFor();
  });
});
