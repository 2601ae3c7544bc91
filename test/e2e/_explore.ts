import fs from 'node:fs';
import { AxeBuilder } from '@axe-core/playwright';
import { populateDemoStudy } from '/work/wt/16/electron/services/analysis/demoStudy';
import { startAppSession } from '/work/wt/16/test/e2e/appSession';
const s = await startAppSession({ populateDemo: (db) => populateDemoStudy(db) });
const { page, harness } = s;
const out = '/tmp/s16/shots'; fs.mkdirSync(out, { recursive: true });
for (const [w, h] of [[1280, 720], [1440, 900]]) {
  await page.setViewportSize({ width: w, height: h });
  await page.goto(harness.url);
  await page.getByRole('button', { name: 'Open demo study' }).click();
  await page.getByRole('region', { name: 'Study counts' }).waitFor();
  for (const name of ['Study', 'Cohort', 'Import', 'Analysis', 'Export']) {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: new RegExp('^' + name) }).click();
    await page.waitForTimeout(1500);
    await page.screenshot({ path: `${out}/${name}-${w}.png`, fullPage: false });
    const r = await new AxeBuilder({ page }).withTags(['wcag2a','wcag2aa','wcag21a','wcag21aa','wcag22aa']).analyze();
    const bad = r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical');
    console.log(w, name, bad.map(v => `${v.id}(${v.nodes.length}): ${v.nodes.slice(0,3).map(n=>n.target.join(' ')).join(' | ')}`));
  }
}
await s.close();
