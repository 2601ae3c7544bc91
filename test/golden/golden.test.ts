// Every R reference case of cases.json run through the CLI's code path (main(), in-process),
// compared as cli.md "Golden cases" says: numbers within 1e-6 relative or 1e-9 absolute (or the
// case's own tolerance), strings and counts equal, groups/curves/terms matched by name, table rows
// by position, an expected null must be null.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../electron/cli/main';

const here = dirname(fileURLToPath(import.meta.url));

interface GoldenCase {
  id: string;
  command: string;
  args: Record<string, string | number | boolean>;
  expected: unknown;
  tolerance?: number;
}

const cases = JSON.parse(readFileSync(join(here, 'cases.json'), 'utf8')) as GoldenCase[];

async function runCli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
  });
  return { code, stdout, stderr };
}

function argvFor(c: GoldenCase): string[] {
  const argv = [c.command];
  for (const [name, value] of Object.entries(c.args)) {
    argv.push(`--${name}=${name === 'data' ? join(here, String(value)) : String(value)}`);
  }
  return argv;
}

/** Fields that are counts: compared exactly. */
const COUNT_KEYS = new Set(['n', 'events', 'nRisk', 'nEvent', 'nCensor', 'df']);
/** Fields that name an element of a list (matched by name, not position). */
const NAME_KEYS = ['group', 'cause', 'term'];

/** Differences between expected and actual, as readable paths; empty when they agree. */
export function compareToExpected(expected: unknown, actual: unknown, tolerance: number, path = '$', key = ''): string[] {
  if (expected === null) return actual === null ? [] : [`${path}: expected null, got ${JSON.stringify(actual)}`];
  if (typeof expected === 'number') {
    if (typeof actual !== 'number') return [`${path}: expected ${expected}, got ${JSON.stringify(actual)}`];
    if (COUNT_KEYS.has(key)) return actual === expected ? [] : [`${path}: count ${actual} ≠ ${expected}`];
    const diff = Math.abs(actual - expected);
    return diff <= 1e-9 || diff <= tolerance * Math.abs(expected) ? [] : [`${path}: ${actual} vs R ${expected} (rel ${(diff / Math.abs(expected)).toExponential(2)})`];
  }
  if (typeof expected === 'string' || typeof expected === 'boolean') {
    return actual === expected ? [] : [`${path}: ${JSON.stringify(actual)} ≠ ${JSON.stringify(expected)}`];
  }
  if (Array.isArray(expected)) {
    // R's export wrote one 1×1 matrix (kidney robust score test) as [[x]]; cli.md's output is the number.
    if (typeof actual === 'number' && expected.length === 1) return compareToExpected(expected[0], actual, tolerance, path, key);
    if (!Array.isArray(actual)) return [`${path}: expected an array, got ${JSON.stringify(actual)}`];
    const named = expected.length > 0 && expected.every((e) => e && typeof e === 'object' && NAME_KEYS.some((k) => k in e));
    if (named) {
      const nameOf = (e: Record<string, unknown>) => JSON.stringify(NAME_KEYS.filter((k) => k in e).map((k) => e[k]));
      const problems: string[] = [];
      for (const e of expected as Array<Record<string, unknown>>) {
        const name = nameOf(e);
        const match = (actual as Array<Record<string, unknown>>).find((a) => a && typeof a === 'object' && nameOf(a) === name);
        if (!match) problems.push(`${path}: no element named ${name}`);
        else problems.push(...compareToExpected(e, match, tolerance, `${path}[${name}]`));
      }
      return problems;
    }
    if (actual.length !== expected.length) return [`${path}: ${actual.length} rows, R has ${expected.length}`];
    return expected.flatMap((e, i) => compareToExpected(e, actual[i], tolerance, `${path}[${i}]`, key));
  }
  if (typeof expected === 'object') {
    if (!actual || typeof actual !== 'object' || Array.isArray(actual)) return [`${path}: expected an object, got ${JSON.stringify(actual)}`];
    return Object.entries(expected as Record<string, unknown>).flatMap(([k, v]) =>
      k in (actual as object) ? compareToExpected(v, (actual as Record<string, unknown>)[k], tolerance, `${path}.${k}`, k) : [`${path}.${k}: missing`],
    );
  }
  return [`${path}: unsupported expected value`];
}

describe('golden R cases (cases.json)', () => {
  it('has all 33 cases', () => {
    expect(cases).toHaveLength(33);
  });

  for (const c of cases) {
    it(`${c.id} (${c.command})`, async () => {
      const { code, stdout, stderr } = await runCli(argvFor(c));
      expect(stderr, 'stderr').toBe('');
      expect(code).toBe(0);
      const actual = JSON.parse(stdout) as unknown;
      expect(compareToExpected(c.expected, actual, c.tolerance ?? 1e-6)).toEqual([]);
    });
  }
});

describe('golden comparison rules', () => {
  it('flags a number outside tolerance, a wrong count and a non-null where R has null', () => {
    expect(compareToExpected({ a: 1 }, { a: 1 + 2e-6 }, 1e-6)).toHaveLength(1);
    expect(compareToExpected({ a: 1 }, { a: 1 + 5e-7 }, 1e-6)).toEqual([]);
    expect(compareToExpected({ n: 10 }, { n: 10.0000001 }, 1e-6)).toHaveLength(1);
    expect(compareToExpected({ upper: null }, { upper: 0.5 }, 1e-6)).toHaveLength(1);
    expect(compareToExpected([{ group: 'b', x: 1 }], [{ group: 'a', x: 1 }, { group: 'b', x: 1 }], 1e-6)).toEqual([]);
  });
});

describe('bad input: one-line message and exit 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rtcw-bad-input-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const csv = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  async function expectBadInput(argv: string[], ...fragments: string[]) {
    const { code, stdout, stderr } = await runCli(argv);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    for (const fragment of fragments) expect(stderr).toContain(fragment);
  }

  it('missing file', async () => {
    const path = join(dir, 'nope.csv');
    await expectBadInput(['km', `--data=${path}`, '--time=t', '--event=e'], path, 'no such file');
  });

  it('unknown column', async () => {
    const path = csv('ok.csv', 't,e\n1,1\n2,0\n');
    await expectBadInput(['km', '--data', path, '--time', 'tme', '--event', 'e'], "unknown column 'tme'");
  });

  it('non-numeric time in row N', async () => {
    const path = csv('text-time.csv', 't,e\n1,1\n2,0\nabc,1\n4,1\n');
    await expectBadInput(['km', '--data', path, '--time', 't', '--event', 'e'], "non-numeric value 'abc'", 'row 3', "column 't'");
  });

  it('negative time', async () => {
    const path = csv('negative.csv', 't,e\n1,1\n-2,0\n');
    await expectBadInput(['logrank', '--data', path, '--time', 't', '--event', 'e', '--group', 'e'], 'negative time -2', 'row 2');
  });

  it('event code outside 0/1, 1/2, true/false', async () => {
    const path = csv('bad-event.csv', 't,e\n1,1\n2,3\n');
    await expectBadInput(['followup', '--data', path, '--time', 't', '--event', 'e'], "event code '3'", 'row 2', 'allowed codings');
    const mixed = csv('mixed-event.csv', 't,e\n1,0\n2,2\n');
    await expectBadInput(['followup', '--data', mixed, '--time', 't', '--event', 'e'], 'both 0 and 2');
  });

  it('unknown option and unknown command', async () => {
    const path = csv('ok2.csv', 't,e\n1,1\n2,0\n');
    await expectBadInput(['km', '--data', path, '--time', 't', '--event', 'e', '--conf', 'log'], 'unknown option --conf');
    await expectBadInput(['kmm'], "unknown command 'kmm'");
  });

  it('a group column with one value for a test', async () => {
    const path = csv('one-group.csv', 't,e,g\n1,1,a\n2,0,a\n');
    await expectBadInput(['logrank', '--data', path, '--time', 't', '--event', 'e', '--group', 'g'], "only one value ('a')");
  });

  it('event coding 1/2 and true/false are read as R Surv does', async () => {
    const a = csv('codes12.csv', 't,e\n1,2\n2,1\n3,2\n');
    const b = csv('codestf.csv', 't,e\n1,true\n2,false\n3,TRUE\n');
    const ra = await runCli(['km', '--data', a, '--time', 't', '--event', 'e']);
    const rb = await runCli(['km', '--data', b, '--time', 't', '--event', 'e']);
    expect(ra.code).toBe(0);
    expect(JSON.parse(ra.stdout).groups[0].events).toBe(2);
    expect(JSON.parse(rb.stdout)).toEqual(JSON.parse(ra.stdout));
  });
});
