// One DICOM scan end to end: list the folder, parse headers in workers, write the index, derive
// proposals. Used by the CLI (`dicom-scan`, `study import-dicom`) and the API handlers.
import { statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import type Database from 'better-sqlite3';
import type { DicomScanResult } from '../../../shared/api/dicom';
import { assertIdentifiedImportAllowed } from '../identity/sharedCopy';
import { IndexWriter, openScratchIndex, readIndex, recordAgesAtFirstRt, rememberScanned, scratchKey } from './dicomIndex';
import { listFiles, scanFiles, type ScanOptions } from './folderScan';
import { ageAtFirstRt, deriveProposals, firstReferenceDates, type DeriveOptions } from './rtDerivation';

export class ScanInputError extends Error {}

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
  const known = writer.knownFiles();
  for (const file of files) {
    const st = known.size ? statSync(file, { throwIfNoEntry: false }) : undefined;
    const k = st ? known.get(writer.fingerprint(file, st.size, st.mtimeMs)) : undefined;
    if (k && writer.reuse(file, k)) continue;
    toParse.push(file);
  }
  const reused = files.length - toParse.length;
  await scanFiles(toParse, (batch) => writer.add(batch), {
    ...options,
    onProgress: options.onProgress && ((p) => options.onProgress?.({ ...p, done: p.done + reused, total: files.length })),
  });
  writer.flush();
  writer.counts.skipped.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { counts: writer.counts, scanned: writer.scanned };
}

export async function scanIntoIndex(
  db: Database.Database,
  dir: string,
  key: Buffer,
  options: ScanOptions & DeriveOptions = {},
): Promise<DicomScanResult> {
  assertIdentifiedImportAllowed(db, 'DICOM import');
  const { counts, scanned } = await indexFolder(db, dir, key, options);
  options.onProgress?.({ phase: 'deriving', done: counts.total, total: counts.total });
  rememberScanned(db, scanned);
  const index = readIndex(db);
  const { patients, lesions } = deriveProposals(index, options);
  // The ages this scan could compute from birth dates are kept; the birth dates are not.
  const firstRt = firstReferenceDates(lesions);
  const ages = index.patients.flatMap((p) => {
    const referenceDate = firstRt.get(p.pseudonym);
    const age = p.birthDate && referenceDate ? ageAtFirstRt(p, referenceDate) : null;
    return age !== null && referenceDate ? [{ indexPatientId: p.id, ageAtFirstRt: age, referenceDate }] : [];
  });
  recordAgesAtFirstRt(db, ages);
  const { total, dicom, duplicates, skipped, newInstances, reused } = counts;
  return { files: { total, dicom, duplicates, skipped }, newInstances, reusedFiles: reused, patients, lesions };
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
