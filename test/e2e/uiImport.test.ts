// End-to-end: import the synthetic cohort-a DICOM export through the wizard (folder → scan with
// progress → review → commit) into a new study and see its 28 lesions; a spreadsheet with bad rows
// gets its row-by-row report and changes nothing.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ARTIFACTS, POLL, foreignRequests, useAppSession } from './appSession';
import { writeSyntheticCohort } from '../unit/dicom/syntheticCohort';

const COHORT_A = path.resolve('test/fixtures/dicom/cohort-a');
const IMPORT = path.resolve('test/fixtures/import');

const session = useAppSession();

async function newStudy(name: string) {
  const { page, harness, dir } = session();
  await page.goto(harness.url);
  await page.getByLabel('Study title').fill(name);
  await page.getByLabel('New study file').fill(path.join(dir, `${name.replace(/\W+/g, '-')}.rtcw`));
  await page.getByRole('button', { name: 'New study', exact: true }).click();
  await page.getByRole('region', { name: 'Study counts' }).waitFor();
}

describe('import wizards end-to-end', () => {
  it('imports cohort-a through the DICOM wizard and shows its 28 lesions', async () => {
    const { page } = session();
    await newStudy('DICOM import');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Import/ }).click();
    await page.getByRole('tab', { name: 'DICOM folder' }).click();
    await page.getByLabel('Folder to scan').fill(COHORT_A);
    await page.getByRole('button', { name: 'Scan folder' }).click();

    const proposals = page.getByRole('table', { name: 'Proposed lesions' });
    await proposals.waitFor({ timeout: 60_000 });
    const rows = proposals.locator('tbody tr[data-proposal]');
    expect(await rows.count()).toBe(28);
    // The 8 courses without a treatment record and the 2 incomplete ones wait for a person.
    expect(await proposals.locator('tbody tr.flagged').count()).toBe(10);
    await page.getByRole('button', { name: 'Commit 18 lesions' }).waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'ui-import-dicom-review.png') });

    // Correct a proposal in its row editor: a bad value is refused on Save, named at the field.
    await page.getByRole('button', { name: /^Edit / }).first().click();
    const editor = proposals.getByRole('form', { name: /^Correct / });
    const dose = editor.getByRole('textbox', { name: /^Dose for / });
    await dose.fill('abc');
    await editor.getByRole('button', { name: 'Save' }).click();
    await editor.getByRole('alert').filter({ hasText: 'Dose: a number from 0.1 to 200' }).waitFor();
    expect(await dose.getAttribute('aria-invalid')).toBe('true');
    await dose.fill('32');
    await editor.getByRole('button', { name: 'Save' }).click();
    await editor.waitFor({ state: 'detached' });
    expect(await rows.first().locator('td.num').first().textContent()).toBe('32');

    // Accept everything (flagged rows were reviewed on screen), then commit.
    const acceptAll = page.getByRole('checkbox', { name: 'Accept all proposals' });
    if (!(await acceptAll.isChecked())) await acceptAll.check();
    await page.getByRole('button', { name: /^Commit 28 lesions/ }).click();
    await page.getByText('Import committed').waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'ui-import-dicom-done.png') });
    await page.getByRole('button', { name: 'View cohort' }).click();
    const lesions = page.getByRole('grid', { name: 'Lesions' });
    await expect.poll(() => lesions.getAttribute('aria-rowcount'), POLL).toBe(String(28 + 1)); // + the header row (the filter row is hidden until asked for)
    await page.screenshot({ path: path.join(ARTIFACTS, 'ui-cohort-dicom.png') });

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Study/ }).click();
    const counts = page.getByRole('region', { name: 'Study counts' });
    await expect.poll(() => counts.locator('[data-count="lesions"]').textContent(), POLL).toBe('28');
    expect(await counts.locator('[data-count="patients"]').textContent()).toBe('24');
    expect(await counts.locator('[data-count="courses"]').textContent()).toBe('28');
    // The corrected dose went into the cohort (every proposal in cohort-a is 18–48 Gy, none 32).
    const courses = await page.evaluate(() => window.rtcw.listCohortRecords({ entity: 'rtCourse' }));
    expect(courses.filter((c) => c.totalDoseGy === 32)).toHaveLength(1);
    expect(foreignRequests(session())).toEqual([]);
  });

  it('highlights the proposals that need review and leaves them unaccepted', async () => {
    const { page, dir } = session();
    // Generated variants (other naming, encodings, an unapproved plan, a region-only target …).
    const folder = path.join(dir, 'synthetic-dicom');
    const synthetic = writeSyntheticCohort(folder);
    const flaggedExpected = synthetic.expected.filter((l) => l.needsReview).length;
    expect(flaggedExpected).toBeGreaterThan(0);
    await newStudy('Flagged review');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Import/ }).click();
    await page.getByRole('tab', { name: 'DICOM folder' }).click();
    await page.getByLabel('Folder to scan').fill(folder);
    await page.getByRole('button', { name: 'Scan folder' }).click();
    const proposals = page.getByRole('table', { name: 'Proposed lesions' });
    await proposals.waitFor({ timeout: 60_000 });
    expect(await proposals.locator('tbody tr[data-proposal]').count()).toBe(synthetic.expected.length);
    const flaggedRows = proposals.locator('tbody tr.flagged');
    expect(await flaggedRows.count()).toBe(flaggedExpected);
    // Each flagged row shows its reasons; the unapproved plan says so.
    await flaggedRows.filter({ hasText: 'UNAPPROVED' }).first().waitFor();
    // Flagged proposals wait for a person: only the others are accepted by default.
    await page.getByRole('button', { name: `Commit ${synthetic.expected.length - flaggedExpected} lesions` }).waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'ui-import-dicom-flagged.png') });
  });

  it('maps a patients CSV column by column, validates it and commits it', async () => {
    const { page } = session();
    await newStudy('Spreadsheet import');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Import/ }).click();
    await page.getByRole('tab', { name: /Spreadsheet/ }).click();
    await page.getByLabel('Spreadsheet file').fill(path.join(IMPORT, 'patients.csv'));
    await page.getByRole('button', { name: 'Read file' }).click();

    await page.getByLabel('Mapping name').fill('redcap-rcc');
    expect(await page.getByLabel('This sheet holds').inputValue()).toBe('patient');
    await page.getByLabel('Row key column').selectOption('record_id');
    await page.getByLabel('Column for pseudonym').selectOption('study_id');
    await page.getByLabel('Column for sex').selectOption('sex');
    await page.getByLabel('Value codes for sex').fill('1=M; 2=F');
    await page.getByLabel('Column for age at first RT').selectOption('age');
    expect(await page.getByLabel('Column for ECOG PS').inputValue()).toBe('ecog'); // guessed from the header
    await page.getByLabel('Column for vital status').selectOption('vital');
    await page.getByLabel('Value codes for vital status').fill('0=alive; 1=dead');
    await page.getByLabel('Column for date of death').selectOption('death_date');
    await page.getByLabel('Date format for date of death').selectOption('DD.MM.YYYY');
    await page.getByLabel('Column for date of last follow-up').selectOption('last_fu');
    await page.getByLabel('Date format for date of last follow-up').selectOption('DD.MM.YYYY');
    await page.screenshot({ path: path.join(ARTIFACTS, 'ui-import-sheet-mapping.png'), fullPage: false });
    await page.getByRole('button', { name: 'Validate' }).click();

    const summary = page.getByRole('table', { name: 'Sheet summary' });
    await summary.waitFor();
    expect(await page.getByRole('table', { name: 'Rejected rows' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Commit import' }).click();
    await page.getByText('3 row(s) imported', { exact: false }).waitFor();

    // The mapping is remembered for files with the same columns.
    await page.getByRole('button', { name: 'Import another file' }).click();
    await page.getByLabel('Spreadsheet file').fill(path.join(IMPORT, 'patients.csv'));
    await page.getByRole('button', { name: 'Read file' }).click();
    await page.getByText('Restored the mapping saved for files with these columns.').waitFor();
    expect(await page.getByLabel('Mapping name').inputValue()).toBe('redcap-rcc');
    expect(await page.getByLabel('Value codes for sex').inputValue()).toBe('1=M; 2=F');
  });

  it('shows the row-by-row report of a bad spreadsheet and imports nothing', async () => {
    const { page } = session();
    await page.getByRole('button', { name: 'Back' }).click();
    await page.getByLabel('Spreadsheet file').fill(path.join(IMPORT, 'lesions-bad.csv'));
    await page.getByRole('button', { name: 'Read file' }).click();
    await page.getByText('Use a mapping file (JSON)').click();
    await page.getByLabel('Mapping (JSON)').fill(fs.readFileSync(path.join(IMPORT, 'lesions-mapping.json'), 'utf8'));
    await page.getByRole('button', { name: 'Use this mapping' }).click();
    expect(await page.getByLabel('This sheet holds').inputValue()).toBe('lesion');
    await page.getByRole('button', { name: 'Validate' }).click();

    const rejected = page.getByRole('table', { name: 'Rejected rows' });
    await rejected.waitFor();
    const rows = await rejected.locator('tbody tr').evaluateAll((trs) =>
      trs.map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.textContent ?? '')),
    );
    const byRow = new Map(rows.map((cells) => [Number(cells[1]), cells]));
    expect([...byRow.keys()].sort()).toEqual([2, 3, 4, 5, 6]);
    expect(byRow.get(2)![2]).toBe('sins_total');
    expect(byRow.get(3)![4]).toContain('L6');
    expect(byRow.get(4)![4]).toContain('"99" not found');
    expect(byRow.get(5)![4]).toContain('not contiguous');
    expect(byRow.get(6)![3]).toBe('maybe');
    expect(await page.getByRole('button', { name: 'Commit import' }).isDisabled()).toBe(true);
    expect(await page.getByText('Nothing was imported.', { exact: false }).isVisible()).toBe(true);
    await page.screenshot({ path: path.join(ARTIFACTS, 'ui-import-sheet-report.png'), fullPage: false });

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Study/ }).click();
    const counts = page.getByRole('region', { name: 'Study counts' });
    await expect.poll(() => counts.locator('[data-count="patients"]').textContent(), POLL).toBe('3');
    expect(await counts.locator('[data-count="lesions"]').textContent()).toBe('0');
    expect(foreignRequests(session())).toEqual([]);
  });
});
