// End-to-end (real Chromium via the harness): a study holding the cohort-a DICOM patients gets the
// site's MRN-keyed follow-up sheet through the spreadsheet wizard. The wizard offers "by hospital
// ID" first and chosen; an unknown MRN is rejected by row and column without being shown; the good
// sheet updates the 24 DICOM patients and adds none. Then the Study page shares a de-identified
// copy, which opens flagged as a shared copy.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, POLL, foreignRequests, useAppSession } from './appSession';
import { eventRows, importAllOfCohortA, eventSheet, patientSheet, runCli, truth, UNKNOWN_MRN } from '../unit/identity/linkageFixture';

const session = useAppSession();
let studyPath: string;

beforeAll(async () => {
  const { dir } = session();
  // The CLI of this "workstation" shares the harness's key store (user-data/study-keys).
  process.env.RTCW_USER_DATA = path.join(dir, 'user-data');
  studyPath = path.join(dir, 'site.rtcw');
  expect((await runCli(['study', 'create', studyPath])).code).toBe(0);
  await importAllOfCohortA(studyPath, process.env.RTCW_USER_DATA);
  fs.mkdirSync(path.join(dir, 'bad'));
  fs.writeFileSync(path.join(dir, 'bad', 'patients.csv'), patientSheet(UNKNOWN_MRN));
  fs.writeFileSync(path.join(dir, 'patients.csv'), patientSheet());
  fs.writeFileSync(path.join(dir, 'events.csv'), eventSheet());
});
afterAll(() => {
  delete process.env.RTCW_USER_DATA;
});

async function readSheet(file: string) {
  const { page } = session();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Import/ }).click();
  await page.getByRole('tab', { name: /Spreadsheet/ }).click();
  await page.getByLabel('Spreadsheet file').fill(file);
  await page.getByRole('button', { name: 'Read file' }).click();
}

describe('spreadsheet wizard: linking by hospital ID', () => {
  it('offers the hospital ID as the chosen way and reports an unknown MRN without showing it', async () => {
    const { page, harness, dir } = session();
    await page.goto(harness.url);
    await page.getByLabel('Study file', { exact: true }).fill(studyPath);
    await page.getByRole('button', { name: 'Open study' }).click();
    const counts = page.getByRole('region', { name: 'Study counts' });
    await expect.poll(() => counts.locator('[data-count="patients"]').textContent(), POLL).toBe(String(truth.patients.length));

    await readSheet(path.join(dir, 'bad', 'patients.csv'));
    expect(await page.getByLabel('This sheet holds').inputValue()).toBe('patient');
    const byId = page.getByRole('radio', { name: /By hospital ID/ });
    expect(await byId.isChecked()).toBe(true);
    expect(await page.getByLabel('Hospital ID column').inputValue()).toBe('MRN');
    // The pseudonym is not asked for: the patient has one (from DICOM).
    expect(await page.getByLabel('Column for pseudonym').count()).toBe(0);
    expect(await page.getByLabel('Column for ECOG PS').inputValue()).toBe('ecog');
    await page.getByLabel('Column for vital status').selectOption('vital');
    await page.getByLabel('Column for date of last follow-up').selectOption('last_fu');
    await page.screenshot({ path: path.join(ARTIFACTS, 'ui-import-hospital-id.png'), fullPage: false });
    await page.getByRole('button', { name: 'Validate' }).click();

    const rejected = page.getByRole('table', { name: 'Rejected rows' });
    await rejected.waitFor(POLL);
    const rows = await rejected.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.textContent ?? '')));
    expect(rows).toEqual([['patients', String(truth.patients.length + 2), 'MRN', '', expect.stringContaining('no patient in this study has this hospital ID')]]);
    expect(await page.locator('body').innerText()).not.toContain(UNKNOWN_MRN);
    expect(await page.getByRole('button', { name: 'Commit import' }).isDisabled()).toBe(true);
  });

  it('updates the DICOM patients from the good sheet and adds none', async () => {
    const { page, dir } = session();
    await page.getByRole('button', { name: 'Back to mapping' }).click();
    await page.getByRole('button', { name: 'Back' }).click();
    await page.getByLabel('Spreadsheet file').fill(path.join(dir, 'patients.csv'));
    await page.getByRole('button', { name: 'Read file' }).click();
    // Same columns: the mapping (by hospital ID) is restored.
    await page.getByText('Restored the mapping saved for files with these columns.').waitFor(POLL);
    expect(await page.getByRole('radio', { name: /By hospital ID/ }).isChecked()).toBe(true);
    await page.getByRole('button', { name: 'Validate' }).click();
    await page.getByRole('table', { name: 'Sheet summary' }).waitFor(POLL);
    expect(await page.getByRole('table', { name: 'Rejected rows' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Commit import' }).click();
    const n = truth.patients.length;
    await page.getByText(`${n} row(s) imported: 0 inserted, ${n} updated`, { exact: false }).waitFor(POLL);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Study/ }).click();
    const counts = page.getByRole('region', { name: 'Study counts' });
    await expect.poll(() => counts.locator('[data-count="patients"]').textContent(), POLL).toBe(String(n));
  });

  it('links a follow-up events sheet by MRN, levels and RT start', async () => {
    const { page, dir } = session();
    await readSheet(path.join(dir, 'events.csv'));
    expect(await page.getByLabel('This sheet holds').inputValue()).toBe('event');
    expect(await page.getByRole('radio', { name: /By hospital ID/ }).isChecked()).toBe(true);
    expect(await page.getByLabel('Hospital ID column').inputValue()).toBe('MRN');
    expect(await page.getByLabel('Lesion levels column').inputValue()).toBe('levels');
    expect(await page.getByLabel('RT start date column').inputValue()).toBe('rt_start');
    // The patient and lesion references are the link's; the table asks only for the event's own fields.
    expect(await page.getByLabel('Column for patient (its key column)').count()).toBe(0);
    await page.getByLabel('Row key column').selectOption('event_id');
    await page.getByLabel('Column for event type').selectOption('event');
    expect(await page.getByLabel('Column for event date').inputValue()).toBe('date');
    await page.getByRole('button', { name: 'Validate' }).click();
    await page.getByRole('table', { name: 'Sheet summary' }).waitFor(POLL);
    expect(await page.getByRole('table', { name: 'Rejected rows' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Commit import' }).click();
    const n = eventRows().length;
    await page.getByText(`${n} row(s) imported: ${n} inserted`, { exact: false }).waitFor(POLL);
  });

  it('shares a de-identified copy from the Study page; the copy opens flagged as shared', async () => {
    await session().page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Study/ }).click();
    const { page, dir } = session();
    const copy = path.join(dir, 'site-shared.rtcw');
    await page.getByLabel('Copy to (new .rtcw file)').fill(copy);
    await page.getByRole('button', { name: 'Share a de-identified copy…' }).click();
    await page.getByText('De-identified copy written').waitFor(POLL);
    expect(fs.existsSync(copy)).toBe(true);
    await page.getByLabel('Study file', { exact: true }).fill(copy);
    await page.getByRole('button', { name: 'Open study' }).click();
    await page.locator('[data-shared-copy]').waitFor(POLL);
    expect(await page.getByText('Shared copy (de-identified)').isVisible()).toBe(true);
    expect(foreignRequests(session())).toEqual([]);
  });
});
