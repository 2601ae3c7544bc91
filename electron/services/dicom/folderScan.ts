// Recursive header scan of a folder: lists every file (any name, any depth), parses headers in
// worker threads (node:worker_threads, off the main/UI thread) and hands outcomes to the caller in
// batches, in file order. Progress reports files done/total and the phase; an AbortSignal cancels
// (workers are terminated at once).
import { availableParallelism } from 'node:os';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { readDicomFile } from './headerParser';
import { scanWorkerScript } from './workerScript';
import { newWorker } from '../host/workerSource';
import type { FileOutcome } from './dicomRecord';

export type ScanPhase = 'listing' | 'reading' | 'indexing' | 'deriving' | 'committing';

export interface ScanProgress {
  phase: ScanPhase;
  done: number;
  total: number;
}

export interface ScanOptions {
  signal?: AbortSignal;
  onProgress?: (progress: ScanProgress) => void;
  /** Worker threads; 0 parses on the calling thread. Default: one per core (1…4), fewer for small folders. */
  workers?: number;
  /** Files per message to a worker. */
  batchSize?: number;
  /**
   * Run the header workers below the calling thread in the scheduler (../host/jobThreadPriority.ts):
   * in the service host, whose thread answers other calls and writes the index meanwhile; not in
   * the CLI, where the scan is the whole job.
   */
  lowerWorkerPriority?: boolean;
  /**
   * Runs each write to the index (default: at once). The service host passes its session's `write`
   * (api/studySession.ts): in order with its other writes, after a worker job holding the study's
   * write lock has committed — waiting asynchronously, not inside SQLite's busy handler, which would
   * stop its thread.
   */
  write?: (change: () => void) => Promise<void>;
}

export interface FileResult {
  path: string;
  outcome: FileOutcome;
}

export class ScanCancelled extends Error {
  constructor() {
    super('DICOM scan cancelled');
    this.name = 'ScanCancelled';
  }
}

function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new ScanCancelled();
}

/**
 * Every regular file under dir (symlinks to files included; directory symlinks are not followed,
 * so links cannot loop), sorted for stable output. Synchronous readdir is several times faster
 * than the promise API here; the loop yields every 100 directories so cancel and UI events run.
 */
export async function listFiles(dir: string, signal?: AbortSignal): Promise<string[]> {
  const out: string[] = [];
  const stack = [dir];
  let visited = 0;
  while (stack.length) {
    if (++visited % 100 === 0) {
      await new Promise((r) => setImmediate(r));
      throwIfAborted(signal);
    }
    const current = stack.pop() as string;
    for (const e of readdirSync(current, { withFileTypes: true })) {
      const p = join(current, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (e.isFile() || e.isSymbolicLink()) out.push(p);
    }
  }
  throwIfAborted(signal);
  return out.sort();
}

const IN_FLIGHT = 4;

// Idle workers kept between scans so a second scan does not pay the start-up again. They are
// unref'd while idle (never keeping the process alive) and ref'd while a scan uses them.
// A worker's priority is set once, when it starts: lowered and normal ones are kept apart.
const idleWorkers: Worker[] = [];
const deadWorkers = new WeakSet<Worker>();
const loweredWorkers = new WeakSet<Worker>();

async function takeWorkers(count: number, lowered: boolean): Promise<Worker[]> {
  const script = await scanWorkerScript();
  const taken: Worker[] = [];
  for (let i = 0; i < idleWorkers.length && taken.length < count; ) {
    const w = idleWorkers[i];
    if (loweredWorkers.has(w) !== lowered) i++;
    else {
      idleWorkers.splice(i, 1);
      if (!deadWorkers.has(w)) taken.push(w);
    }
  }
  while (taken.length < count) {
    const w = newWorker(script, { workerData: { lowerPriority: lowered } satisfies ScanWorkerData });
    if (lowered) loweredWorkers.add(w);
    w.once('exit', () => deadWorkers.add(w));
    taken.push(w);
  }
  for (const w of taken) w.ref();
  return taken;
}

/** What a scan worker (./scanWorker.ts) is started with. */
export interface ScanWorkerData {
  lowerPriority: boolean;
}

function releaseWorkers(workers: Worker[], reusable: boolean): void {
  for (const w of workers) {
    w.removeAllListeners('message');
    w.removeAllListeners('error');
    w.removeAllListeners('exit');
    w.once('exit', () => deadWorkers.add(w));
    if (reusable && !deadWorkers.has(w) && idleWorkers.length < 8) {
      w.unref();
      idleWorkers.push(w);
    } else void w.terminate();
  }
}

export function defaultWorkerCount(): number {
  // The main thread only indexes (~25 µs per file), so one worker per core keeps the cores busy.
  return Math.max(1, Math.min(4, availableParallelism()));
}

/**
 * Parses every file's header. `onBatch` receives consecutive batches in file order (so a consumer
 * can write them to the index as they arrive and memory stays flat); the next batch waits until
 * the promise it may return settles (a writer waiting for the study's write lock).
 */
export async function scanFiles(
  files: readonly string[],
  onBatch: (results: FileResult[]) => void | Promise<void>,
  options: ScanOptions = {},
): Promise<void> {
  const { signal, onProgress } = options;
  const total = files.length;
  const batchSize = options.batchSize ?? 64;
  // Small folders do not pay for more workers than they can keep busy (one per ~1,000 files).
  const workerCount = Math.min(options.workers ?? Math.min(defaultWorkerCount(), Math.ceil(total / 1000)), Math.ceil(total / batchSize));
  throwIfAborted(signal);
  onProgress?.({ phase: 'reading', done: 0, total });
  if (workerCount <= 0) {
    for (let start = 0; start < total; start += batchSize) {
      throwIfAborted(signal);
      const paths = files.slice(start, start + batchSize);
      await onBatch(paths.map((path) => ({ path, outcome: readDicomFile(path) })));
      onProgress?.({ phase: 'reading', done: Math.min(total, start + batchSize), total });
      // Yield so a cancel from the same thread (UI event, timer) can be seen.
      await new Promise((r) => setImmediate(r));
    }
    return;
  }

  const workers = await takeWorkers(workerCount, options.lowerWorkerPriority === true);
  const batchCount = Math.ceil(total / batchSize);
  const pending = new Map<number, FileOutcome[]>();
  let nextToSend = 0;
  let nextToDeliver = 0;
  let done = 0;
  await new Promise<void>((resolve, reject) => {
    let finished = false;
    const finish = (error?: unknown) => {
      if (finished) return;
      finished = true;
      signal?.removeEventListener('abort', onAbort);
      // After success every batch has come back, so the workers are idle and can be reused;
      // otherwise they may still be busy with this scan's files and are stopped.
      releaseWorkers(workers, !error);
      if (error) reject(error);
      else resolve();
    };
    if (signal?.aborted) {
      finish(new ScanCancelled());
      return;
    }
    const onAbort = () => finish(new ScanCancelled());
    signal?.addEventListener('abort', onAbort, { once: true });
    // Batches parsed but not yet delivered are bounded: a worker whose batch came back while the
    // consumer lags waits in `owed` for its next one (memory stays flat whatever the disk's speed).
    const maxAhead = workers.length * IN_FLIGHT * 2;
    const owed: Worker[] = [];
    const send = (w: Worker) => {
      if (nextToSend >= batchCount) return;
      if (nextToSend - nextToDeliver >= maxAhead) {
        owed.push(w);
        return;
      }
      const batch = nextToSend++;
      w.postMessage({ batch, paths: files.slice(batch * batchSize, (batch + 1) * batchSize) });
    };
    // One batch per turn of the event loop: the consumer writes the index on this thread, and in
    // the service host that thread must answer other calls between two writes. A worker's replies
    // arrive several at once (one MessagePort drain), which delivered in one go held the host's
    // thread for up to ~100 ms (test/bench/dicomHost.bench.ts).
    // `busy` from the moment a delivery is scheduled until its onBatch has settled (it may wait).
    let busy = false;
    const deliverNext = async () => {
      const outcomes = pending.get(nextToDeliver);
      if (finished || !outcomes) {
        busy = false;
        return;
      }
      pending.delete(nextToDeliver);
      const offset = nextToDeliver * batchSize;
      try {
        await onBatch(outcomes.map((outcome, k) => ({ path: files[offset + k], outcome })));
      } catch (error) {
        finish(error);
        return;
      }
      busy = false;
      if (finished) return;
      done += outcomes.length;
      nextToDeliver++;
      onProgress?.({ phase: 'reading', done, total });
      while (owed.length && nextToSend < batchCount && nextToSend - nextToDeliver < maxAhead) send(owed.shift() as Worker);
      if (nextToDeliver >= batchCount) finish();
      else if (pending.has(nextToDeliver)) schedule();
    };
    const schedule = () => {
      if (busy) return;
      busy = true;
      setImmediate(() => void deliverNext());
    };
    for (const w of workers) {
      w.on('message', (message: { batch: number; outcomes: FileOutcome[] }) => {
        if (finished) return;
        pending.set(message.batch, message.outcomes);
        send(w);
        if (message.batch === nextToDeliver) schedule();
      });
      w.on('error', (error) => finish(error));
      w.on('exit', (code) => {
        if (!finished && code !== 0) finish(new Error(`DICOM scan worker exited with code ${code}`));
      });
      // Several batches in flight per worker keep it busy while the main thread indexes (or is
      // descheduled on a loaded machine); memory stays bounded by maxAhead × batchSize outcomes.
      for (let k = 0; k < IN_FLIGHT; k++) send(w);
    }
    if (batchCount === 0) finish();
  });
}
