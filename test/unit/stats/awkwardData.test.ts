// Issue 13: statistics on awkward data give R's number (with R's warning) or a clear one-line refusal
// (exit 2) — never a silent wrong number or a stack trace. Every case of
// test/golden/extra/awkward-cases.json (made by make-extra-awkward.R beside it) runs through the CLI
// in-process; numbers are compared as the golden cases are (1e-6 relative unless the case says).
// Class 8 (finegray-divergence-cases.json, make-extra-finegray.R): Fine–Gray fits whose coefficients
// diverge (null + "diverges", as Cox under monotone likelihood) and close ones that must be crr's numbers.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compareToExpected, runCli } from '../../golden/compare';

const extra = join(dirname(fileURLToPath(import.meta.url)), '../../golden/extra');

interface AwkwardCase {
  id: string;
  class: number;
  command: string;
  args: Record<string, string | number>;
  expected?: unknown;
  error?: string[];
  warning?: string;
  tolerance?: number;
}

const cases = ['awkward-cases.json', 'finegray-divergence-cases.json'].flatMap(
  (file) => JSON.parse(readFileSync(join(extra, file), 'utf8')) as AwkwardCase[],
);

function argv(c: AwkwardCase): string[] {
  const out = [c.command];
  for (const [name, value] of Object.entries(c.args)) out.push(`--${name}=${name === 'data' ? join(extra, String(value)) : String(value)}`);
  return out;
}

/** Every string of a JSON document (to find a warning wherever the command puts it). */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

describe('awkward data against R (awkward-cases.json, finegray-divergence-cases.json)', () => {
  it('covers every class of issue 13 with several data sets', () => {
    const perClass = new Map<number, number>();
    for (const c of cases) perClass.set(c.class, (perClass.get(c.class) ?? 0) + 1);
    for (const k of [1, 2, 3, 4, 5, 6, 7, 8]) expect(perClass.get(k) ?? 0, `class ${k}`).toBeGreaterThanOrEqual(3);
  });

  for (const c of cases) {
    it(`class ${c.class}: ${c.id} (${c.command})`, async () => {
      const { code, stdout, stderr } = await runCli(argv(c));
      if (c.error) {
        expect(code, stdout).toBe(2);
        expect(stdout).toBe('');
        expect(stderr.trimEnd().split('\n')).toHaveLength(1);
        expect(stderr).not.toContain('internal error');
        for (const fragment of c.error) expect(stderr).toContain(fragment);
        return;
      }
      expect(stderr, 'stderr').toBe('');
      expect(code).toBe(0);
      const actual = JSON.parse(stdout) as unknown;
      expect(compareToExpected(c.expected, actual, c.tolerance ?? 1e-6)).toEqual([]);
      if (c.warning) expect(strings(actual).some((s) => s.includes(c.warning!)), `warning '${c.warning}'`).toBe(true);
    });
  }
});

describe('rescaling and shifting covariates does not change the Cox tests (class 5)', () => {
  it('near-collinear covariates: unit scale and 1e4/1e-3/100 scales agree to 1e-8', async () => {
    const run = async (file: string) => {
      const { stdout } = await runCli(['cox', '--data', join(extra, file), '--time', 'time', '--event', 'status', '--covariates', 'a,b,c', '--cluster', 'id']);
      return JSON.parse(stdout) as { tests: Record<string, { chisq: number; df: number }> };
    };
    const unit = await run('awk-nearcollinear.csv');
    const scaled = await run('awk-nearcollinear-scaled.csv');
    for (const name of ['likelihoodRatio', 'wald', 'score', 'robustScore']) {
      expect(scaled.tests[name].df).toBe(unit.tests[name].df);
      expect(Math.abs(scaled.tests[name].chisq - unit.tests[name].chisq) / unit.tests[name].chisq, name).toBeLessThan(1e-8);
    }
  });
});
