// Random differential check against R (issue 13). Not a test and not a benchmark: it needs R.
// Generates COUNT random data sets with make-differential.R (seed SEED) in a temporary folder, runs
// every case through the CLI in-process and compares with R as the golden tests do (1e-6 relative /
// 1e-9 absolute). Prints one JSON document: per command the counts of agreements, mismatches,
// both-refused, refused-by-us-only, refused-by-R-only, and the documented deliberate differences.
// Run: npx tsx test/bench/differential/differential.ts [SEED=4242] [COUNT=100]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compareToExpected, runCli } from '../../golden/compare';

const here = dirname(fileURLToPath(import.meta.url));
const seed = Number(process.argv[2] ?? 4242);
const count = Number(process.argv[3] ?? 100);
// DIFFERENTIAL_REUSE=DIR runs the CLI again on a folder an earlier run kept (DIFFERENTIAL_KEEP=1),
// without R: the same data sets and R answers, e.g. after a fix.
const reuse = process.env.DIFFERENTIAL_REUSE;
const dir = reuse ?? mkdtempSync(join(tmpdir(), 'rtcw-differential-'));

interface Case {
  class: string;
  command: string;
  args: Record<string, string | number>;
  expected: Record<string, unknown> & { rError?: string; skipped?: string };
  rWarning: string;
}

type Outcome = 'agree' | 'mismatch' | 'bothRefuse' | 'weRefuse' | 'rRefuses' | 'deliberate';

async function main() {
  if (!reuse) {
    const r = spawnSync('Rscript', [join(here, 'make-differential.R'), dir, String(seed), String(count)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`Rscript failed: ${r.stderr}`);
  }
  const cases = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as Case[];
  const summary: Record<string, Record<Outcome, number>> = {};
  const examples: Array<{ outcome: Outcome; command: string; data: string; detail: string }> = [];
  let numbers = 0;
  const separation = { separated: 0, notSeparated: 0, unchecked: 0 };
  const separationProblems: string[] = [];
  const skipped: string[] = [];
  /** Why each documented deliberate difference is one: "<command>: <reason>" → count. */
  const reasons: Record<string, number> = {};
  for (const c of cases) {
    if (c.expected.skipped !== undefined) {
      skipped.push(`${String(c.args.data)} ${String(c.expected.skipped)}`);
      continue;
    }
    const argv = [c.command, ...Object.entries(c.args).map(([k, v]) => `--${k}=${k === 'data' ? join(dir, String(v)) : String(v)}`)];
    const { code, stdout, stderr } = await runCli(argv);
    const tally = (summary[c.class] ??= { agree: 0, mismatch: 0, bothRefuse: 0, weRefuse: 0, rRefuses: 0, deliberate: 0 });
    let outcome: Outcome;
    let detail = '';
    if (c.expected.rError !== undefined) {
      outcome = code === 2 ? 'bothRefuse' : 'rRefuses';
      // survdiff stops on a singular variance; we give the generalised-inverse test with a warning.
      if (code === 0 && c.command === 'logrank' && (JSON.parse(stdout) as { warnings?: string[] }).warnings?.some((w) => w.includes('generalised inverse'))) {
        outcome = 'deliberate';
        reasons['logrank: survdiff stops on a singular variance; we give the generalised-inverse test'] = (reasons['logrank: survdiff stops on a singular variance; we give the generalised-inverse test'] ?? 0) + 1;
        tally[outcome]++;
        continue;
      }
      detail = `R: ${c.expected.rError} | ours: ${code === 2 ? stderr.trim() : 'a result'}`;
    } else if (code !== 0) {
      outcome = 'weRefuse';
      // A Cox model with no events or no estimable coefficient: R returns only NAs; we refuse in one line.
      const rTerms = (c.expected.terms ?? []) as Array<{ coef?: number | null; se?: number | null }>;
      // Nor when every term has no information (e.g. each event alone in its stratum): R "runs out of
      // iterations" at coef 0 with se 0; we refuse ("no covariate can be estimated").
      const noInformation = (t: { coef?: number | null; se?: number | null }) => t.coef === null || t.coef === undefined || t.se === 0;
      if (c.command === 'cox' && (c.expected.events === 0 || rTerms.every(noInformation))) outcome = 'deliberate';
      if (outcome === 'deliberate') {
        detail = 'R: no events or no information (NA or coef 0, se 0); we refuse in one line';
        reasons[`${c.class}: ${detail}`] = (reasons[`${c.class}: ${detail}`] ?? 0) + 1;
        tally[outcome]++;
        continue;
      }
      detail = `${stderr.trim()} | R warning: ${c.rWarning}`;
    } else {
      const actual = JSON.parse(stdout) as Record<string, unknown>;
      let expected = c.expected;
      let deliberate = '';
      // R's exact separation check of the Fine–Gray data (make-differential.R): a divergence we flag
      // where the LP finds none, or miss where it finds one, is a mismatch whatever the numbers say.
      const separated = expected.separated as boolean | null | undefined;
      delete (expected as Record<string, unknown>).separated;
      const flagged = actual.monotoneLikelihood === true;
      if (c.command === 'finegray' && typeof separated === 'boolean' && separated !== flagged) {
        separationProblems.push(`${String(c.args.data)}: LP separated=${separated}, ours monotoneLikelihood=${flagged}`);
      }
      if (c.command === 'finegray') separation[typeof separated === 'boolean' ? (separated ? 'separated' : 'notSeparated') : 'unchecked']++;
      // Monotone likelihood: diverging terms are null + "diverges" and there is no Wald test, instead
      // of R's huge numbers (cli.md; the documented difference). Compare the rest.
      if (c.command === 'cox' && actual.monotoneLikelihood === true) {
        const terms = (expected.terms as Array<{ term: string }>).filter((t) =>
          (actual.terms as Array<{ term: string; diverges?: string }>).some((a) => a.term === t.term && !a.diverges),
        );
        const tests = { ...(expected.tests as Record<string, unknown>) };
        delete tests.wald;
        expected = { ...expected, terms, tests };
        if (terms.length === 0) delete expected.terms;
        // R ran out of iterations while the coefficients diverge: its numbers are those of iteration
        // 20 (arbitrary); only the counts are compared.
        if (c.rWarning.includes('Ran out of iterations')) expected = { n: expected.n, events: expected.events };
        deliberate = 'monotone likelihood';
      }
      // Fine–Gray under a monotone pseudo-likelihood: the diverging terms are null + "diverges" instead
      // of the point where crr stopped (make-extra-finegray.R); the other terms are compared.
      if (c.command === 'finegray' && actual.monotoneLikelihood === true) {
        const diverging = new Set((actual.terms as Array<{ term: string; diverges?: string }>).filter((a) => a.diverges).map((a) => a.term));
        expected = { ...expected, terms: (expected.terms as Array<{ term: string }>).filter((t) => !diverging.has(t.term)) };
        if ((expected.terms as unknown[]).length === 0) delete expected.terms;
        deliberate = 'monotone pseudo-likelihood';
      }
      // Neither crr nor we converged in crr's 10 iterations (and nothing diverges): the numbers are those
      // of an unconverged iterate, and crr's own stall on uncentred covariates (its line search gives up
      // on rounding) decides where; both say "did not converge". Only the counts are compared.
      if (c.command === 'finegray' && expected.converged === false && actual.converged === false && actual.monotoneLikelihood !== true) {
        expected = { n: expected.n, converged: false };
        deliberate = 'neither converged';
      }
      // crr says "not converged" where its line search stalls on rounding at the maximum (a covariate in
      // the 10⁴s; make-extra-finegray.R class 5) and we, by the units-free Newton decrement, "converged":
      // the numbers are compared, the flag is not.
      if (c.command === 'finegray' && expected.converged === false && actual.converged === true) {
        expected = { ...expected };
        delete expected.converged;
        deliberate = 'crr stalls on rounding at the maximum (converged flag only)';
      }
      const scaledTests = expected.scaledTests as { wald?: number; robustScore?: number } | null | undefined;
      delete (expected as Record<string, unknown>).scaledTests;
      let problems = compareToExpected(expected, actual, 1e-6);
      // R's Wald / robust score tests depend on the covariates' units (class 5 of issue 13): when only
      // they differ and ours equal R's on standardised covariates, that is the documented difference.
      if (problems.length && scaledTests && problems.every((p) => /\$\.tests\.(wald|robustScore)\./.test(p))) {
        const tests = actual.tests as Record<string, { chisq: number }>;
        const same = (a: number | undefined, b: number | undefined) => a === undefined || b === undefined || Math.abs(a - b) <= 1e-6 * Math.abs(b);
        if (same(tests.wald?.chisq, scaledTests.wald) && same(tests.robustScore?.chisq, scaledTests.robustScore ?? undefined)) {
          problems = [];
          deliberate = 'R tests on standardised covariates';
        }
      }
      numbers += countNumbers(expected);
      if (c.command === 'finegray' && typeof separated === 'boolean' && separated !== flagged) problems.push(`separation: LP ${separated}, ours ${flagged}`);
      if (problems.length === 0) {
        outcome = deliberate ? 'deliberate' : 'agree';
        detail = deliberate;
      }
      else {
        outcome = 'mismatch';
        detail = problems.slice(0, 4).join('; ') + (c.rWarning ? ` | R warning: ${c.rWarning}` : '');
      }
    }
    tally[outcome]++;
    if (outcome === 'deliberate') {
      const why = `${c.class}: ${detail || 'see the rule above'}`;
      reasons[why] = (reasons[why] ?? 0) + 1;
    }
    if (outcome === 'mismatch' || outcome === 'weRefuse' || outcome === 'rRefuses') {
      if (examples.filter((e) => e.outcome === outcome && e.command === c.class).length < 4) {
        examples.push({ outcome, command: c.class, data: String(c.args.data), detail: detail.slice(0, 400) });
      }
    }
  }
  process.stdout.write(JSON.stringify({ seed, dataSets: count, cases: cases.length, numbersCompared: numbers, summary, fineGraySeparation: { ...separation, disagreements: separationProblems }, fisherSkippedInR: skipped, deliberateReasons: reasons, examples }, null, 2) + '\n');
}

function countNumbers(value: unknown): number {
  if (typeof value === 'number') return 1;
  if (Array.isArray(value)) return value.reduce((a: number, v) => a + countNumbers(v), 0);
  if (value && typeof value === 'object') return Object.values(value).reduce((a: number, v) => a + countNumbers(v), 0);
  return 0;
}

main()
  .catch((error) => {
    process.stderr.write(String(error) + '\n');
    process.exitCode = 1;
  })
  // DIFFERENTIAL_KEEP=1 keeps the data sets and cases.json for a closer look (the path goes to stderr).
  .finally(() => (process.env.DIFFERENTIAL_KEEP || reuse ? process.stderr.write(`kept ${dir}\n`) : rmSync(dir, { recursive: true, force: true })));
