// Service host responsiveness during a DICOM import (issue 15): a folder of N courses (default 300:
// 28 real DICOM files each — a planning CT, plan + re-plan, structure sets, one record per beam)
// is scanned into a new study by the built host, then the review lists the proposals, the commit
// writes them all and the folder is scanned again (every file recognised from the index). Throughout, a caller asks `studyCounts` every 20 ms; per phase (scan:
// reading + index writes, then derivation; list; commit) the worst round trip and the host
// thread's longest block (its event-loop delay) are recorded. Then a scan is cancelled during its
// derivation (cancel → CANCELLED time). For comparison ("before", in this process on one thread):
// how long the old code held the thread — deriving once, and writing one index transaction of
// 2,048 files (the old batch) — next to the new transaction (FLUSH_BUDGET_MS) and the commit's
// write, which stays one transaction on the host's thread. Prints one JSON document.
// Run: npx tsx test/bench/dicomHost.bench.ts [courses=300]
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import type { ApiResponse } from '../../shared/api/contract';
import type { DicomScanResult } from '../../shared/api/dicom';
import { api } from '../../shared/api/index';
import { createStudy } from '../../electron/services/db/studyFile';
import { commitProposals, deriveFromStudy } from '../../electron/services/dicom/dicomImport';
import { FLUSH_BUDGET_MS, IndexWriter } from '../../electron/services/dicom/dicomIndex';
import { indexIntoStudy } from '../../electron/services/dicom/dicomScan';
import { setServiceHostFile, startServiceHost } from '../../electron/services/host/hostProcess';
import { writeDicomCohortFolder } from '../unit/host/dicomCohortFolder';

const courses = Number(process.argv[2] ?? 300);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtcw-dicom-host-bench-'));
const dicomDir = path.join(dir, 'dicom');
const files = writeDicomCohortFolder(dicomDir, courses);
const sleep = (t: number) => new Promise((resolve) => setTimeout(resolve, t));
const ms = (v: number) => Math.round(v * 10) / 10;
const loadavg = () => os.loadavg().map((v) => Math.round(v * 100) / 100);

function ensureOk<T>(response: ApiResponse, what: string): T {
  if (!response.ok) throw new Error(`${what}: ${response.error.code} ${response.error.message}`);
  return response.result as T;
}

// The host as shipped (electron/build.mjs output: host and workers prebuilt), as serviceHost.bench.ts.
const artifacts = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
fs.mkdirSync(artifacts, { recursive: true });
const built = fs.mkdtempSync(path.join(artifacts, 'dicom-host-bench-'));
execFileSync(process.execPath, [fileURLToPath(new URL('../../electron/build.mjs', import.meta.url))], { env: { ...process.env, RTCW_ELECTRON_OUTDIR: built }, stdio: 'ignore' });
setServiceHostFile(path.join(built, 'main', 'serviceHost.cjs'));

const host = await startServiceHost({ methods: api, userDataDir: path.join(dir, 'user-data'), choosePath: async (r) => r.requested ?? null });

interface PhaseStats {
  calls: number;
  worstLatencyMs: number;
  p50LatencyMs: number;
  hostThreadBlockedMaxMs: number;
  wallMs: number;
}

/**
 * Runs `job` while `studyCounts` is asked every 20 ms; the latencies are split into phases by the
 * job's progress messages (`phaseOf`), the host's event-loop delay read (and reset) at each change.
 */
async function measured(job: (onProgress: (message: string) => void) => Promise<ApiResponse>, phaseOf: (message: string) => string, first: string) {
  await host.eventLoopDelayMax(); // reset
  const stats = new Map<string, { latencies: number[]; blockedMs: number; startedAt: number; endedAt: number }>();
  let phase = first;
  const enter = (name: string) => stats.set(name, stats.get(name) ?? { latencies: [], blockedMs: 0, startedAt: performance.now(), endedAt: 0 });
  enter(phase);
  const switches: Array<Promise<void>> = [];
  let running = true;
  const call = job((message) => {
    const next = phaseOf(message);
    if (next === phase) return;
    const ended = phase;
    stats.get(ended)!.endedAt = performance.now();
    switches.push(host.eventLoopDelayMax().then((blocked) => void (stats.get(ended)!.blockedMs = Math.max(stats.get(ended)!.blockedMs, blocked))));
    phase = next;
    enter(phase);
  }).finally(() => (running = false));
  while (running) {
    const current = stats.get(phase)!;
    const t0 = performance.now();
    ensureOk(await host.call('studyCounts', {}), 'studyCounts');
    current.latencies.push(performance.now() - t0);
    await sleep(20);
  }
  const response = await call;
  await Promise.all(switches);
  const last = stats.get(phase)!;
  last.endedAt = performance.now();
  last.blockedMs = Math.max(last.blockedMs, await host.eventLoopDelayMax());
  const phases: Record<string, PhaseStats> = {};
  for (const [name, s] of stats) {
    const sorted = [...s.latencies].sort((a, b) => a - b);
    phases[name] = {
      calls: sorted.length,
      worstLatencyMs: ms(sorted.at(-1) ?? NaN),
      p50LatencyMs: ms(sorted[Math.floor(sorted.length / 2)] ?? NaN),
      hostThreadBlockedMaxMs: ms(s.blockedMs),
      wallMs: ms(s.endedAt - s.startedAt),
    };
  }
  return { response, phases };
}

const scanPhase = (message: string) => (/Reading the DICOM index|Deriving|Checking the cohort/.test(message) ? 'derive' : 'scan');
const cpu0 = process.cpuUsage();
try {
  const load: { atStart: number[]; atEnd?: number[] } = { atStart: loadavg() };
  const file = path.join(dir, 'bench.rtcw');
  ensureOk(await host.call('createStudy', { path: file }), 'createStudy');
  const scan = await measured((onProgress) => host.call('scanDicomFolder', { dir: dicomDir }, { jobId: 'scan', onProgress: (p) => onProgress(p.message) }), scanPhase, 'scan');
  const scanned = ensureOk<DicomScanResult>(scan.response, 'scan');
  const list = await measured((onProgress) => host.call('listDicomProposals', {}, { jobId: 'list', onProgress: (p) => onProgress(p.message) }), () => 'list', 'list');
  const ids = scanned.lesions.map((l) => l.proposalId);
  const commit = await measured(
    (onProgress) => host.call('commitDicomProposals', { proposalIds: ids }, { jobId: 'commit', onProgress: (p) => onProgress(p.message) }),
    (message) => (/Adding to the cohort/.test(message) ? 'write' : 'derive'),
    'derive',
  );
  const committed = ensureOk<{ coursesAdded: number }>(commit.response, 'commit');
  // A re-scan of the same folder: every file recognised from the index (stat + fingerprint), none parsed.
  const rescan = await measured((onProgress) => host.call('scanDicomFolder', { dir: dicomDir }, { jobId: 'rescan', onProgress: (p) => onProgress(p.message) }), scanPhase, 'scan');
  const rescanned = ensureOk<DicomScanResult>(rescan.response, 'rescan');

  // Cancel a second scan (a new study) once its derivation starts.
  ensureOk(await host.call('createStudy', { path: path.join(dir, 'cancel.rtcw') }), 'createStudy');
  let cancelledAt = 0;
  const cancelled = await host.call('scanDicomFolder', { dir: dicomDir }, {
    jobId: 'scan-cancel',
    onProgress: (p) => {
      if (cancelledAt === 0 && /Reading the DICOM index/.test(p.message)) {
        cancelledAt = performance.now();
        host.cancel('scan-cancel');
      }
    },
  });
  const cancel = { code: cancelled.ok ? 'completed' : cancelled.error.code, cancelToAnswerMs: cancelledAt ? ms(performance.now() - cancelledAt) : null };
  load.atEnd = loadavg();
  await host.close();

  // Before (in this process, one thread): the derivation as the host ran it, the old 2,048-file
  // index transaction, the new adaptive ones, and the commit's write.
  const study = createStudy(path.join(dir, 'inprocess.rtcw'));
  const transactions: number[] = [];
  const flush = IndexWriter.prototype.flush;
  IndexWriter.prototype.flush = function (this: IndexWriter) {
    const t0 = performance.now();
    flush.call(this);
    transactions.push(performance.now() - t0);
  };
  await indexIntoStudy(study.db, dicomDir, randomBytes(32), {});
  IndexWriter.prototype.flush = flush;
  transactions.sort((a, b) => a - b);
  const t0 = performance.now();
  const derivation = deriveFromStudy(study.db);
  const deriveMs = performance.now() - t0;
  const t1 = performance.now();
  commitProposals(study.db, derivation, { includeReviewed: true });
  const commitWriteMs = performance.now() - t1;
  study.close();
  // One old-size transaction: 2,048 files of the folder into a fresh study.
  const old = createStudy(path.join(dir, 'old-batch.rtcw'));
  const oldWriter = new IndexWriter(old.db, randomBytes(32));
  const some = (await import('../../electron/services/dicom/folderScan')).listFiles;
  const { readDicomFile } = await import('../../electron/services/dicom/headerParser');
  const batch = (await some(dicomDir)).slice(0, 2048).map((p) => ({ path: p, outcome: readDicomFile(p) }));
  (oldWriter as unknown as { pending: typeof batch }).pending = batch;
  const t2 = performance.now();
  oldWriter.flush();
  const oldTransactionMs = performance.now() - t2;
  old.close();

  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(
    `${JSON.stringify(
      {
        benchmark: 'dicomHost',
        courses,
        files,
        lesions: scanned.lesions.length,
        coursesAdded: committed.coursesAdded,
        host: { scan: scan.phases, list: list.phases, commit: commit.phases, rescan: { ...rescan.phases, reusedFiles: rescanned.reusedFiles }, targetMs: 100 },
        cancelDuringDerivation: { ...cancel, targetMs: 1000 },
        inProcess: {
          deriveBlocksThreadMs: ms(deriveMs),
          oldIndexTransaction2048FilesMs: ms(oldTransactionMs),
          indexTransactions: { count: transactions.length, budgetMs: FLUSH_BUDGET_MS, medianMs: ms(transactions[Math.floor(transactions.length / 2)]), maxMs: ms(transactions.at(-1) ?? NaN) },
          commitWriteMs: ms(commitWriteMs),
        },
        // This process only (the bench client and the in-process part); the host is another process.
        benchProcessCpuSeconds: Math.round(((cpu.user + cpu.system) / 1e6) * 100) / 100,
        cpus: os.availableParallelism(),
        loadavg: load,
      },
      null,
      2,
    )}\n`,
  );
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(built, { recursive: true, force: true });
}
