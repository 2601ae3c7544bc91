// Benchmark (not a test): Fisher's exact test on the r×c tables of issue 13 — 5×5 with n = 41 and
// 4×6 with n = 60 (R's fisher.test answers these in well under a second with FEXACT) — and the other
// tables of test/golden/extra/awkward-cases.json, each with R's p-value from that file; plus the
// Monte-Carlo p-value with B = 10⁴ and 10⁵. Prints one JSON document (median of the repeats, ms).
// Run: npx tsx test/bench/fisher.bench.ts
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fisherExact, fisherSimulated } from '../../shared/stats/tableTests';

const here = dirname(fileURLToPath(import.meta.url));
const cases = JSON.parse(readFileSync(join(here, '../golden/extra/awkward-cases.json'), 'utf8')) as Array<{
  id: string;
  table?: number[][];
  expected?: { p: number };
}>;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time<T>(repeats: number, f: () => T): { ms: number; value: T } {
  const runs: number[] = [];
  let value!: T;
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    value = f();
    runs.push(performance.now() - t0);
  }
  return { ms: Math.round(median(runs) * 10) / 10, value };
}

const load = loadavg()[0];
const exact = cases
  .filter((c) => c.table && c.expected)
  .map((c) => {
    const table = c.table!;
    const n = table.flat().reduce((a, b) => a + b, 0);
    const { ms, value } = time(3, () => fisherExact(table).p);
    return {
      table: c.id.replace(/^fisher-/, ''),
      dims: `${table.length}x${table[0].length}`,
      n,
      ms,
      p: value,
      pR: c.expected!.p,
      relDiff: Math.abs(value - c.expected!.p) / c.expected!.p,
    };
  });
const headline = cases.find((c) => c.id === 'fisher-4x6-n60')!;
const simulated = [1e4, 1e5].map((B) => {
  const { ms, value } = time(3, () => fisherSimulated(headline.table!, { replicates: B, seed: 1 }).p);
  return { table: '4x6-n60', replicates: B, ms, p: value, pExactR: headline.expected!.p };
});
process.stdout.write(JSON.stringify({ loadAverage1min: load, exact, simulated }, null, 2) + '\n');
