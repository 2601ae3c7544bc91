// End-to-end: open the demo study → Analysis → local progression-free by concurrent targeted
// therapy. The 1-year rates on screen must be the numbers `rtcw km` gives on the `rtcw dataset`
// CSV of the same study file (the statistician's route), and the number-at-risk table must show.
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../electron/cli/main';
import { populateDemoStudy } from '../../electron/services/analysis/demoStudy';
import { ARTIFACTS, POLL, foreignRequests, useAppSession } from './appSession';


const session = useAppSession({ populateDemo: (db) => populateDemoStudy(db) });

/** Runs the rtcw CLI in-process and returns its stdout. */
async function rtcw(argv: string[]): Promise<string> {
  let out = '';
  let err = '';
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk, _encoding, callback) {
        append(String(chunk));
        callback();
      },
    });
  const code = await main(argv, { stdout: sink((s) => (out += s)), stderr: sink((s) => (err += s)) } as never);
  if (code !== 0) throw new Error(`rtcw ${argv.join(' ')} exited ${code}: ${err}`);
  return out;
}

describe('analysis screen end-to-end', () => {
  it('opens the demo study and shows its counts', async () => {
    const { page, harness } = session();
    await page.goto(harness.url);
    await page.getByRole('button', { name: 'Open demo study' }).click();
    const counts = page.getByRole('region', { name: 'Study counts' });
    await counts.waitFor();
    expect(Number(await counts.locator('[data-count="lesions"]').textContent())).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(ARTIFACTS, 'ui-study.png') });
  });

  it('shows local progression-free 1-year rates by concurrent therapy equal to rtcw km on rtcw dataset', async () => {
    const { page, dir } = session();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Analysis/ }).click();
    await page.getByRole('heading', { level: 1, name: 'Analysis' }).waitFor();
    // Defaults: local progression-free, lesion unit, grouped by targeted therapy, landmark 12 months.
    expect(await page.getByRole('radio', { name: 'Local progression-free' }).isChecked()).toBe(true);
    expect(await page.getByLabel('Group by').inputValue()).toBe('concurrent');
    const landmarks = page.getByRole('table', { name: 'Landmark rates' });
    await landmarks.waitFor();

    const shown = await landmarks.locator('tbody tr').evaluateAll((rows) =>
      rows.map((row) => {
        const cell = row.querySelector('td[data-time="12"]') as HTMLElement;
        return {
          group: row.getAttribute('data-group'),
          estimate: Number(cell.dataset.estimate),
          lower: Number(cell.dataset.lower),
          upper: Number(cell.dataset.upper),
          nRisk: Number(cell.dataset.nRisk),
          text: cell.textContent,
        };
      }),
    );
    expect(shown.map((r) => r.group)).toEqual(['0', '1']);

    // The statistician's route: the dataset CSV of the same study file, then rtcw km.
    const study = await page.evaluate(() => window.rtcw.currentStudy({}));
    expect(study).not.toBeNull();
    const csv = path.join(dir, 'dataset.csv');
    fs.writeFileSync(csv, await rtcw(['dataset', '--study', study!.path]));
    const km = JSON.parse(await rtcw(['km', '--data', csv, '--time', 'localTime', '--event', 'localEvent', '--group', 'concurrent', '--at', '12'])) as {
      groups: { group: string; at: { time: number; nRisk: number; surv: number; lower: number; upper: number }[] }[];
    };
    for (const row of shown) {
      const expected = km.groups.find((g) => g.group === row.group)!.at[0];
      expect(row.estimate).toBeCloseTo(expected.surv, 12);
      expect(row.lower).toBeCloseTo(expected.lower, 12);
      expect(row.upper).toBeCloseTo(expected.upper, 12);
      expect(row.nRisk).toBe(expected.nRisk);
      expect(row.text).toContain(`${(100 * expected.surv).toFixed(1)}%`);
    }

    // Number at risk under the plot: at time 0 everyone in the group is at risk.
    const risk = page.getByRole('table', { name: 'Number at risk' });
    expect(await risk.isVisible()).toBe(true);
    const atZero = await risk.locator('tbody tr td[data-time="0"]').allTextContents();
    const groupSizes = km.groups.map((g) => g.at[0]).length;
    expect(atZero).toHaveLength(groupSizes);
    const lines = fs.readFileSync(csv, 'utf8').trim().split('\n');
    const concurrentIndex = lines[0].split(',').indexOf('concurrent');
    const n1 = lines.slice(1).filter((l) => l.split(',')[concurrentIndex] === '1').length;
    expect(Number(atZero[1].trim().split(/\s+/)[0])).toBe(n1);
    expect(Number(atZero[0].trim().split(/\s+/)[0])).toBe(lines.length - 1 - n1);

    // The chart canvas rendered with a log-rank p annotation in the summary.
    expect(await page.getByRole('img', { name: /Local progression-free curves/ }).isVisible()).toBe(true);
    // The one p formatter, in the analysis's journal style (default NEJM/JCO): "P = 0.02".
    expect(await page.getByTestId('group-test-p').textContent()).toMatch(/P = 0\.\d{2,3}\b|P < 0\.001/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'ui-analysis.png'), fullPage: false });
  });

  it('saves the analysis by name and re-runs it identically', async () => {
    const { page } = session();
    const before = await page.getByRole('table', { name: 'Landmark rates' }).locator('td[data-time="12"]').evaluateAll((cells) => cells.map((c) => (c as HTMLElement).dataset.estimate));
    await page.getByLabel('Analysis name').fill('LPFR by concurrent TT');
    await page.getByRole('button', { name: 'Save analysis' }).click();
    await page.getByText('Saved “LPFR by concurrent TT”.').waitFor();
    // Change the spec (overall survival), then reload the saved one.
    await page.getByRole('radio', { name: 'Overall survival' }).check();
    await expect.poll(() => page.getByRole('heading', { level: 2, name: /^Overall survival/ }).count(), POLL).toBe(1);
    await page.getByLabel('Saved analyses').selectOption({ label: 'LPFR by concurrent TT' });
    await expect.poll(() => page.getByRole('heading', { level: 2, name: /^Local progression-free/ }).count(), POLL).toBe(1);
    const after = await page.getByRole('table', { name: 'Landmark rates' }).locator('td[data-time="12"]').evaluateAll((cells) => cells.map((c) => (c as HTMLElement).dataset.estimate));
    expect(after).toEqual(before);
    const saved = await page.evaluate(() => window.rtcw.listSavedAnalyses({}));
    expect(saved.map((s) => s.name)).toContain('LPFR by concurrent TT');
  });

  it('shows Cox tables with the EPV warning and stays on its own origin', async () => {
    const { page } = session();
    await page.getByRole('tab', { name: 'Cox regression' }).click();
    // Univariable and multivariable side by side, with reference rows and events/N (the paper's Table 2).
    const cox = page.getByRole('table', { name: 'Cox regression' });
    await cox.waitFor();
    expect(await cox.locator('tbody tr').count()).toBeGreaterThanOrEqual(16);
    expect(await cox.locator('thead').textContent()).toMatch(/Univariable analysis.*Multivariable analysis/);
    expect(await cox.getByText('1 [Reference]').count()).toBeGreaterThanOrEqual(8);
    expect(await page.getByRole('table', { name: 'Cox model diagnostics' }).isVisible()).toBe(true);
    // 10 local events for the multivariable model's coefficients: fewer than 10 per variable.
    expect(await page.getByRole('note').filter({ hasText: /EPV \d+(\.\d)? < 10/ }).count()).toBeGreaterThan(0);
    await page.getByRole('tab', { name: 'Table 1' }).click();
    expect(await page.getByRole('table', { name: 'Table 1' }).isVisible()).toBe(true);
    await page.getByRole('tab', { name: 'Cox regression' }).click();
    await page.screenshot({ path: path.join(ARTIFACTS, 'ui-analysis-cox.png'), fullPage: false });
    expect(foreignRequests(session())).toEqual([]);
    expect(session().pageErrors.filter((e) => !/favicon/.test(e))).toEqual([]);
  });

  it('offers the analysis as R code and shows the cut-offs with their defaults', async () => {
    const { page } = session();
    expect(await page.getByLabel('BED ≥ (Gy)').inputValue()).toBe('51.4');
    await page.getByText('Show the R code').click();
    const code = await page.getByLabel('R code').textContent();
    expect(code).toContain('library(survival); library(cmprsk)');
    expect(code).toContain('ifelse(d$bedGy >= 51.4, "high", "low")');
    // Changing the cut-off changes the analysis and the script (one spec).
    await page.getByLabel('BED ≥ (Gy)').fill('60');
    await expect.poll(async () => (await page.getByLabel('R code').textContent()) ?? '', POLL).toContain('ifelse(d$bedGy >= 60, "high", "low")');
    await page.getByRole('tab', { name: 'Table 1' }).click();
    await expect.poll(() => page.getByRole('table', { name: 'Table 1' }).getByText('≥ 60', { exact: true }).count(), POLL).toBe(1);
    await page.getByLabel('BED ≥ (Gy)').fill('51.4');
    await expect.poll(() => page.getByRole('table', { name: 'Table 1' }).getByText('≥ 51.4', { exact: true }).count(), POLL).toBe(1);
    expect(await page.getByRole('table', { name: 'Table 1' }).textContent()).toMatch(/Regions involved/);
    expect(await page.getByRole('button', { name: 'Copy R code' }).isVisible()).toBe(true);
  });

  it('exports the current analysis figure as a vector PDF through the Export page', async () => {
    const { page, dir } = session();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Export/ }).click();
    await page.getByRole('heading', { level: 1, name: 'Export' }).waitFor();
    expect(await page.getByLabel('Analysis', { exact: true }).inputValue()).toBe('current');
    await page.getByRole('img', { name: /Preview of the survival/ }).waitFor();
    const file = path.join(dir, 'figure-1.pdf');
    await page.getByLabel('Save as').fill(file);
    await page.getByRole('button', { name: 'Export', exact: true }).click();
    await page.getByText('Exported PDF').waitFor();
    expect(fs.readFileSync(file).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    await page.screenshot({ path: path.join(ARTIFACTS, 'ui-export.png') });
  });
});
