// End-to-end, keyboard only (issue 16, WCAG 2.1.1): create a study → import a DICOM folder and
// a REDCap spreadsheet → analysis → export a figure, with nothing but Tab, Shift+Tab, Enter, Space, Alt+N and typing.
// `tabTo` presses Tab until the focused element has the wanted accessible name, so the test also
// proves every control on the way is reachable in the tab order.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ARTIFACTS, POLL, useAppSession } from './appSession';

const COHORT_A = path.resolve('test/fixtures/dicom/cohort-a');
const IMPORT = path.resolve('test/fixtures/import');
const session = useAppSession();

/** The focused element's accessible name (label, aria-label or text). */
function focusedName(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el) return '';
    const labelled = el.getAttribute('aria-label');
    if (labelled) return labelled;
    const id = el.getAttribute('id');
    const label = id ? document.querySelector(`label[for="${CSS.escape(id)}"]`) : null;
    return (label?.textContent ?? el.textContent ?? '').trim();
  });
}

async function tabTo(page: Page, name: RegExp, max = 80, key: 'Tab' | 'Shift+Tab' = 'Tab'): Promise<void> {
  for (let i = 0; i < max; i++) {
    if (name.test(await focusedName(page))) return;
    await page.keyboard.press(key);
  }
  throw new Error(`No control named ${name} within ${max} Tab presses (last: "${await focusedName(page)}").`);
}

describe('keyboard only', () => {
  it('create → import → analysis → export without the mouse', async () => {
    const { page, harness, dir } = session();
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.goto(harness.url);

    // Create a study.
    await tabTo(page, /^Study title$/);
    await page.keyboard.type('Keyboard study');
    await tabTo(page, /^New study file$/);
    await page.keyboard.type(path.join(dir, 'keyboard.rtcw'));
    await tabTo(page, /^New study$/);
    await page.keyboard.press('Enter');
    await page.getByRole('region', { name: 'Study counts' }).waitFor();

    // Import the DICOM folder and commit what needs no review.
    await page.keyboard.press('Alt+3');
    await page.getByRole('heading', { level: 1, name: 'Import' }).waitFor();
    await tabTo(page, /^DICOM folder$/);
    await page.keyboard.press('Enter');
    await tabTo(page, /^Folder to scan$/);
    await page.keyboard.type(COHORT_A);
    await tabTo(page, /^Scan folder$/);
    await page.keyboard.press('Enter');
    await page.getByRole('table', { name: 'Proposed lesions' }).waitFor({ timeout: 60_000 });
    await tabTo(page, /^Commit \d+ lesion/, 400);
    await page.keyboard.press('Enter');
    await page.getByText('Import committed').waitFor(POLL);

    // The analysis runs on the imported cohort.
    // Follow-up comes from the site's REDCap export: file, mapping (JSON), validate, commit.
    await tabTo(page, /^DICOM folder$/, 80, 'Shift+Tab'); // back up to the source tabs
    await page.keyboard.press('ArrowRight'); // tabs follow the APG pattern: arrows switch
    expect(await focusedName(page)).toMatch(/^Spreadsheet/);
    await tabTo(page, /^Spreadsheet file$/);
    await page.keyboard.type(path.join(IMPORT, 'redcap-export.xlsx'));
    await tabTo(page, /^Read file$/);
    await page.keyboard.press('Enter');
    await page.getByText('Use a mapping file (JSON)').waitFor(POLL); // the mapping step has rendered
    await tabTo(page, /^Use a mapping file \(JSON\)$/, 300);
    await page.keyboard.press('Enter');
    await tabTo(page, /^Mapping \(JSON\)$/);
    await page.keyboard.insertText(fs.readFileSync(path.join(IMPORT, 'redcap-mapping.json'), 'utf8'));
    await tabTo(page, /^Use this mapping$/);
    await page.keyboard.press('Enter');
    await tabTo(page, /^Validate$/);
    await page.keyboard.press('Enter');
    await tabTo(page, /^Commit import$/, 200);
    await page.keyboard.press('Enter');
    await page.getByText('row(s) imported', { exact: false }).waitFor(POLL);

    await page.keyboard.press('Alt+4');
    await page.getByRole('region', { name: 'Analysis results' }).waitFor(POLL);

    // Export the figure to a typed path.
    await page.keyboard.press('Alt+5');
    await page.getByRole('heading', { level: 1, name: 'Export' }).waitFor();
    const out = path.join(dir, 'keyboard-figure.pdf');
    await tabTo(page, /^Save as$/);
    await page.keyboard.type(out);
    await tabTo(page, /^Export$/);
    await page.keyboard.press('Enter');
    await expect.poll(() => fs.existsSync(out), POLL).toBe(true);
    expect(fs.readFileSync(out).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    await page.screenshot({ path: path.join(ARTIFACTS, 'ui-keyboard-export.png') });
  }, 180_000);
});
