// End-to-end (issue 12): a study another program is writing — here a second app process holding
// it — is refused with who holds it and offered read-only; opened read-only it is marked and an
// edit is refused with READ_ONLY.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createStudy } from '../../electron/services/db/studyFile';
import { populateDemoStudy } from '../../electron/services/analysis/demoStudy';
import { POLL, useAppSession } from './appSession';
import { childScript, collect, waitForOutput } from '../unit/files/studyProcesses';

const session = useAppSession();

describe('a study open in another program', () => {
  it('is refused with who holds it, then opened read-only on request', async () => {
    const { page, harness, dir } = session();
    const file = path.join(dir, 'shared.rtcw');
    createStudy(file, { initialize: (db) => populateDemoStudy(db) }).close();
    const holder = childScript('holdStudyChild.ts', file);
    const exited = collect(holder);
    try {
      await waitForOutput(holder, 'holding');
      await page.goto(harness.url);
      await page.getByLabel('Study file', { exact: true }).fill(file);
      await page.getByRole('button', { name: 'Open study', exact: true }).click();
      const alert = page.getByRole('alert');
      await expect.poll(() => alert.textContent(), POLL).toContain(`shared.rtcw is open in RT Cohort Workstation (pid ${holder.pid}`);
      await page.getByRole('button', { name: 'Open read-only' }).click();
      const counts = page.getByRole('region', { name: 'Study counts' });
      await expect.poll(() => counts.locator('[data-count="patients"]').textContent(), POLL).toBe('24');
      await expect.poll(() => page.getByText('read-only', { exact: true }).count(), POLL).toBeGreaterThan(0);
      const edit = await page.evaluate(() => window.rtcw.createCohortRecord({ entity: 'patient', values: { pseudonym: 'E2E-1' } }).then(() => 'written', (e: Error) => e.message));
      expect(edit).toMatch(/READ_ONLY|open read-only/);
    } finally {
      holder.stdin?.end();
      await exited;
    }
  });
});
