// Benchmark (not a test): Cox Efron/Breslow and cluster-robust variance on a synthetic cohort of
// 10⁴…10⁶ rows (issue 3: time ~ exponential with a linear predictor of age, sex, ecog 0–3, bed, conc;
// uniform censoring; ~1.2 rows per patient id). Prints one JSON document.
// Run: npx tsx test/bench/cox.bench.ts [rows…]
import { loadavg } from 'node:os';
import { coxModel } from '../../shared/stats/coxModel';
import { coxZph } from '../../shared/stats/coxZph';
import { fineGray } from '../../shared/stats/fineGray';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 4294967296;
  };
}

function cohort(n: number) {
  const rand = lcg(20261129);
  const age = new Float64Array(n);
  const sex = new Float64Array(n);
  const ecog = new Float64Array(n);
  const bed = new Float64Array(n);
  const conc = new Float64Array(n);
  const time = new Float64Array(n);
  const status = new Uint8Array(n);
  const cause = new Int32Array(n);
  const id = new Int32Array(n);
  let pid = 0;
  for (let i = 0; i < n; i++) {
    if (i > 0 && rand() > 1 / 1.2) id[i] = id[i - 1];
    else id[i] = pid++;
    age[i] = Math.round(40 + 45 * rand());
    sex[i] = rand() < 0.5 ? 1 : 0;
    ecog[i] = Math.floor(4 * rand());
    bed[i] = Math.round(20 + 80 * rand());
    conc[i] = rand() < 0.3 ? 1 : 0;
    const lp = 0.02 * (age[i] - 60) + 0.3 * sex[i] + 0.4 * ecog[i] - 0.01 * (bed[i] - 50) - 0.2 * conc[i];
    const t = -Math.log(rand()) / (0.05 * Math.exp(lp));
    const c = 60 * rand();
    // Times in days rounded to 0.1 month give realistic ties.
    time[i] = Math.round(Math.min(t, c) * 10) / 10;
    status[i] = t <= c ? 1 : 0;
    cause[i] = status[i] ? (rand() < 0.7 ? 1 : 2) : 0;
  }
  return { x: [age, sex, ecog, bed, conc], time, status, cause, id, ids: pid };
}

/** Wall-clock seconds; CPU seconds (user+system) are recorded too, as the machine may be shared. */
const cpu: Record<string, number> = {};
function timed<T>(label: string, f: () => T): [T, number] {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = f();
  const c = process.cpuUsage(c0);
  cpu[label] = (c.user + c.system) / 1e6;
  return [r, (performance.now() - t0) / 1000];
}

const sizes = process.argv.slice(2).map(Number).filter((v) => v > 0);
const results = [];
for (const n of sizes.length ? sizes : [1e4, 1e5, 1e6]) {
  const d = cohort(n);
  const names = ['age', 'sex', 'ecog', 'bed', 'conc'];
  const [efron, tEfron] = timed('efron', () => coxModel({ time: d.time, status: d.status, x: d.x, names, ties: 'efron' }));
  const [, tBreslow] = timed('breslow', () => coxModel({ time: d.time, status: d.status, x: d.x, names, ties: 'breslow' }));
  const [robust, tRobust] = timed('efronClusterRobust', () => coxModel({ time: d.time, status: d.status, x: d.x, names, ties: 'efron', cluster: d.id }));
  const [, tZph] = timed('zph', () =>
    coxZph({ time: d.time, status: d.status, x: d.x, names }, efron, names.map((term, j) => ({ term, columns: [j] })), 'km'),
  );
  const fg = timed('fineGray', () => fineGray({ time: d.time, status: d.cause, cause: 1, x: d.x, names }));
  results.push({
    rows: n,
    events: efron.events,
    coxEfronSeconds: tEfron,
    coxBreslowSeconds: tBreslow,
    coxEfronClusterRobustSeconds: tRobust,
    coxZphSeconds: tZph,
    fineGraySeconds: fg[1],
    cpuSeconds: { ...cpu },
    loadAverage1m: loadavg()[0],
    iterations: efron.iterations,
    coef: Array.from(robust.coef),
    memoryRssMB: Math.round(process.memoryUsage().rss / 1e6),
  });
}
console.log(JSON.stringify({ benchmark: 'cox', node: process.version, results }, null, 2));
