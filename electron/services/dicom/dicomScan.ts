// One DICOM scan end to end: list the folder, parse headers in workers, write the index, derive
// proposals. Used by the CLI (`dicom-scan`, `study import-dicom`) and the API handlers.
import { stat } from 'node:fs/promises';
import type Database from 'better-sqlite3';
import type { DicomScanResult } from '../../../shared/api/dicom';
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
  await scanFiles(files, (batch) => writer.add(batch), options);
  writer.flush();
  return writer.counts;
}

export async function scanIntoIndex(
  db: Database.Database,
  dir: string,
  options: ScanOptions & DeriveOptions = {},
): Promise<DicomScanResult> {
  const counts = await indexFolder(db, dir, options);
  options.onProgress?.({ phase: 'deriving', done: counts.total, total: counts.total });
  const { patients, lesions } = deriveProposals(readIndex(db), options);
  const { newInstances, ...files } = counts;
  return { files, newInstances, patients, lesions };
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
