// Survival engine benchmark (issue 3 "Speed"): a synthetic cohort of N rows — exponential times with a
// linear predictor of 5 covariates (age, sex, ecog 0–3, bed, conc), uniform censoring, 3 groups,
// 2 competing causes, an id column with ~1.2 rows per id — written to a temp CSV, then timed:
// CSV parse, KM by group, log-rank, and (when shared/stats/coxModel.ts exists) Cox Efron, Breslow
// and Efron with cluster-robust variance. Prints one JSON document.
// Run: npx tsx test/bench/survival.bench.ts [rows …]   (default 1e4 1e5 1e6)
// Targets at 1e6 rows: parse ≤ 2 s, KM by group ≤ 0.5 s, log-rank ≤ 0.5 s, Cox Efron ≤ 3 s,
// with cluster ≤ 4 s, peak RSS ≤ 1.5 GB.
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { readCsvTable } from '../../electron/services/analysis/csvTable';
import { kaplanMeierByGroup } from '../../shared/stats/kaplanMeier';
import { survivalDifference } from '../../shared/stats/survivalDifference';
import { mulberry32 } from '../fixtures/seededRandom';

async function writeCohort(path: string, rows: number, seed = 20261129): Promise<void> {
  const random = mulberry32(seed);
  const normal = () => {
    // Box–Muller
    const u = 1 - random();
    const v = random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  const out = createWriteStream(path);
  const write = (text: string) =>
    new Promise<void>((resolve) => {
      if (out.write(text)) resolve();
      else out.once('drain', resolve);
    });
  await write('id,time,event,status,group,age,sex,ecog,bed,conc\n');
  let id = 1;
  let leftForId = random() < 0.2 ? 2 : 1; // ~1.2 rows (lesions) per id (patient)
  let chunk = '';
  for (let i = 0; i < rows; i++) {
    const age = Math.round(65 + 10 * normal());
    const sex = random() < 0.45 ? 1 : 0;
    const ecog = Math.min(3, Math.floor(random() * random() * 4.5));
    const bed = Math.round((20 + 80 * random()) * 10) / 10;
    const conc = random() < 0.3 ? 1 : 0;
    const group = Math.floor(random() * 3);
    const lp = 0.02 * (age - 65) + 0.3 * sex + 0.25 * ecog - 0.005 * (bed - 60) + 0.4 * conc + 0.1 * group;
    const eventTime = -Math.log(1 - random()) / (0.03 * Math.exp(lp));
    const censorTime = 60 * random();
    const event = eventTime <= censorTime ? 1 : 0;
    const time = Math.min(eventTime, censorTime);
    const status = event ? (random() < 0.6 ? 1 : 2) : 0;
    chunk += `${id},${time.toFixed(3)},${event},${status},${group},${age},${sex},${ecog},${bed},${conc}\n`;
    if (--leftForId === 0) {
      id++;
      leftForId = random() < 0.2 ? 2 : 1;
    }
    if (chunk.length > 1 << 20) {
      await write(chunk);
      chunk = '';
    }
  }
  await write(chunk);
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

/** Wall-clock seconds since `start`. */
function seconds(start: number): number {
  return Math.round(performance.now() - start) / 1000;
}

/** A stopwatch reporting wall and CPU seconds: on a shared machine CPU time is the steadier figure. */
function stopwatch() {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  return () => {
    const used = process.cpuUsage(cpu);
    return { seconds: seconds(wall), cpuSeconds: Math.round((used.user + used.system) / 1000) / 1000 };
  };
}

async function benchOne(rows: number, dir: string) {
  const path = join(dir, `cohort-${rows}.csv`);
  await writeCohort(path, rows);
  const result: Record<string, unknown> = { rows, csvMB: Math.round(statSync(path).size / 1e5) / 10 };

  let watch = stopwatch();
  const table = readCsvTable(path);
  const scan = watch();
  const frame = table.select(['id', 'time', 'event', 'status', 'group', 'age', 'sex', 'ecog', 'bed', 'conc']);
  const time = frame.time('time');
  const event = frame.event('event');
  const group = frame.factor('group');
  const covariates = ['age', 'sex', 'ecog', 'bed', 'conc'].map((c) => frame.numeric(c));
  const cluster = frame.factor('id');
  result.parse = { ...watch(), scan };

  watch = stopwatch();
  const curves = kaplanMeierByGroup(time, event, group.codes, group.levels.length);
  result.kmByGroup = { ...watch(), distinctTimes: curves.map((c) => c.time.length) };

  watch = stopwatch();
  const test = survivalDifference(time, event, group.codes, group.levels.length);
  result.logRank = { ...watch(), chisq: test.chisq };

  const coxPath = '../../shared/stats/coxModel';
  let cox: typeof import('../../shared/stats/coxModel') | null = null;
  try {
    cox = await import(coxPath);
  } catch {
    cox = null;
  }
  if (cox) {
    const names = ['age', 'sex', 'ecog', 'bed', 'conc'];
    for (const [label, ties, withCluster] of [
      ['coxEfron', 'efron', false],
      ['coxBreslow', 'breslow', false],
      ['coxEfronCluster', 'efron', true],
    ] as const) {
      watch = stopwatch();
      const fit = cox.coxModel({ time, status: event, x: covariates, names, ties, cluster: withCluster ? cluster.codes : undefined });
      result[label] = { ...watch(), iterations: fit.iterations, coef: Array.from(fit.coef, (b) => Math.round(b * 1e4) / 1e4) };
    }
  }
  result.loadAverage = loadavg()[0];
  result.peakRssMB = Math.round(process.resourceUsage().maxRSS / 1024);
  rmSync(path, { force: true });
  return result;
}

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
const dir = mkdtempSync(join(tmpdir(), 'rtcw-bench-'));
try {
  const results = [];
  for (const rows of sizes.length ? sizes : [1e4, 1e5, 1e6]) results.push(await benchOne(rows, dir));
  console.log(JSON.stringify({ node: process.version, results }, null, 2));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
