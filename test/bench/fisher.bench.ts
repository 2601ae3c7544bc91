// Benchmark (not a test): Fisher's exact test on the r×c tables of issue 13 — 5×5 with n = 41 and
// 4×6 with n = 60 (R's fisher.test answers these in well under a second with FEXACT) — and the other
// tables of test/golden/extra/awkward-cases.json, each with R's p-value from that file; plus the
// Monte-Carlo p-value with B = 10⁴ and 10⁵. Prints one JSON document (median of the repeats: wall
// ms and this process's CPU ms, user + sys; the 1-minute load average, since the machine may be shared).
// With FISHER_BENCH_R=1 and Rscript on the PATH it also times R's fisher.test(workspace = 2e8) on the
// same tables at the same moment (median of 3, elapsed and CPU ms) — a comparison by hand, never a test.
// Run: npx tsx test/bench/fisher.bench.ts   (FISHER_BENCH_R=1 npx tsx test/bench/fisher.bench.ts)
import { spawnSync } from 'node:child_process';
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

function time<T>(repeats: number, f: () => T): { ms: number; cpuMs: number; value: T } {
  const runs: number[] = [];
  const cpu: number[] = [];
  let value!: T;
  for (let r = 0; r < repeats; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    value = f();
    runs.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { ms: Math.round(median(runs) * 10) / 10, cpuMs: Math.round(median(cpu) * 10) / 10, value };
}

/** R's fisher.test on the same tables: [elapsed ms, CPU ms] per table (median of 3), or null without R. */
function timeR(tables: number[][][]): Array<{ ms: number; cpuMs: number }> | null {
  if (!process.env.FISHER_BENCH_R) return null;
  const literal = (t: number[][]) => `matrix(c(${t.flat().join(',')}), nrow = ${t.length}, byrow = TRUE)`;
  const script = [
    `tables <- list(${tables.map(literal).join(', ')})`,
    'for (t in tables) { e <- sapply(1:3, function(i) { s <- system.time(fisher.test(t, workspace = 2e8)); c(s[["elapsed"]], s[["user.self"]] + s[["sys.self"]]) })',
    '  cat(median(e[1, ]) * 1000, median(e[2, ]) * 1000, "\\n") }',
  ].join('\n');
  const r = spawnSync('Rscript', ['-e', script], { encoding: 'utf8' });
  if (r.status !== 0) return null;
  return r.stdout.trim().split('\n').map((line) => {
    const [ms, cpuMs] = line.trim().split(/\s+/).map(Number);
    return { ms, cpuMs };
  });
}

const load = loadavg()[0];
const withTables = cases.filter((c) => c.table && c.expected && !c.id.startsWith('fisher-simulate'));
const rTimes = timeR(withTables.map((c) => c.table!));
const exact = withTables
  .map((c, i) => {
    const table = c.table!;
    const n = table.flat().reduce((a, b) => a + b, 0);
    // The first call includes V8's compilation of the network code: reported apart, then the median of 3.
    const cold = time(1, () => fisherExact(table).p);
    const { ms, cpuMs, value } = time(3, () => fisherExact(table).p);
    return {
      table: c.id.replace(/^fisher-/, ''),
      dims: `${table.length}x${table[0].length}`,
      n,
      firstCallMs: cold.ms,
      ms,
      cpuMs,
      ...(rTimes ? { rMs: rTimes[i].ms, rCpuMs: rTimes[i].cpuMs } : {}),
      p: value,
      pR: c.expected!.p,
      relDiff: Math.abs(value - c.expected!.p) / c.expected!.p,
    };
  });
const headline = cases.find((c) => c.id === 'fisher-4x6-n60')!;
const simulated = [1e4, 1e5].map((B) => {
  const { ms, cpuMs, value } = time(3, () => fisherSimulated(headline.table!, { replicates: B, seed: 1 }).p);
  return { table: '4x6-n60', replicates: B, ms, cpuMs, p: value, pExactR: headline.expected!.p };
});
process.stdout.write(JSON.stringify({ loadAverage1min: load, loadAverageAfter: loadavg()[0], exact, simulated }, null, 2) + '\n');
