// Recursive header scan of a folder: lists every file (any name, any depth), parses headers in
// worker threads (node:worker_threads, off the main/UI thread) and hands outcomes to the caller in
// batches, in file order. Progress reports files done/total and the phase; an AbortSignal cancels
// (workers are terminated at once).
import { availableParallelism } from 'node:os';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { readDicomFile } from './headerParser';
import { scanWorkerSource } from './workerScript';
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
  /** Worker threads; 0 parses on the calling thread. Default: cores − 1, 1…4. */
  workers?: number;
  /** Files per message to a worker. */
  batchSize?: number;
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

/** Every regular file under dir (symlinks to files included), sorted for stable output. */
export async function listFiles(dir: string, signal?: AbortSignal): Promise<string[]> {
  const out: string[] = [];
  const stack = [dir];
  while (stack.length) {
    throwIfAborted(signal);
    const current = stack.pop() as string;
    const entries = await readdir(current, { withFileTypes: true });
    for (const e of entries) {
      const p = join(current, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (e.isFile() || e.isSymbolicLink()) out.push(p);
    }
  }
  return out.sort();
}

export function defaultWorkerCount(): number {
  // The main thread only indexes (~25 µs per file), so one worker per core keeps the cores busy.
  return Math.max(1, Math.min(4, availableParallelism()));
}

/**
 * Parses every file's header. `onBatch` receives consecutive batches in file order (so a consumer
 * can write them to the index as they arrive and memory stays flat).
 */
export async function scanFiles(
  files: readonly string[],
  onBatch: (results: FileResult[]) => void,
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
      onBatch(paths.map((path) => ({ path, outcome: readDicomFile(path) })));
      onProgress?.({ phase: 'reading', done: Math.min(total, start + batchSize), total });
      // Yield so a cancel from the same thread (UI event, timer) can be seen.
      await new Promise((r) => setImmediate(r));
    }
    return;
  }

  const source = await scanWorkerSource();
  throwIfAborted(signal);
  const batchCount = Math.ceil(total / batchSize);
  const workers: Worker[] = [];
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
      for (const w of workers) void w.terminate();
      if (error) reject(error);
      else resolve();
    };
    const onAbort = () => finish(new ScanCancelled());
    signal?.addEventListener('abort', onAbort, { once: true });
    const send = (w: Worker) => {
      if (nextToSend >= batchCount) return;
      const batch = nextToSend++;
      w.postMessage({ batch, paths: files.slice(batch * batchSize, (batch + 1) * batchSize) });
    };
    for (let i = 0; i < workerCount; i++) {
      const w = new Worker(source, { eval: true });
      workers.push(w);
      w.on('message', (message: { batch: number; outcomes: FileOutcome[] }) => {
        if (finished) return;
        pending.set(message.batch, message.outcomes);
        send(w);
        try {
          while (pending.has(nextToDeliver)) {
            const outcomes = pending.get(nextToDeliver) as FileOutcome[];
            pending.delete(nextToDeliver);
            const offset = nextToDeliver * batchSize;
            onBatch(outcomes.map((outcome, k) => ({ path: files[offset + k], outcome })));
            done += outcomes.length;
            nextToDeliver++;
            onProgress?.({ phase: 'reading', done, total });
          }
        } catch (error) {
          finish(error);
          return;
        }
        if (nextToDeliver >= batchCount) finish();
      });
      w.on('error', (error) => finish(error));
      w.on('exit', (code) => {
        if (!finished && code !== 0) finish(new Error(`DICOM scan worker exited with code ${code}`));
      });
      // Two batches in flight per worker keep it busy while the main thread indexes.
      send(w);
      send(w);
    }
    if (batchCount === 0) finish();
  });
}
