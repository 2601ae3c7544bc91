// The re-identification list (issue 11 item 5): `rtcw study reid-list FILE --dir DICOMDIR --out
// LIST.csv` and File → Re-identification list…. The site's own DICOM folder is re-read (headers
// only, nothing indexed), each Patient ID is hashed with the study key exactly as the import hashes
// it (identity/patientLink.ts) and matched to the study's patients; the list pseudonym ↔ hospital
// ID is written to a file readable by its owner only (0600), for the site's chart review.
// Nothing of it is stored in the study: the study is only read.
import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { ApiError } from '../../../shared/api/contract';
// The app's one CSV field writer: RFC 4180 quoting plus the CSV-injection guard (issue 12).
import { csvField } from '../../../shared/domain/csvField';
import type { ReidListResult } from '../../../shared/api/study';
import { listFiles, scanFiles, type ScanOptions } from '../dicom/folderScan';
import { findPatientByHospitalId } from './patientLink';
import { assertIdentifiedImportAllowed } from './sharedCopy';


export const REID_LIST_HEADER = ['pseudonym', 'issuer', 'hospital_id'] as const;


export async function writeReidList(
  db: Database.Database,
  /** The study key; asked for after the shared-copy check (a shared copy has none). */
  studyKey: () => Buffer,
  dir: string,
  outPath: string,
  options: Pick<ScanOptions, 'signal' | 'onProgress'> = {},
): Promise<ReidListResult> {
  assertIdentifiedImportAllowed(db, 'A re-identification list');
  const info = fs.statSync(dir, { throwIfNoEntry: false });
  if (!info?.isDirectory()) throw new ApiError('INVALID_INPUT', `folder not found: ${dir}`);
  const target = path.resolve(outPath);
  if (fs.existsSync(target)) throw new ApiError('ALREADY_EXISTS', `A file named ${path.basename(target)} already exists; choose a new name for the list.`);
  const key = studyKey();

  const ids = new Map<string, { issuer: string; id: string }>();
  const files = await listFiles(dir, options.signal);
  await scanFiles(
    files,
    (batch) => {
      for (const r of batch) {
        if (r.outcome.kind !== 'dicom') continue;
        const { issuerOfPatientId: issuer, patientId: id } = r.outcome.header;
        if (id) ids.set(`${issuer}\u001f${id}`, { issuer, id });
      }
    },
    options,
  );

  const rows: { pseudonym: string; issuer: string; id: string }[] = [];
  const pseudonymOf = db.prepare('SELECT pseudonym FROM patients WHERE id = ?');
  const found = new Set<number>();
  for (const { issuer, id } of ids.values()) {
    const patientId = findPatientByHospitalId(db, key, issuer, id);
    if (patientId === null) continue;
    found.add(patientId);
    rows.push({ pseudonym: (pseudonymOf.get(patientId) as { pseudonym: string }).pseudonym, issuer, id });
  }
  rows.sort((a, b) => (a.pseudonym < b.pseudonym ? -1 : a.pseudonym > b.pseudonym ? 1 : 0));
  const text = [REID_LIST_HEADER.join(','), ...rows.map((r) => [r.pseudonym, r.issuer, r.id].map((v) => csvField(v)).join(','))].join('\n') + '\n';
  // 'wx': never over an existing file; 0o600: the list identifies patients.
  fs.writeFileSync(target, text, { flag: 'wx', mode: 0o600 });
  const studyPatients = (db.prepare('SELECT count(*) AS n FROM patients').get() as { n: number }).n;
  return { path: target, listed: rows.length, notInStudy: ids.size - rows.length, studyPatientsNotFound: studyPatients - found.size };
}
