// Edge conditions (all censored, one group, ties everywhere, time 0, a single subject, a median on a
// flat segment) against R's numbers in test/golden/extra/survival-cases.json, produced by
// test/golden/extra/make-extra-survival.R (R 4.2, survival 3.5-3, cmprsk 2.2-11). R is not run here.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compareToExpected, runCli } from '../../golden/compare';

const extra = join(dirname(fileURLToPath(import.meta.url)), '../../golden/extra');
const cases = JSON.parse(readFileSync(join(extra, 'survival-cases.json'), 'utf8')) as Array<{
  id: string;
  command: string;
  args: Record<string, string | number>;
  expected: unknown;
}>;

describe('survival edge cases vs R', () => {
  it('has the R fixture', () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
  });
  for (const c of cases) {
    it(`${c.id} (${c.command})`, async () => {
      const argv = [c.command, ...Object.entries(c.args).map(([k, v]) => `--${k}=${k === 'data' ? join(extra, String(v)) : v}`)];
      const { code, stdout, stderr } = await runCli(argv);
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(compareToExpected(c.expected, JSON.parse(stdout), 1e-6)).toEqual([]);
    });
  }
});
