// Comparison of rtcw JSON output with R's numbers (cli.md "Golden cases"), shared by the golden
// and edge-case tests, and an in-process runner for the CLI.
import { main } from '../../electron/cli/main';

export async function runCli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
  });
  return { code, stdout, stderr };
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

