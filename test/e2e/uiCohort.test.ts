// End-to-end: the cohort grid. Editing a lesion value validates at the cell, saves, shows the audit
// entry in the lesion detail panel and can be undone; a 10,000-lesion study keeps only a window of
// rows in the DOM and still reaches its last row.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { populateDemoStudy } from '../../electron/services/analysis/demoStudy';
import { createStudy } from '../../electron/services/db/studyFile';
import { ARTIFACTS, POLL, foreignRequests, useAppSession } from './appSession';


const session = useAppSession({ populateDemo: (db) => populateDemoStudy(db) });

describe('cohort grid end-to-end', () => {
  it('edits a lesion value with validation at the cell, shows the audit entry and undoes it', async () => {
    const { page, harness } = session();
    await page.goto(harness.url);
    await page.getByRole('button', { name: 'Open demo study' }).click();
    await page.getByRole('region', { name: 'Study counts' }).waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Cohort/ }).click();
    const grid = page.getByRole('grid', { name: 'Lesions' });
    await grid.waitFor();
    expect(await page.getByRole('tab', { name: /Lesions/ }).getAttribute('aria-selected')).toBe('true');

    const firstRow = grid.locator('[role="row"][data-row-key]').first();
    const sinsCell = firstRow.locator('[data-col="sins"]');
    const before = (await sinsCell.textContent())!.trim();
    const next = before === '12' ? '11' : '12';

    // Out of range: the message appears at the cell and nothing is saved.
    await sinsCell.click();
    await page.keyboard.type('25');
    await page.keyboard.press('Enter');
    const bubble = page.getByRole('alert').filter({ hasText: 'SINS must be at most 18.' });
    await bubble.waitFor();
    expect(await sinsCell.getAttribute('aria-invalid')).toBe('true');
    await page.keyboard.press('Escape');
    expect((await sinsCell.textContent())!.trim()).toBe(before);

    // A valid value is saved and audited.
    await sinsCell.click();
    await page.keyboard.type(next);
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await sinsCell.textContent())!.trim(), POLL).toBe(next);
    await sinsCell.click(); // select the row again (Enter moved down)
    const detail = page.getByRole('complementary', { name: 'Lesion detail' });
    const audit = detail.getByRole('list', { name: 'Audit history' });
    await expect.poll(() => audit.getByText(`sins: ${before} → ${next}`).count(), POLL).toBe(1);
    await page.screenshot({ path: path.join(ARTIFACTS, 'ui-cohort-audit.png') });

    // Undo restores the value (and is itself audited).
    await page.getByRole('button', { name: 'Undo', exact: true }).click();
    await expect.poll(async () => (await sinsCell.textContent())!.trim(), POLL).toBe(before);
    await expect.poll(() => audit.getByText(`sins: ${next} → ${before}`).count(), POLL).toBe(1);
  });

  it('sorts from the keyboard and filters by column', async () => {
    const { page } = session();
    const grid = page.getByRole('grid', { name: 'Lesions' });
    // Rows are windowed: read the rendered ones (the first screenful), in display order.
    const sinsValues = async () =>
      (await grid.locator('[role="row"][data-row-key] [data-col="sins"]').allTextContents()).map((t) => t.trim()).filter(Boolean).map(Number);
    await grid.locator('[role="row"][data-row-key]').first().locator('[data-col="sins"]').click();
    await page.keyboard.press('Alt+ArrowDown');
    expect(await grid.getByRole('columnheader', { name: 'SINS', exact: true }).getAttribute('aria-sort')).toBe('descending');
    const sorted = await sinsValues();
    expect(sorted.length).toBeGreaterThan(10);
    expect(sorted).toEqual([...sorted].sort((a, b) => b - a));
    await page.keyboard.press('Alt+ArrowUp');
    const ascending = await sinsValues();
    expect(ascending).toEqual([...ascending].sort((a, b) => a - b));
    expect(ascending[0]).toBeLessThan(sorted[0]);

    await page.getByRole('button', { name: 'Filter rows' }).click();
    await grid.getByRole('searchbox', { name: 'Filter SINS', exact: true }).fill('>=12');
    await expect.poll(async () => (await sinsValues()).every((v) => v >= 12), POLL).toBe(true);
    expect(await page.getByText(/^\d+ of 28 rows$/).isVisible()).toBe(true);
    await grid.getByRole('searchbox', { name: 'Filter SINS', exact: true }).fill('');
  });

  it('adds a row through the form and deletes it after confirmation', async () => {
    const { page } = session();
    await page.getByRole('tab', { name: /Toxicities/ }).click();
    const grid = page.getByRole('grid', { name: 'Toxicities' });
    await grid.waitFor();
    await page.getByRole('button', { name: 'Filter rows' }).click(); // the filter row stays open from here
    const before = Number(await grid.getAttribute('aria-rowcount'));
    await page.getByRole('button', { name: 'Add toxicity' }).click();
    const form = page.getByRole('form', { name: 'Add toxicity' });
    await form.getByLabel('Patient').selectOption({ index: 1 });
    await form.getByLabel('CTCAE term').fill('Dermatitis');
    await form.getByLabel('CTCAE grade').fill('7');
    await form.getByRole('button', { name: 'Add', exact: true }).click();
    // The service rejects grade 7 with a message naming the field; nothing is added.
    await form.getByRole('alert').filter({ hasText: /grade/i }).waitFor();
    await form.getByLabel('CTCAE grade').fill('2');
    await form.getByRole('button', { name: 'Add', exact: true }).click();
    await expect.poll(async () => Number(await grid.getAttribute('aria-rowcount')), POLL).toBe(before + 1);

    await grid.getByRole('searchbox', { name: 'Filter CTCAE term' }).fill('Dermatitis');
    await grid.locator('[role="row"][data-row-key]').first().locator('[data-col="term"]').click();
    await page.getByRole('button', { name: 'Delete selected' }).click();
    const dialog = page.getByRole('dialog', { name: /^Delete toxicity/ });
    await dialog.waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'ui-cohort-delete.png') });
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await grid.getByRole('searchbox', { name: 'Filter CTCAE term' }).fill('');
    await expect.poll(async () => Number(await grid.getAttribute('aria-rowcount')), POLL).toBe(before);
    await page.getByRole('tab', { name: /Lesions/ }).click();
  });

  it('keeps derived columns read-only', async () => {
    const { page } = session();
    const grid = page.getByRole('grid', { name: 'Lesions' });
    const bed = grid.locator('[role="row"][data-row-key]').first().locator('[data-col="bedGy"]');
    expect(await bed.getAttribute('aria-readonly')).toBe('true');
    await bed.dblclick();
    expect(await grid.getByRole('textbox', { name: /^Edit/ }).count()).toBe(0);
  });

  it('windows 10,000 lesions: few rows in the DOM, the last one reachable', async () => {
    const { page, dir } = session();
    const file = path.join(dir, 'big.rtcw');
    const study = createStudy(file);
    const db = study.db;
    db.transaction(() => {
      const provenance = db.prepare("INSERT INTO provenance (kind, label, created_by) VALUES ('manual', 'e2e bulk', 'e2e')").run().lastInsertRowid;
      const addPatient = db.prepare("INSERT INTO patients (pseudonym, sex, last_followup_date, provenance_id) VALUES (?, 'F', '2020-01-01', ?)");
      const addLesion = db.prepare('INSERT INTO lesions (patient_id, levels, sins, provenance_id) VALUES (?, ?, ?, ?)');
      const addCourse = db.prepare("INSERT INTO rt_courses (lesion_id, start_date, total_dose_gy, fractions_planned, provenance_id) VALUES (?, '2018-03-01', 30, 10, ?)");
      const levels = ['C5', 'T4', 'T9', 'L2', 'S1'];
      for (let p = 0; p < 2000; p++) {
        const patient = addPatient.run(`BULK-${String(p + 1).padStart(5, '0')}`, provenance).lastInsertRowid;
        for (let k = 0; k < 5; k++) {
          const lesion = addLesion.run(patient, levels[k], (p + k) % 19, provenance).lastInsertRowid;
          addCourse.run(lesion, provenance);
        }
      }
    })();
    study.close();

    await page.goto(session().harness.url);
    await page.getByLabel('Study file', { exact: true }).fill(file);
    await page.getByRole('button', { name: 'Open study', exact: true }).click();
    const counts = page.getByRole('region', { name: 'Study counts' });
    await expect.poll(() => counts.locator('[data-count="lesions"]').textContent(), POLL).toBe('10000');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Cohort/ }).click();
    const grid = page.getByRole('grid', { name: 'Lesions' });
    await grid.waitFor();
    await expect.poll(() => grid.getAttribute('aria-rowcount'), POLL).toBe(String(10000 + 1)); // + the header row
    const domRows = await grid.locator('[role="row"][data-row-key]').count();
    expect(domRows).toBeGreaterThan(5);
    expect(domRows).toBeLessThan(100);

    // Keyboard: Ctrl+End jumps to the last row, which is then rendered.
    await grid.locator('[role="row"][data-row-key]').first().locator('[data-col="sins"]').click();
    await page.keyboard.press('Control+End');
    await expect.poll(() => grid.locator('[role="row"][data-row-key]').filter({ hasText: 'BULK-02000' }).count(), POLL).toBeGreaterThan(0);
    expect(await grid.locator('[role="row"][data-row-key]').count()).toBeLessThan(100);

    // Sorting and filtering work over all rows.
    await page.getByRole('button', { name: 'Filter rows' }).click();
    await grid.getByRole('searchbox', { name: 'Filter Patient' }).fill('BULK-01234');
    await expect.poll(() => grid.locator('[role="row"][data-row-key]').count(), POLL).toBe(5);
    await page.screenshot({ path: path.join(ARTIFACTS, 'ui-cohort-10000.png') });
    expect(foreignRequests(session())).toEqual([]);
  });
});
