// DICOM header scan benchmark (issue 5 "Speed"): ≥ 10,000 files — copies of cohort-a (RT objects,
// small images) plus synthetic 512 KB CTs with unique UIDs — generated into a temp dir, then, with a
// warm page cache: the whole scan (list, parse in workers, index writes into a study file) timed
// three times (median reported), a re-scan of the same folder, and DCMTK's dcmdump over the same
// files in one process for comparison. Heap and RSS are sampled as the scan proceeds and compared
// between half and all of the files to show memory stays flat. Prints one JSON document.
// Run: npx tsx test/bench/dicomScan.bench.ts [cohortCopies=10] [syntheticCts=4100] [workers]
// Target: ≥ 3,000 files/s including index writes; at least as fast as dcmdump.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { createStudy } from '../../electron/services/db/studyFile';
import { openScratchIndex } from '../../electron/services/dicom/dicomIndex';
import { scanIntoIndex } from '../../electron/services/dicom/dicomScan';
import { defaultWorkerCount, listFiles } from '../../electron/services/dicom/folderScan';
import { encodeDicom, imageSeries, type SyntheticPatient } from '../unit/dicom/dicomWriter';

const cohortCopies = Number(process.argv[2] ?? 10);
const syntheticCts = Number(process.argv[3] ?? 4100);
const workers = process.argv[4] !== undefined ? Number(process.argv[4]) : defaultWorkerCount();
const cohortDir = fileURLToPath(new URL('../fixtures/dicom/cohort-a', import.meta.url));

function generate(root: string): void {
  // Two halves (a/, b/) so the scan can also run on half the files: memory should not grow with N.
  const half = (i: number) => (i % 2 ? 'b' : 'a');
  for (let i = 0; i < cohortCopies; i++) cpSync(cohortDir, join(root, half(i), `copy${i}`), { recursive: true });
  const perSeries = 200;
  for (let s = 0; s * perSeries < syntheticCts; s++) {
    const p: SyntheticPatient = { patientId: `BENCH${s}`, name: `BENCH^P${s}`, birthDate: '19600101', sex: s % 2 ? 'F' : 'M' };
    const dir = join(root, half(s), 'ct', `P${s}`);
    mkdirSync(dir, { recursive: true });
    const count = Math.min(perSeries, syntheticCts - s * perSeries);
    // 512×512×16-bit = 512 KB of pixel data per image.
    const images = imageSeries(p, { modality: 'CT', date: '20200101', count, pixelBytes: 512 * 1024 });
    images.forEach((img, i) => writeFileSync(join(dir, `CT${String(i).padStart(4, '0')}`), encodeDicom(img.dataSet)));
  }
}

async function timedScan(root: string, target: 'study' | 'memory', fileCount: number) {
  const heap: Array<{ filesDone: number; heapUsedMB: number; rssMB: number }> = [];
  let nextSample = 0;
  const tmp = mkdtempSync(join(tmpdir(), 'rtcw-bench-study-'));
  const study = target === 'study' ? createStudy(join(tmp, 'bench.rtcw')) : null;
  const db = study ? study.db : openScratchIndex();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const key = randomBytes(32);
  const result = await scanIntoIndex(db, root, key, {
    workers,
    onProgress: (p) => {
      if (p.phase === 'reading' && p.done >= nextSample) {
        const m = process.memoryUsage();
        heap.push({ filesDone: p.done, heapUsedMB: Math.round(m.heapUsed / 1e5) / 10, rssMB: Math.round(m.rss / 1e5) / 10 });
        nextSample += Math.ceil(fileCount / 8);
      }
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  // Worker threads are in this process, so cpuUsage counts them too.
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const instances = (db.prepare('SELECT count(*) AS n FROM dicom_instance').get() as { n: number }).n;
  // Re-scan of the same folder into the same index: unchanged files are recognised, not parsed.
  const tr = performance.now();
  const again = await scanIntoIndex(db, root, key, { workers });
  const rescanSeconds = (performance.now() - tr) / 1000;
  const rescan = { seconds: round(rescanSeconds), filesPerSecond: Math.round(again.files.total / rescanSeconds), reusedFiles: again.reusedFiles, newInstances: again.newInstances };
  if (study) study.close();
  else db.close();
  rmSync(tmp, { recursive: true, force: true });
  return { seconds: round(seconds), filesPerSecond: Math.round(result.files.total / seconds), cpuSeconds: round(cpuSeconds), filesPerCpuSecond: Math.round(result.files.total / cpuSeconds), files: result.files.total, dicom: result.files.dicom, duplicates: result.files.duplicates, skipped: result.files.skipped.length, indexedInstances: instances, lesions: result.lesions.length, rescan, heap };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function dcmdump(files: string[], extraArgs: string[]) {
  const which = spawnSync('dcmdump', ['--version'], { encoding: 'utf8' });
  if (which.error) return { available: false as const };
  // One process over every file (dcmdump takes many files); chunked only to stay under ARG_MAX.
  // bash's `time` gives the child's CPU seconds (user + system) next to the wall time.
  const listFile = join(tmpdir(), `rtcw-bench-dcmdump-${process.pid}.txt`);
  const chunk = 100_000;
  let cpuSeconds = 0;
  let failed = 0;
  const t0 = performance.now();
  for (let i = 0; i < files.length; i += chunk) {
    writeFileSync(listFile, files.slice(i, i + chunk).join('\n'));
    const r = spawnSync(
      'bash',
      ['-c', `TIMEFORMAT='%U %S'; { time xargs -d '\\n' -s 1900000 -a "$0" dcmdump -q ${extraArgs.join(' ')} > /dev/null 2>&1 ; } 2>&1`, listFile],
      { encoding: 'utf8', maxBuffer: 1 << 26 },
    );
    const [user, sys] = r.stdout.trim().split(/\s+/).slice(-2).map(Number);
    cpuSeconds += user + sys;
    if (r.status !== 0) failed++;
  }
  const seconds = (performance.now() - t0) / 1000;
  rmSync(listFile, { force: true });
  return {
    available: true as const,
    args: ['-q', ...extraArgs].join(' '),
    // xargs packs up to 1.9 MB of arguments per dcmdump process (one process for 10,000 paths).
    processes: Math.ceil(files.reduce((n, f) => n + f.length + 1, 0) / 1_900_000),
    seconds: round(seconds),
    filesPerSecond: Math.round(files.length / seconds),
    cpuSeconds: round(cpuSeconds),
    filesPerCpuSecond: Math.round(files.length / cpuSeconds),
    nonZeroExits: failed,
  };
}

async function main() {
  const loadStart = loadavg().map((x) => round(x));
  const root = mkdtempSync(join(tmpdir(), 'rtcw-bench-dicom-'));
  try {
    const tg = performance.now();
    generate(root);
    const files = await listFiles(root);
    const generateSeconds = (performance.now() - tg) / 1000;
    // Warm cache: one untimed pass of each reader over every file.
    for (let i = 0; i < files.length; i += 5000) spawnSync('cat', files.slice(i, i + 5000), { stdio: ['ignore', 'ignore', 'ignore'] });
    await timedScan(root, 'memory', files.length);

    const memory = await timedScan(root, 'memory', files.length);
    // Three timed scans into fresh study files; the median one is reported (the machine may be shared).
    const studyRuns = [];
    for (let i = 0; i < 3; i++) studyRuns.push(await timedScan(root, 'study', files.length));
    const study = [...studyRuns].sort((a, b) => a.seconds - b.seconds)[1];
    const halfFiles = (await listFiles(join(root, 'a'))).length;
    const halfStudy = await timedScan(join(root, 'a'), 'study', halfFiles);
    const inline = workers > 0 ? await (async () => {
      const db = openScratchIndex();
      const t0 = performance.now();
      const r = await scanIntoIndex(db, root, randomBytes(32), { workers: 0 });
      db.close();
      const s = (performance.now() - t0) / 1000;
      return { seconds: round(s), filesPerSecond: Math.round(r.files.total / s) };
    })() : null;
    const dumpDefault = dcmdump(files, []);
    const dumpSearch = dcmdump(files, ['+P', '0008,0018']);
    const heapValues = study.heap.map((h) => h.heapUsedMB);
    const output = {
      benchmark: 'dicomScan',
      node: process.version,
      cpus: availableParallelism(),
      // Other work on the machine slows wall-clock numbers; CPU-second rates are less sensitive.
      loadAverageAtStart: loadStart,
      workers,
      files: files.length,
      composition: { cohortCopies, cohortFilesPerCopy: 597, syntheticCts512KB: syntheticCts },
      generateSeconds: round(generateSeconds),
      scanIntoStudyFile: study,
      scanIntoStudyFileAllRuns: studyRuns.map((r) => ({ seconds: r.seconds, filesPerSecond: r.filesPerSecond, cpuSeconds: r.cpuSeconds })),
      scanIntoMemoryIndex: { seconds: memory.seconds, filesPerSecond: memory.filesPerSecond },
      scanOnCallingThread: inline,
      dcmdump: dumpDefault,
      dcmdumpSearchOnly: dumpSearch,
      ratioVsDcmdump: dumpDefault.available ? round(study.filesPerSecond / dumpDefault.filesPerSecond) : null,
      ratioVsDcmdumpSearchOnly: dumpSearch.available ? round(study.filesPerSecond / dumpSearch.filesPerSecond) : null,
      ratioVsDcmdumpPerCpuSecond: dumpDefault.available ? round(study.filesPerCpuSecond / dumpDefault.filesPerCpuSecond) : null,
      target: { filesPerSecond: 3000, met: study.filesPerSecond >= 3000 },
      memory: {
        // Peak heap / RSS scanning half the files vs all of them: flat means about equal.
        halfScan: {
          files: halfStudy.files,
          filesPerSecond: halfStudy.filesPerSecond,
          peakHeapMB: Math.max(...halfStudy.heap.map((h) => h.heapUsedMB)),
          peakRssMB: Math.max(...halfStudy.heap.map((h) => h.rssMB)),
        },
        fullScan: { files: study.files, peakHeapMB: Math.max(...heapValues), peakRssMB: Math.max(...study.heap.map((h) => h.rssMB)) },
        heapUsedMBSamples: heapValues,
      },
      loadAverageAtEnd: loadavg().map((x) => round(x)),
    };
    process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
