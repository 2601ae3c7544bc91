// Every R reference case of cases.json run through the CLI's code path (main(), in-process),
// compared as cli.md "Golden cases" says: numbers within 1e-6 relative or 1e-9 absolute (or the
// case's own tolerance), strings and counts equal, groups/curves/terms matched by name, table rows
// by position, an expected null must be null.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { compareToExpected, runCli } from './compare';

const here = dirname(fileURLToPath(import.meta.url));

interface GoldenCase {
  id: string;
  command: string;
  args: Record<string, string | number | boolean>;
  expected: unknown;
  tolerance?: number;
}

const cases = JSON.parse(readFileSync(join(here, 'cases.json'), 'utf8')) as GoldenCase[];

function argvFor(c: GoldenCase): string[] {
  const argv = [c.command];
  for (const [name, value] of Object.entries(c.args)) {
    argv.push(`--${name}=${name === 'data' ? join(here, String(value)) : String(value)}`);
  }
  return argv;
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
    await expectBadInput([], 'missing command');
  });

  it('a stray argument and a repeated header name', async () => {
    const path = csv('ok3.csv', 't,e\n1,1\n2,0\n');
    await expectBadInput(['km', '--data', path, '--time', 't', '--event', 'e', 'extra'], "unexpected argument 'extra'");
    const dup = csv('dup.csv', 't,t,e\n1,2,1\n2,3,0\n');
    await expectBadInput(['km', '--data', dup, '--time', 't', '--event', 'e'], "column 't' appears more than once");
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
