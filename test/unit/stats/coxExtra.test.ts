// Edge conditions of cox / zph / finegray against R: the cases in test/golden/extra/extra-cases.json
// were produced by hand runs of test/golden/extra/make-extra.R (R 4.2, survival 3.5-3, cmprsk 2.2-11);
// this test only reads the JSON. Run through the CLI code path (main(), in-process), compared as
// cli.md's golden rule: 1e-6 relative or 1e-9 absolute, counts and strings equal, an expected null
// must be null. Also the bad-input messages of the model commands.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../../electron/cli/main';

const extra = join(dirname(fileURLToPath(import.meta.url)), '../../golden/extra');

interface Case {
  id: string;
  command: string;
  args: Record<string, string | number>;
  expected: unknown;
}

async function runCli(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } });
  return { code, stdout, stderr };
}

const COUNTS = new Set(['n', 'events', 'df']);

function differences(expected: unknown, actual: unknown, path: string, key = ''): string[] {
  if (expected === null) return actual === null ? [] : [`${path}: expected null, got ${JSON.stringify(actual)}`];
  if (typeof expected === 'number') {
    if (typeof actual !== 'number') return [`${path}: expected ${expected}, got ${JSON.stringify(actual)}`];
    if (COUNTS.has(key)) return actual === expected ? [] : [`${path}: ${actual} ≠ ${expected}`];
    const diff = Math.abs(actual - expected);
    return diff <= 1e-9 || diff <= 1e-6 * Math.abs(expected) ? [] : [`${path}: ${actual} vs R ${expected}`];
  }
  if (typeof expected === 'string' || typeof expected === 'boolean') {
    return actual === expected ? [] : [`${path}: ${JSON.stringify(actual)} ≠ ${JSON.stringify(expected)}`];
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [`${path}: not an array`];
    if (expected.every((e) => e && typeof e === 'object' && 'term' in e)) {
      if (actual.length !== expected.length) return [`${path}: ${actual.length} terms, R has ${expected.length}`];
      return expected.flatMap((e: { term: string }) => {
        const match = actual.find((a: { term?: string }) => a?.term === e.term);
        return match ? differences(e, match, `${path}[${e.term}]`) : [`${path}: no term ${e.term}`];
      });
    }
    if (actual.length !== expected.length) return [`${path}: length ${actual.length} vs ${expected.length}`];
    return expected.flatMap((e, i) => differences(e, actual[i], `${path}[${i}]`, key));
  }
  if (expected && typeof expected === 'object') {
    if (!actual || typeof actual !== 'object') return [`${path}: not an object`];
    return Object.entries(expected).flatMap(([k, v]) =>
      k in actual ? differences(v, (actual as Record<string, unknown>)[k], `${path}.${k}`, k) : [`${path}.${k}: missing`],
    );
  }
  return [`${path}: unsupported`];
}

const cases = JSON.parse(readFileSync(join(extra, 'extra-cases.json'), 'utf8')) as Case[];

describe('extra R reference cases (ties everywhere, time 0, strata, clusters, factors, monotone likelihood)', () => {
  it('has the cases of make-extra.R', () => {
    expect(cases.map((c) => c.id)).toContain('monotone-cox-flagged');
    expect(cases.length).toBeGreaterThanOrEqual(11);
  });
  for (const c of cases) {
    it(c.id, async () => {
      const argv = [c.command, ...Object.entries(c.args).flatMap(([k, v]) => [`--${k}`, k === 'data' ? join(extra, String(v)) : String(v)])];
      const { code, stdout, stderr } = await runCli(argv);
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(differences(c.expected, JSON.parse(stdout), '$')).toEqual([]);
    });
  }

  it('flags monotone likelihood, points to Firth, and --firth gives finite estimates', async () => {
    const base = ['--data', join(extra, 'monotone.csv'), '--time', 'time', '--event', 'status', '--covariates', 'age,g', '--factors', 'g'];
    const ml = JSON.parse((await runCli(['cox', ...base])).stdout);
    expect(ml.monotoneLikelihood).toBe(true);
    expect(ml.warnings.join(' ')).toMatch(/monotone likelihood.*'g=B'.*--firth/);
    const firth = JSON.parse((await runCli(['cox', ...base, '--firth'])).stdout);
    expect(firth.method).toBe('firth');
    const gB = firth.terms.find((t: { term: string }) => t.term === 'g=B');
    expect(gB.coef).toBeLessThan(-1);
    expect(gB.coef).toBeGreaterThan(-10);
    expect(gB.upper).toBeLessThan(1);
    expect(gB.lower).toBeGreaterThan(0);
  });

  it('reports events per variable', async () => {
    const r = JSON.parse(
      (await runCli(['cox', '--data', join(extra, 'alltied.csv'), '--time', 'time', '--event', 'status', '--covariates', 'x'])).stdout,
    );
    expect(r.eventsPerVariable).toBe(20);
  });
});

describe('model commands: bad input gives one line and exit 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rtcw-cox-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const csv = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  async function bad(argv: string[], ...fragments: string[]) {
    const { code, stdout, stderr } = await runCli(argv);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    for (const f of fragments) expect(stderr).toContain(f);
  }
  const data = 't,e,age,arm,site,pid\n1,1,50,x,a,1\n2,0,60,x,a,1\n3,1,55,x,a,2\n4,1,70,x,b,3\n5,0,65,x,b,3\n6,1,40,x,b,4\n';

  it('a factor with one level', async () => {
    const path = csv('one-level.csv', data);
    await bad(['cox', '--data', path, '--time', 't', '--event', 'e', '--covariates', 'age,arm', '--factors', 'arm'], "factor 'arm' has only one level ('x')");
    await bad(['finegray', '--data', path, '--time', 't', '--status', 'e', '--covariates', 'arm', '--factors', 'arm'], "factor 'arm' has only one level");
  });

  it('an unknown reference level, a --ref or --factors outside the covariates', async () => {
    const path = csv('ref.csv', data);
    const base = ['cox', '--data', path, '--time', 't', '--event', 'e'];
    await bad([...base, '--covariates', 'age,site', '--factors', 'site', '--ref', 'site=z'], "reference level 'z'", "'site'");
    await bad([...base, '--covariates', 'age', '--factors', 'site'], "--factors names 'site'");
    await bad([...base, '--covariates', 'age,site', '--factors', 'site', '--ref', 'age=1'], "--ref names 'age'");
  });

  it('no events, a single subject: one line, exit 2', async () => {
    await bad(['cox', '--data', csv('censored.csv', 't,e,x\n1,0,1\n2,0,2\n'), '--time', 't', '--event', 'e', '--covariates', 'x'], 'no events');
    await bad(['cox', '--data', csv('single.csv', 't,e,x\n3,1,7\n'), '--time', 't', '--event', 'e', '--covariates', 'x'], 'no covariate can be estimated', "'x' is constant");
  });

  it('a constant or collinear covariate is aliased: NA with a warning and one df fewer, as coxph', async () => {
    for (const [name, text, alias, kept] of [
      ['const.csv', 't,e,x,c\n1,1,1,5\n2,0,2,5\n3,1,4,5\n4,1,3,5\n', 'c', 'x'],
      ['collinear.csv', 't,e,x,y\n1,1,1,2\n2,0,2,4\n3,1,4,8\n4,1,3,6\n5,1,6,12\n', 'y', 'x'],
    ] as const) {
      const { code, stdout } = await runCli(['cox', '--data', csv(name, text), '--time', 't', '--event', 'e', '--covariates', `${kept},${alias}`]);
      expect(code).toBe(0);
      const r = JSON.parse(stdout);
      const aliased = r.terms.find((t: { term: string }) => t.term === alias);
      expect(aliased).toMatchObject({ coef: null, se: null, p: null, lower: null, aliased: true });
      expect(r.terms.find((t: { term: string }) => t.term === kept).coef).toEqual(expect.any(Number));
      expect(r.tests.likelihoodRatio.df).toBe(1);
      expect(r.tests.wald.df).toBe(1);
      expect(r.tests.score.df).toBe(1);
      expect(r.warnings.join(' ')).toContain(`'${alias}' is constant or collinear`);
    }
  });

  it('non-numeric covariate names row and column; unknown column', async () => {
    const path = csv('text.csv', 't,e,x\n1,1,1\n2,0,abc\n');
    await bad(['cox', '--data', path, '--time', 't', '--event', 'e', '--covariates', 'x'], "non-numeric value 'abc'", 'row 2', "column 'x'");
    await bad(['zph', '--data', path, '--time', 't', '--event', 'e', '--covariates', 'w'], "unknown column 'w'");
  });

  it('--firth with --cluster, --strata or Efron ties; bad --ties and --transform', async () => {
    const path = csv('firth.csv', data);
    const base = ['cox', '--data', path, '--time', 't', '--event', 'e', '--covariates', 'age', '--firth'];
    await bad([...base, '--cluster', 'pid'], '--cluster cannot be combined with --firth');
    await bad([...base, '--strata', 'site'], '--strata cannot be combined with --firth');
    await bad([...base, '--ties', 'efron'], 'Breslow ties');
    const collinear = csv('firth-collinear.csv', 't,e,x,y\n1,1,1,2\n2,0,2,4\n3,1,4,8\n4,1,3,6\n5,1,2,4\n');
    await bad(['cox', '--data', collinear, '--time', 't', '--event', 'e', '--covariates', 'x,y', '--firth'], "'y' collinear");
    await bad(['cox', '--data', path, '--time', 't', '--event', 'e', '--covariates', 'age', '--ties', 'exact'], '--ties must be one of efron, breslow');
    await bad(['zph', '--data', path, '--time', 't', '--event', 'e', '--covariates', 'age', '--transform', 'log'], '--transform must be one of');
  });

  it('finegray: a cause that does not occur, a negative status', async () => {
    const path = csv('fg.csv', 't,s,x\n1,1,1\n2,0,2\n3,2,4\n4,1,3\n');
    await bad(['finegray', '--data', path, '--time', 't', '--status', 's', '--covariates', 'x', '--cause', '3'], '--cause 3 does not occur');
    const neg = csv('fg-neg.csv', 't,s,x\n1,1,1\n2,-1,2\n');
    await bad(['finegray', '--data', neg, '--time', 't', '--status', 's', '--covariates', 'x'], "status '-1'", 'row 2');
  });
});
