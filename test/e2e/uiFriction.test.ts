// End-to-end (real Chromium through the harness): the researcher's day without friction (issue 16).
// Each test walks one thing that got in the way: a cross-field error that froze the grid, sorting,
// derived columns, multi-level undo/redo incl. deletes, status lines, messages, the delete dialog's
// focus, errors out of view, the create form, and WCAG 2.2 AA (axe-core) on every page at two sizes.
import fs from 'node:fs';
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { populateDemoStudy } from '../../electron/services/analysis/demoStudy';
import { ARTIFACTS, POLL, useAppSession } from './appSession';

const session = useAppSession({ populateDemo: (db) => populateDemoStudy(db) });

const nav = (page: Page, name: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: new RegExp(`^${name}`) }).click();

async function openDemo(page: Page, url: string) {
  await page.goto(url);
  await page.getByRole('button', { name: 'Open demo study' }).click();
  await page.getByRole('region', { name: 'Study counts' }).waitFor();
}

const text = async (page: Page, selector: string) => ((await page.locator(selector).first().textContent()) ?? '').trim();

describe('the researcher’s day without friction', () => {
  it('a cross-field error keeps the editor usable: Esc cancels and the next edit elsewhere is saved', async () => {
    const { page, harness } = session();
    await page.setViewportSize({ width: 1440, height: 900 });
    await openDemo(page, harness.url);
    await nav(page, 'Cohort');
    await page.getByRole('tab', { name: /RT courses/ }).click();
    const grid = page.getByRole('grid', { name: 'RT courses' });
    await grid.waitFor();
    const row = grid.locator('[role="row"][data-row-key]').first();
    const delivered = row.locator('[data-col="fractionsDelivered"]');
    const planned = Number((await row.locator('[data-col="fractionsPlanned"]').textContent())!.trim());
    const before = (await delivered.textContent())!.trim();

    await delivered.click();
    await page.keyboard.type(String(planned + 4));
    await page.keyboard.press('Enter');
    await page.getByRole('alert').filter({ hasText: /exceed fractions planned/ }).waitFor();
    // The message is for people: no field names or JSON values.
    expect(await page.getByRole('alert').filter({ hasText: /exceed/ }).textContent()).not.toMatch(/\(field|"/);
    // The editor has focus again, so Esc cancels it and the stored value is unchanged.
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('aria-label')), POLL).toBe('Edit Fractions delivered');
    await page.keyboard.press('Escape');
    await expect.poll(() => grid.getByRole('textbox', { name: /^Edit/ }).count(), POLL).toBe(0);
    expect((await delivered.textContent())!.trim()).toBe(before);

    // The same error again, then the user simply moves on to another cell: that edit is saved.
    await delivered.click();
    await page.keyboard.type(String(planned + 4));
    await page.keyboard.press('Enter');
    await page.getByRole('alert').filter({ hasText: /exceed fractions planned/ }).waitFor();
    const machine = row.locator('[data-col="machine"]');
    await machine.click();
    await page.keyboard.type('Halcyon');
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await machine.textContent())!.trim(), POLL).toBe('Halcyon');
    expect((await delivered.textContent())!.trim()).toBe(before);
    await expect.poll(() => page.getByRole('alert').filter({ hasText: /exceed/ }).count(), POLL).toBe(0);
  });

  it('"greater than" bounds read as words, not 2.22e-16', async () => {
    const { page } = session();
    const grid = page.getByRole('grid', { name: 'RT courses' });
    const dose = grid.locator('[role="row"][data-row-key]').first().locator('[data-col="totalDoseGy"]');
    await dose.click();
    await page.keyboard.type('0');
    await page.keyboard.press('Enter');
    const alert = page.getByRole('alert').filter({ hasText: /Total dose/ });
    await alert.waitFor();
    expect(await alert.textContent()).toBe('Total dose (Gy) must be greater than 0.');
    await page.keyboard.press('Escape');
  });

  it('sorts on a click anywhere in the header cell; derived columns look different; the status line does not follow to another tab', async () => {
    const { page } = session();
    await page.getByRole('tab', { name: /Lesions/ }).click();
    const grid = page.getByRole('grid', { name: 'Lesions' });
    await grid.waitFor();
    const header = grid.getByRole('columnheader', { name: 'SINS', exact: true });
    const box = (await header.boundingBox())!;
    // Click the header's right edge, away from its text.
    await page.mouse.click(box.x + box.width - 4, box.y + box.height / 2);
    expect(await header.getAttribute('aria-sort')).toBe('ascending');

    const plain = grid.locator('[role="row"][data-row-key]').first().locator('[data-col="sins"]');
    const derived = grid.locator('[role="row"][data-row-key]').first().locator('[data-col="bedGy"]');
    const bg = (l: typeof plain) => l.evaluate((el) => getComputedStyle(el).backgroundImage + getComputedStyle(el).backgroundColor);
    expect(await bg(derived)).toMatch(/gradient/);
    expect(await bg(plain)).not.toMatch(/gradient/);
    expect(await grid.getByRole('columnheader', { name: /BED/ }).textContent()).toContain('ƒ');

    // An edit's status line, then another tab: the line is gone.
    await plain.click();
    await page.keyboard.press('Enter');
    await page.keyboard.press('Enter');
    await page.getByRole('tab', { name: /Patients/ }).click();
    expect(await text(page, '.page [role="status"]')).toBe('');
    await page.getByRole('tab', { name: /Lesions/ }).click();
  });

  it('filters sit behind one button: Tab leaves the grid in one step', async () => {
    const { page } = session();
    const grid = page.getByRole('grid', { name: 'Lesions' });
    expect(await grid.getByRole('searchbox').count()).toBe(0);
    await grid.focus();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Filter rows');
    await page.keyboard.press('Enter');
    expect(await grid.getByRole('searchbox').count()).toBeGreaterThan(10);
    await page.keyboard.press('Enter');
    expect(await grid.getByRole('searchbox').count()).toBe(0);
  });

  it('undoes and redoes several steps, a delete included, with Ctrl+Z and Ctrl+Shift+Z', async () => {
    const { page } = session();
    await page.getByRole('tab', { name: /Toxicities/ }).click();
    const grid = page.getByRole('grid', { name: 'Toxicities' });
    await grid.waitFor();
    const rows = async () => Number(await grid.getAttribute('aria-rowcount')) - 1;
    const count = await rows();
    const first = grid.locator('[role="row"][data-row-key]').first();
    const grade = first.locator('[data-col="grade"]');
    const g0 = Number((await grade.textContent())!.trim());
    const g1 = g0 === 1 ? 2 : 1;
    const g2 = g1 === 1 ? 2 : 1 + (g0 === 3 ? 0 : 2);
    for (const g of [g1, g2]) {
      await grade.click();
      await page.keyboard.type(String(g));
      await page.keyboard.press('Enter');
      await expect.poll(async () => (await grade.textContent())!.trim(), POLL).toBe(String(g));
    }
    await first.locator('[data-col="term"]').click();
    await page.getByRole('button', { name: 'Delete selected' }).click();
    await page.getByRole('dialog', { name: /^Delete toxicity/ }).getByRole('button', { name: 'Delete' }).click();
    await expect.poll(rows, POLL).toBe(count - 1);

    await page.locator('body').press('Control+z');
    await expect.poll(rows, POLL).toBe(count);
    await page.locator('body').press('Control+z');
    await expect.poll(async () => (await grid.locator('[role="row"][data-row-key]').first().locator('[data-col="grade"]').textContent())!.trim(), POLL).toBe(String(g1));
    await page.locator('body').press('Control+z');
    await expect.poll(async () => (await grid.locator('[role="row"][data-row-key]').first().locator('[data-col="grade"]').textContent())!.trim(), POLL).toBe(String(g0));
    await page.locator('body').press('Control+Shift+z');
    await expect.poll(async () => (await grid.locator('[role="row"][data-row-key]').first().locator('[data-col="grade"]').textContent())!.trim(), POLL).toBe(String(g1));
    expect(await page.getByRole('button', { name: 'Redo' }).isEnabled()).toBe(true);
    await page.screenshot({ path: path.join(ARTIFACTS, 'ui-undo-redo.png') });
  });

  it('keeps Tab inside the delete dialog', async () => {
    const { page } = session();
    const grid = page.getByRole('grid', { name: 'Toxicities' });
    await grid.locator('[role="row"][data-row-key]').first().locator('[data-col="term"]').click();
    await page.getByRole('button', { name: 'Delete selected' }).click();
    const dialog = page.getByRole('dialog', { name: /^Delete toxicity/ });
    await dialog.waitFor();
    for (let i = 0; i < 5; i++) {
      await page.keyboard.press('Tab');
      expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
    }
    await page.keyboard.press('Shift+Tab');
    expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.isVisible(), POLL).toBe(false);
  });

  it('shows an open error at the Open form, in view; the create form is empty after creating', async () => {
    const { page, dir } = session();
    await page.setViewportSize({ width: 1280, height: 720 });
    await nav(page, 'Study');
    const junk = path.join(dir, 'junk.rtcw');
    fs.writeFileSync(junk, 'not a study at all, just text');
    await page.getByLabel('Study file', { exact: true }).fill(junk);
    await page.getByRole('button', { name: 'Open study', exact: true }).click();
    const openForm = page.getByRole('region', { name: 'Open a study' });
    const alert = openForm.getByRole('alert');
    await alert.waitFor();
    expect(await alert.isVisible()).toBe(true);
    const box = (await alert.boundingBox())!;
    expect(box.y).toBeGreaterThanOrEqual(0);
    expect(box.y + box.height).toBeLessThanOrEqual(720);
    expect(fs.readFileSync(junk, 'utf8')).toBe('not a study at all, just text');

    const createForm = page.getByRole('region', { name: 'Create a study' });
    await createForm.getByLabel('Study title').fill('Friction test');
    await createForm.getByLabel('New study file').fill(path.join(dir, 'friction.rtcw'));
    await createForm.getByRole('button', { name: 'New study' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Friction test' }).count(), POLL).toBe(1);
    expect(await createForm.getByLabel('Study title').inputValue()).toBe('');
    expect(await createForm.getByLabel('New study file').inputValue()).toBe('');
  });

  it('a filter applies only when a value is chosen and applied; active filters show above the results and in a saved analysis', async () => {
    const { page, harness } = session();
    await page.setViewportSize({ width: 1440, height: 900 });
    await openDemo(page, harness.url);
    await nav(page, 'Analysis');
    const summary = page.getByRole('region', { name: 'Analysis results' }).locator('h2 + div').first();
    await expect.poll(async () => (await summary.textContent()) ?? '', POLL).toMatch(/^28 lesions/);
    await page.getByRole('button', { name: 'Add filter' }).click();
    const draft = page.getByRole('group', { name: 'New filter' });
    await draft.getByLabel('Variable').selectOption({ label: 'Targeted therapy' });
    // A draft changes nothing: still 28 lesions, Apply disabled until a value is chosen.
    expect(await draft.getByRole('button', { name: 'Apply filter' }).isDisabled()).toBe(true);
    await page.waitForTimeout(600); // longer than the live re-run delay
    expect(await summary.textContent()).toMatch(/^28 lesions/);
    expect(await page.getByTestId('active-filters').textContent()).toBe('Filters: none (all rows)');
    const value = draft.getByLabel('Value');
    expect((await value.boundingBox())!.width).toBeGreaterThan(100); // readable, not a bare chevron
    await value.selectOption({ label: 'Concurrent' });
    await draft.getByRole('button', { name: 'Apply filter' }).click();
    await expect.poll(() => page.getByTestId('active-filters').textContent(), POLL).toBe('Filters: Targeted therapy is Concurrent');
    await expect.poll(async () => (await summary.textContent()) ?? '', POLL).toMatch(/^13 lesions/);
    expect(await page.getByRole('list', { name: 'Active filters' }).textContent()).toContain('Targeted therapy is Concurrent');

    await page.getByLabel('Analysis name').fill('Concurrent only');
    await page.getByRole('button', { name: 'Save analysis' }).click();
    await page.getByLabel('Saved analyses').selectOption({ label: 'Concurrent only' });
    await expect.poll(() => page.getByTestId('active-filters').textContent(), POLL).toBe('Filters: Targeted therapy is Concurrent');
    await page.screenshot({ path: path.join(ARTIFACTS, 'ui-analysis-filters.png') });
  });

  it('analysis settings do not carry over to another study; the save-as hint names what is exported', async () => {
    const { page, dir } = session();
    await page.getByLabel('Group by').selectOption({ label: 'Sex' });
    await nav(page, 'Study');
    const createForm = page.getByRole('region', { name: 'Create a study' });
    await createForm.getByLabel('New study file').fill(path.join(dir, 'second.rtcw'));
    await createForm.getByRole('button', { name: 'New study' }).click();
    await expect.poll(() => page.getByRole('heading', { name: /Untitled|second/ }).count(), POLL).toBeGreaterThan(0);
    await nav(page, 'Analysis');
    await expect.poll(async () => (await page.getByLabel('Group by').locator('option:checked').textContent())?.trim(), POLL).toBe('Targeted therapy');
    expect(await page.getByRole('list', { name: 'Active filters' }).count()).toBe(0);

    await openDemo(page, session().harness.url);
    await nav(page, 'Export');
    const saveAs = page.getByLabel('Save as');
    expect(await saveAs.getAttribute('placeholder')).toMatch(/\/local-by-concurrent\.pdf$/);
    await page.getByRole('radio', { name: 'Table 1' }).check();
    expect(await saveAs.getAttribute('placeholder')).toMatch(/\/table1\.docx$/);
  });

  for (const [width, height] of [
    [1280, 720],
    [1440, 900],
  ]) {
    it(`every page passes axe (WCAG 2.2 AA: no serious or critical violation) at ${width}×${height}, with ≥ 13 px text`, async () => {
      const { page, harness } = session();
      fs.mkdirSync(ARTIFACTS, { recursive: true });
      const findings: string[] = [];
      await page.setViewportSize({ width, height });
      await openDemo(page, harness.url);
      for (const name of ['Study', 'Cohort', 'Import', 'Analysis', 'Export']) {
        await nav(page, name);
        await page.locator('h1', { hasText: name }).first().waitFor();
        await page.waitForTimeout(300); // let charts and lists settle before the scan
        await page.screenshot({ path: path.join(ARTIFACTS, `page-${name.toLowerCase()}-${width}x${height}.png`) });
        const result = await new AxeBuilder({ page: page as never })
          .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'])
          .analyze();
        for (const v of result.violations) {
          if (v.impact === 'serious' || v.impact === 'critical') {
            findings.push(`${name}: ${v.id} at ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(' | ')}`);
          }
        }
        // Body text of the app (not chart canvases): every visible text node is at least 13 px.
        const small = await page.evaluate(() => {
          const out: string[] = [];
          const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
          for (let n = walker.nextNode(); n; n = walker.nextNode()) {
            const el = n.parentElement;
            if (!el || !n.textContent?.trim() || el.closest('svg, canvas, .visually-hidden, option')) continue;
            const r = el.getBoundingClientRect();
            if (r.width === 0 || r.height === 0) continue;
            const size = parseFloat(getComputedStyle(el).fontSize);
            if (size < 12.95) out.push(`${n.textContent.trim().slice(0, 30)} (${size}px)`);
          }
          return out.slice(0, 5);
        });
        if (small.length) findings.push(`${name}: text below 13 px: ${small.join('; ')}`);
      }
      expect(findings).toEqual([]);
    }, 240_000);
  }
});
