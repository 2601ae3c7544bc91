// One DICOM scan end to end: list the folder, parse headers in workers, write the index, derive
// proposals. Used by the CLI (`dicom-scan`, `study import-dicom`) and the API handlers.
import { statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import type Database from 'better-sqlite3';
import type { DicomScanResult } from '../../../shared/api/dicom';
import { assertIdentifiedImportAllowed } from '../identity/sharedCopy';
import {
  IndexWriter,
  openScratchIndex,
  readIndex,
  recordAgesAtFirstRt,
  rememberScanned,
  scratchKey,
  type ScanCounts,
} from './dicomIndex';
import { listFiles, ScanCancelled, scanFiles, type ScanOptions } from './folderScan';
import type { DeriveOptions, Derivation } from './rtDerivation';
import { deriveScan } from './studyDerivation';

export class ScanInputError extends Error {}

/** Files checked against the index (a stat each, ~10 µs) between two yields of the thread. */
const REUSE_CHECKS_PER_YIELD = 1000;

/** `key`: the study key (identity/studyKey.ts getOrCreateStudyKey), which the index's hashes use. */
export async function indexFolder(db: Database.Database, dir: string, key: Buffer, options: ScanOptions = {}) {
  const info = await stat(dir).catch(() => null);
  if (!info) throw new ScanInputError(`folder not found: ${dir}`);
  if (!info.isDirectory()) throw new ScanInputError(`not a folder: ${dir}`);
  options.onProgress?.({ phase: 'listing', done: 0, total: 0 });
  const files = await listFiles(dir, options.signal);
  const writer = new IndexWriter(db, key);
  // Files already indexed with the same path, size and mtime (same keyed fingerprint) are not
  // parsed again (fast re-scan). Their patients' clear values are then not in this scan's memory.
  const toParse: string[] = [];
  const known = await writer.knownFiles();
  for (const [i, file] of files.entries()) {
    // A re-scan stats every file here: yield now and then so the thread answers other calls.
    if (known.size && i % REUSE_CHECKS_PER_YIELD === REUSE_CHECKS_PER_YIELD - 1) {
      await new Promise((resolve) => setImmediate(resolve));
      if (options.signal?.aborted) throw new ScanCancelled();
    }
    const st = known.size ? statSync(file, { throwIfNoEntry: false }) : undefined;
    const k = st ? known.get(writer.fingerprint(file, st.size, st.mtimeMs)) : undefined;
    if (k && writer.reuse(file, k)) continue;
    toParse.push(file);
  }
  const reused = files.length - toParse.length;
  const write = options.write ?? (async (change: () => void) => change());
  await scanFiles(toParse, (batch) => write(() => writer.add(batch)), {
    ...options,
    onProgress: options.onProgress && ((p) => options.onProgress?.({ ...p, done: p.done + reused, total: files.length })),
  });
  await write(() => writer.flush());
  writer.counts.skipped.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { counts: writer.counts, scanned: writer.scanned };
}

/**
 * Indexes a folder into the study (one transaction per batch, ./dicomIndex.ts IndexWriter) and
 * keeps the clear values it read in the connection's memory (rememberScanned), for the derivation.
 */
export async function indexIntoStudy(db: Database.Database, dir: string, key: Buffer, options: ScanOptions = {}): Promise<ScanCounts> {
  assertIdentifiedImportAllowed(db, 'DICOM import');
  const { counts, scanned } = await indexFolder(db, dir, key, options);
  rememberScanned(db, scanned);
  return counts;
}

/** The API's answer to a scan: its file counts and the derivation's proposals. */
export function scanResult(counts: ScanCounts, derivation: Derivation): DicomScanResult {
  const { total, dicom, duplicates, skipped, newInstances, reused } = counts;
  return { files: { total, dicom, duplicates, skipped }, newInstances, reusedFiles: reused, patients: derivation.patients, lesions: derivation.lesions };
}

/** Scan, derive and keep the ages, all on the calling thread (the CLI; the service host derives in ./deriveJob.ts). */
export async function scanIntoIndex(
  db: Database.Database,
  dir: string,
  key: Buffer,
  options: ScanOptions & DeriveOptions = {},
): Promise<DicomScanResult> {
  const counts = await indexIntoStudy(db, dir, key, options);
  options.onProgress?.({ phase: 'deriving', done: counts.total, total: counts.total });
  const derivation = deriveScan(readIndex(db), options);
  recordAgesAtFirstRt(db, derivation.ages);
  return scanResult(counts, derivation);
}

/** `dicom-scan`: reads, never writes — the index lives in memory with a per-run random key. */
export async function scanFolderReadOnly(dir: string, options: ScanOptions & DeriveOptions = {}): Promise<DicomScanResult> {
  const db = openScratchIndex();
  try {
    return await scanIntoIndex(db, dir, scratchKey(), options);
  } finally {
    db.close();
  }
}
