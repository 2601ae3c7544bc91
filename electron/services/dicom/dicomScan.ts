// One DICOM scan end to end: list the folder, parse headers in workers, write the index, derive
// proposals. Used by the CLI (`dicom-scan`, `study import-dicom`) and the API handlers.
import { statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import type Database from 'better-sqlite3';
import type { DicomScanResult } from '../../../shared/api/dicom';
import { assertIdentifiedImportAllowed } from '../identity/sharedCopy';
import { IndexWriter, openScratchIndex, readIndex } from './dicomIndex';
import { listFiles, scanFiles, type ScanOptions } from './folderScan';
import { deriveProposals, type DeriveOptions } from './rtDerivation';

export class ScanInputError extends Error {}

export async function indexFolder(db: Database.Database, dir: string, options: ScanOptions = {}) {
  const info = await stat(dir).catch(() => null);
  if (!info) throw new ScanInputError(`folder not found: ${dir}`);
  if (!info.isDirectory()) throw new ScanInputError(`not a folder: ${dir}`);
  options.onProgress?.({ phase: 'listing', done: 0, total: 0 });
  const files = await listFiles(dir, options.signal);
  const writer = new IndexWriter(db);
  // Files already indexed with the same size and mtime are not parsed again (fast re-scan).
  const known = writer.knownFiles(dir);
  const toParse: string[] = [];
  for (const file of files) {
    const k = known.get(file);
    const st = k ? statSync(file, { throwIfNoEntry: false }) : undefined;
    if (k && st && st.size === k.size && st.mtimeMs === k.mtimeMs && writer.reuse(file, k)) continue;
    toParse.push(file);
  }
  const reused = files.length - toParse.length;
  await scanFiles(toParse, (batch) => writer.add(batch), {
    ...options,
    onProgress: options.onProgress && ((p) => options.onProgress?.({ ...p, done: p.done + reused, total: files.length })),
  });
  writer.flush();
  writer.counts.skipped.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return writer.counts;
}

export async function scanIntoIndex(
  db: Database.Database,
  dir: string,
  options: ScanOptions & DeriveOptions = {},
): Promise<DicomScanResult> {
  assertIdentifiedImportAllowed(db, 'DICOM import');
  const counts = await indexFolder(db, dir, options);
  options.onProgress?.({ phase: 'deriving', done: counts.total, total: counts.total });
  const { patients, lesions } = deriveProposals(readIndex(db), options);
  const { total, dicom, duplicates, skipped, newInstances, reused } = counts;
  return { files: { total, dicom, duplicates, skipped }, newInstances, reusedFiles: reused, patients, lesions };
}

/** `dicom-scan`: reads, never writes — the index lives in memory with a per-run random secret. */
export async function scanFolderReadOnly(dir: string, options: ScanOptions & DeriveOptions = {}): Promise<DicomScanResult> {
  const db = openScratchIndex();
  try {
    return await scanIntoIndex(db, dir, options);
  } finally {
    db.close();
  }
}
