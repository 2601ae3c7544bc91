// Whole-process time of the rtcw command (issue 15): the CLI bundled by electron/build.mjs against
// the previous entry (TypeScript compiled by tsx at every start) and against starting the project's
// Node with nothing to do. Then KM and Cox on a synthetic cohort CSV (default 1,000,000 rows; Cox
// with --cluster on 100,000), whole process, with R's times on the same file when Rscript is present.
// Medians of `runs` runs (wall and, on Linux, the child's CPU time; start-up over at least 41 runs,
// the commands and R over min(runs, 3)). Prints one JSON document.
// Run: npx tsx test/bench/cliStartup.bench.ts [runs=7] [rows=1000000] [clusterRows=100000]
// (rows=0: start-up only.)
// Targets: `rtcw --help` ≤ 1.3× bare Node; KM ≤ 0.1× R, Cox Efron ≤ 0.15× R, Cox --cluster ≤ 0.03× R.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const runs = Number(process.argv[2] ?? 7);
const rows = Number(process.argv[3] ?? 1_000_000);
const clusterRows = Number(process.argv[4] ?? 100_000);
const root = fileURLToPath(new URL('../..', import.meta.url));
const node = process.execPath;
const bin = path.join(root, 'electron/cli/rtcw.mjs');
// The previous bin (before the bundle): tsx registered, then the TypeScript entry.
const tsxEntry = `import { register } from 'tsx/esm/api'; register(); const { main } = await import('./electron/cli/main.ts'); process.exitCode = await main(process.argv.slice(1));`;

interface Timing {
  medianMs: number;
  /** Median CPU time (user + sys) of the child process, from /proc/self/stat (Linux; else null). */
  cpuMs: number | null;
  runs: number;
}

/** CPU time of waited-for children so far (cutime + cstime, clock ticks of 10 ms), or null off Linux. */
function childCpuMs(): number | null {
  try {
    const fields = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return null;
  }
}

function runOnce(command: string, args: string[]): { ms: number; cpuMs: number | null } {
  const cpu0 = childCpuMs();
  const t0 = performance.now();
  const child = spawnSync(command, args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', maxBuffer: 1 << 26 });
  const ms = performance.now() - t0;
  const cpu1 = childCpuMs();
  if (child.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${child.status}: ${child.stderr}`);
  return { ms, cpuMs: cpu0 === null || cpu1 === null ? null : cpu1 - cpu0 };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * Medians of `times` runs of each command. The commands take turns run by run, so a change of the
 * machine's load (it is shared) affects them alike.
 */
function timedTogether(commands: Record<string, [string, string[]]>, times = runs): Record<string, Timing> {
  const samples = Object.fromEntries(Object.keys(commands).map((name) => [name, [] as Array<{ ms: number; cpuMs: number | null }>]));
  for (let i = 0; i < times; i++) {
    for (const [name, [command, args]] of Object.entries(commands)) samples[name].push(runOnce(command, args));
  }
  return Object.fromEntries(
    Object.entries(samples).map(([name, s]) => {
      const cpu = s.map((x) => x.cpuMs);
      const timing: Timing = {
        medianMs: Math.round(median(s.map((x) => x.ms))),
        cpuMs: cpu.every((c): c is number => c !== null) ? median(cpu) : null,
        runs: times,
      };
      return [name, timing];
    }),
  );
}

function timed(command: string, args: string[], times = runs): Timing {
  return timedTogether({ one: [command, args] }, times).one;
}

if (!fs.existsSync(path.join(root, 'dist/electron/cli/rtcw.mjs'))) {
  spawnSync(node, [path.join(root, 'electron/build.mjs')], { cwd: root, stdio: 'ignore' });
}

const loadavgAtStart = os.loadavg().map((v) => Math.round(v * 100) / 100);
// Start-up takes ~30 ms, so a few runs' median moves with the machine's noise by more than the 30 %
// the target allows: bare Node and `rtcw --help` take turns over STARTUP_RUNS runs.
const STARTUP_RUNS = Math.max(runs, 41);
const startup = {
  ...timedTogether({ bareNode: [node, ['-e', '0']], rtcwHelp: [node, [bin, '--help']] }, STARTUP_RUNS),
  ...timedTogether({ rtcwHelpBeforeTsx: [node, ['--input-type=module', '-e', tsxEntry, '--', '--help']] }),
};

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 4294967296;
  };
}

/** time ~ exponential with hazard depending on age, sex and group; uniform censoring; ~1.2 rows per id. */
function writeCohort(file: string, n: number): void {
  const rand = lcg(20261203);
  const out = fs.openSync(file, 'w');
  let buffer = 'id,time,status,age,sex,group\n';
  let id = 0;
  for (let i = 0; i < n; i++) {
    if (rand() < 0.83) id++;
    const age = 40 + Math.floor(rand() * 45);
    const sex = rand() < 0.5 ? 1 : 0;
    const group = rand() < 0.4 ? 1 : 0;
    const hazard = 0.02 * Math.exp(0.02 * (age - 60) + 0.3 * sex - 0.5 * group);
    const t = -Math.log(rand()) / hazard;
    const c = rand() * 120;
    buffer += `${id},${Math.min(t, c).toFixed(3)},${t <= c ? 1 : 0},${age},${sex},${group}\n`;
    if (buffer.length > 1 << 20) {
      fs.writeSync(out, buffer);
      buffer = '';
    }
  }
  fs.writeSync(out, buffer);
  fs.closeSync(out);
}

if (rows === 0) {
  const ratio = (a: Timing, b: Timing) => Math.round((a.medianMs / b.medianMs) * 1000) / 1000;
  process.stdout.write(`${JSON.stringify({ startup: { ...startup, helpOverBareNode: ratio(startup.rtcwHelp, startup.bareNode), beforeOverBareNode: ratio(startup.rtcwHelpBeforeTsx, startup.bareNode), target: 1.3 }, loadavg: os.loadavg() }, null, 2)}\n`);
  process.exit(0);
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtcw-cli-bench-'));
try {
  const big = path.join(dir, 'cohort.csv');
  const small = path.join(dir, 'cohort-cluster.csv');
  writeCohort(big, rows);
  writeCohort(small, clusterRows);
  const few = Math.min(runs, 3);
  const rtcw = {
    km: timed(node, [bin, 'km', '--data', big, '--time', 'time', '--event', 'status', '--group', 'group'], few),
    coxEfron: timed(node, [bin, 'cox', '--data', big, '--time', 'time', '--event', 'status', '--covariates', 'age,sex,group'], few),
    coxCluster: timed(node, [bin, 'cox', '--data', small, '--time', 'time', '--event', 'status', '--covariates', 'age,sex,group', '--cluster', 'id'], few),
  };
  const hasR = spawnSync('Rscript', ['--version'], { stdio: 'ignore' }).status === 0;
  // R's own time varies by ±10 % from run to run: the median of as many runs as ours.
  const r = (script: string, file: string) => timed('Rscript', ['-e', `suppressMessages(library(survival)); d <- read.csv("${file}"); ${script}`], few);
  const rTimes = hasR
    ? {
        km: r('invisible(summary(survfit(Surv(time, status) ~ group, d)))', big),
        coxEfron: r('invisible(summary(coxph(Surv(time, status) ~ age + sex + group, d, ties = "efron")))', big),
        coxCluster: r('invisible(summary(coxph(Surv(time, status) ~ age + sex + group, d, ties = "efron", cluster = id)))', small),
      }
    : null;
  const ratio = (a: Timing, b: Timing | undefined) => (b ? Math.round((a.medianMs / b.medianMs) * 1000) / 1000 : null);
  const cpuRatio = (a: Timing, b: Timing) => (a.cpuMs !== null && b.cpuMs ? Math.round((a.cpuMs / b.cpuMs) * 1000) / 1000 : null);
  process.stdout.write(
    `${JSON.stringify(
      {
        startup: {
          ...startup,
          helpOverBareNode: ratio(startup.rtcwHelp, startup.bareNode),
          beforeOverBareNode: ratio(startup.rtcwHelpBeforeTsx, startup.bareNode),
          target: 1.3,
        },
        wholeProcess: {
          rows,
          clusterRows,
          rtcw,
          r: rTimes,
          ratioToR: rTimes ? { km: ratio(rtcw.km, rTimes.km), coxEfron: ratio(rtcw.coxEfron, rTimes.coxEfron), coxCluster: ratio(rtcw.coxCluster, rTimes.coxCluster) } : null,
          // CPU time is less sensitive than wall time to the other work of a shared machine.
          cpuRatioToR: rTimes
            ? { km: cpuRatio(rtcw.km, rTimes.km), coxEfron: cpuRatio(rtcw.coxEfron, rTimes.coxEfron), coxCluster: cpuRatio(rtcw.coxCluster, rTimes.coxCluster) }
            : null,
          targets: { km: 0.1, coxEfron: 0.15, coxCluster: 0.03 },
        },
        loadavgAtStart,
        loadavg: os.loadavg().map((v) => Math.round(v * 100) / 100),
      },
      null,
      2,
    )}\n`,
  );
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
