// Migration 6: no direct identifier in the study file; the key moves out (issue 11 items 1 and 2).
//
// Before (migrations 1–3): dicom_source_identity kept every patient's PatientID, issuer and birth
// date; dicom_source_file every scanned path; dicom_pseudonym_key the HMAC secret of the
// pseudonyms (so the file plus a list of MRNs gave back every identity); rt_content kept treatment
// machine names and plan descriptions.
// After:
// - The secret is the study key, saved in the workstation's key store (context.keyStore, outside
//   the file; electron/services/identity/studyKey.ts). The study keeps only a uid naming it and a
//   key check value. The uid of a migrated study is derived from its secret (HMAC of a label), so a
//   backup copy of the same study migrates to the same uid and key (see studyFile.ts, backups).
// - Patients: `dicom_patient.id_hash` = hospitalIdHash(key, issuer, PatientID)
//   (identity/patientLink.ts), and `patient_hospital_id` maps cohort patients to the same hash
//   (filled here for patients committed from DICOM, later by the DICOM commit and MRN-keyed sheets).
// - Age at first RT: computed here from the birth date and the first RT reference date (the rule
//   of rtDerivation.ts) and kept as `dicom_patient.age_at_first_rt` + `age_reference_date`; the
//   birth date is dropped.
// - Files: `dicom_file_seen.file_hash` = HMAC(key, path ␟ size ␟ mtime) replaces the path (a
//   re-scan recognises an unchanged file by recomputing it; folder names are often IDs and dates).
// - rt_content: cleaned by identity/rtContentPolicy.ts (machine names, plan descriptions dropped;
//   the patient's ID and birth date removed from descriptors). rt_courses.machine values that were a
//   Treatment Machine Name (not a model) are cleared, in the cohort and in its audit entries.
// The caller (studyFile.ts) VACUUMs after the transaction and rewrites older .bak copies.
import { createHmac } from 'node:crypto';
import type Database from 'better-sqlite3';
import { hospitalIdHash } from '../../identity/patientLink';
import { keptRtContent, type RtContent } from '../../identity/rtContentPolicy';
import { fileFingerprint } from '../../identity/fileFingerprint';
import { defaultKeyStore, keyCheckValue, newStudyUid, type StudyKeyStore } from '../../identity/studyKey';
import { completedYears } from '../../dicom/rtDerivation';
import type { MigrationContext } from './index';

const ISO = /^\d{4}-\d{2}-\d{2}$/;

export const deidentifiedIndexSql = `
ALTER TABLE study_settings ADD COLUMN study_uid TEXT CHECK (study_uid IS NULL OR study_uid GLOB '[0-9a-f]*');
ALTER TABLE study_settings ADD COLUMN study_key_check TEXT;

-- Cohort patient ↔ keyed hash of a hospital ID (identity/patientLink.ts). A patient may have several.
CREATE TABLE patient_hospital_id (
  id_hash TEXT PRIMARY KEY CHECK (length(id_hash) = 64),
  patient_id INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE
);
CREATE INDEX patient_hospital_id_patient ON patient_hospital_id(patient_id);

ALTER TABLE dicom_patient ADD COLUMN id_hash TEXT CHECK (id_hash IS NULL OR length(id_hash) = 64);
ALTER TABLE dicom_patient ADD COLUMN age_at_first_rt INTEGER;
ALTER TABLE dicom_patient ADD COLUMN age_reference_date TEXT;
CREATE UNIQUE INDEX dicom_patient_id_hash ON dicom_patient(id_hash);

-- Files seen by scans, by keyed fingerprint of path + size + mtime (no path). instance_id is NULL
-- for skipped files.
CREATE TABLE dicom_file_seen (
  file_hash TEXT PRIMARY KEY CHECK (length(file_hash) = 64),
  instance_id INTEGER REFERENCES dicom_instance(id) ON DELETE SET NULL,
  skipped_reason TEXT,
  -- A skipped file's patient (index row, never the identifier) and SOP class/instance, as far as
  -- they could be read (migration 5; rtDerivation.ts flags that patient's proposals).
  skipped_patient_id INTEGER REFERENCES dicom_patient(id) ON DELETE SET NULL,
  skipped_sop_class_uid TEXT,
  skipped_sop_instance_uid TEXT,
  scanned_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX dicom_file_seen_instance ON dicom_file_seen(instance_id);
`;

/** The uid of a study migrated with an existing secret: stable for every copy of that study. */
export function migratedStudyUid(secret: Buffer): string {
  return createHmac('sha256', secret).update('rtcw/study-uid/v1', 'utf8').digest('hex').slice(0, 32);
}

interface Identity {
  patientId: number;
  sourcePatientId: string;
  issuer: string;
  birthDate: string | null;
}

export function up(db: Database.Database, context: MigrationContext = {}): void {
  db.exec(deidentifiedIndexSql);
  const secretRow = db.prepare('SELECT secret FROM dicom_pseudonym_key WHERE id = 1').get() as { secret: Buffer } | undefined;
  const secret = secretRow?.secret ?? null;
  const uid = secret ? migratedStudyUid(secret) : newStudyUid();
  db.prepare('UPDATE study_settings SET study_uid = ? WHERE id = 1').run(uid);
  if (secret) {
    // Saved before the transaction commits: a failure after this leaves an unused key, never a
    // study whose keyed values have lost their key.
    const store: StudyKeyStore = context.keyStore ?? defaultKeyStore();
    store.put(uid, secret);
    db.prepare('UPDATE study_settings SET study_key_check = ? WHERE id = 1').run(keyCheckValue(secret));
  }
  const identities = db
    .prepare('SELECT patient_id AS patientId, source_patient_id AS sourcePatientId, issuer, birth_date AS birthDate FROM dicom_source_identity')
    .all() as Identity[];
  const byPatient = new Map(identities.map((i) => [i.patientId, i]));
  if (secret) {
    hashPatients(db, secret, identities);
    hashFiles(db, secret);
  }
  cleanRtContent(db, byPatient);
  linkCohortPatients(db);
  db.exec(`
DROP TABLE dicom_source_file;
DROP TABLE dicom_source_identity;
DROP TABLE dicom_pseudonym_key;
`);
}

function hashPatients(db: Database.Database, secret: Buffer, identities: Identity[]): void {
  const firstRt = firstReferenceDates(db);
  const update = db.prepare('UPDATE dicom_patient SET id_hash = ?, age_at_first_rt = ?, age_reference_date = ? WHERE id = ?');
  for (const i of identities) {
    const hash = i.sourcePatientId ? hospitalIdHash(secret, i.issuer, i.sourcePatientId) : null;
    const ref = firstRt.get(i.patientId) ?? null;
    const age = ref && i.birthDate && ISO.test(i.birthDate) ? completedYears(i.birthDate, ref) : null;
    update.run(hash, age, age === null ? null : ref, i.patientId);
  }
}

/**
 * First RT reference date per index patient, by rtDerivation.ts's rule: a plan's reference date is
 * its first treatment record date, else its plan date (else the study date); records of a plan not
 * in the index count with their own first date.
 */
function firstReferenceDates(db: Database.Database): Map<number, string> {
  const rows = db
    .prepare(
      `SELECT st.patient_id AS patientId, ins.sop_instance_uid AS uid, st.study_date AS studyDate, ins.rt_content AS content
       FROM dicom_instance ins JOIN dicom_series se ON se.id = ins.series_id JOIN dicom_study st ON st.id = se.study_id
       WHERE ins.rt_content IS NOT NULL`,
    )
    .all() as Array<{ patientId: number; uid: string; studyDate: string | null; content: string }>;
  const plans = new Map<string, { patientId: number; date: string | null }>();
  const records = new Map<string, { patientId: number; first: string | null }>();
  for (const r of rows) {
    const c = JSON.parse(r.content) as RtContent;
    if (c.plan) plans.set(r.uid, { patientId: r.patientId, date: c.plan.date ?? r.studyDate });
    const t = c.treatmentRecord;
    if (t?.planUid) {
      const seen = records.get(t.planUid) ?? { patientId: r.patientId, first: null };
      if (t.date && ISO.test(t.date) && (seen.first === null || t.date < seen.first)) seen.first = t.date;
      records.set(t.planUid, seen);
    }
  }
  const first = new Map<number, string>();
  const consider = (patientId: number, date: string | null) => {
    if (!date || !ISO.test(date)) return;
    const current = first.get(patientId);
    if (!current || date < current) first.set(patientId, date);
  };
  for (const [uid, p] of plans) consider(p.patientId, records.get(uid)?.first ?? p.date);
  for (const [uid, r] of records) if (!plans.has(uid)) consider(r.patientId, r.first);
  return first;
}

function hashFiles(db: Database.Database, secret: Buffer): void {
  const files = db
    .prepare(
      `SELECT path, size, mtime_ms AS mtimeMs, instance_id AS instanceId, skipped_reason AS reason, scanned_at AS at,
              skipped_patient_id AS skippedPatientId, skipped_sop_class_uid AS skippedClass, skipped_sop_instance_uid AS skippedUid
       FROM dicom_source_file`,
    )
    .all() as Array<{
    path: string;
    size: number;
    mtimeMs: number;
    instanceId: number | null;
    reason: string | null;
    at: string;
    skippedPatientId: number | null;
    skippedClass: string | null;
    skippedUid: string | null;
  }>;
  const insert = db.prepare(
    `INSERT OR REPLACE INTO dicom_file_seen (file_hash, instance_id, skipped_reason, scanned_at, skipped_patient_id, skipped_sop_class_uid, skipped_sop_instance_uid)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const f of files) {
    const reason = f.reason === null ? null : f.reason.split(f.path).join('<file>');
    insert.run(fileFingerprint(secret, f.path, f.size, f.mtimeMs), f.instanceId, reason, f.at, f.skippedPatientId, f.skippedClass, f.skippedUid);
  }
}

function cleanRtContent(db: Database.Database, byPatient: Map<number, Identity>): void {
  const rows = db
    .prepare(
      `SELECT ins.id, st.patient_id AS patientId, ins.rt_content AS content
       FROM dicom_instance ins JOIN dicom_series se ON se.id = ins.series_id JOIN dicom_study st ON st.id = se.study_id
       WHERE ins.rt_content IS NOT NULL`,
    )
    .all() as Array<{ id: number; patientId: number; content: string }>;
  const update = db.prepare('UPDATE dicom_instance SET rt_content = ? WHERE id = ?');
  const machineNames = new Set<string>();
  const models = new Set<string>();
  for (const r of rows) {
    const content = JSON.parse(r.content) as RtContent;
    for (const b of content.plan?.beams ?? []) {
      if (b.machineName) machineNames.add(b.machineName);
      if (b.model) models.add(b.model);
    }
    if (content.treatmentRecord?.machineName) machineNames.add(content.treatmentRecord.machineName);
    if (content.treatmentRecord?.model) models.add(content.treatmentRecord.model);
    const identity = byPatient.get(r.patientId);
    const kept = keptRtContent(content, { patientId: identity?.sourcePatientId ?? '', patientName: '', birthDate: identity?.birthDate ?? null });
    update.run(kept ? JSON.stringify(kept) : null, r.id);
  }
  // Courses whose machine came from a Treatment Machine Name (the plan had no model name).
  const stationOnly = [...machineNames].filter((name) => !models.has(name));
  if (stationOnly.length === 0) return;
  const courses = db
    .prepare(`SELECT id FROM rt_courses WHERE machine IN (${stationOnly.map(() => '?').join(',')})`)
    .all(...stationOnly) as Array<{ id: number }>;
  const clearCourse = db.prepare('UPDATE rt_courses SET machine = NULL WHERE id = ?');
  const clearAudit = db.prepare(
    `UPDATE audit_log SET
       before_json = CASE WHEN json_valid(before_json) AND json_extract(before_json, '$.machine') IS NOT NULL THEN json_set(before_json, '$.machine', NULL) ELSE before_json END,
       after_json = CASE WHEN json_valid(after_json) AND json_extract(after_json, '$.machine') IS NOT NULL THEN json_set(after_json, '$.machine', NULL) ELSE after_json END
     WHERE entity IN ('rtCourse', 'rt_courses') AND entity_id = ?`,
  );
  for (const c of courses) {
    clearCourse.run(c.id);
    clearAudit.run(c.id);
  }
}

/** Cohort patients committed from DICOM (same pseudonym) get their hospital-ID hash link. */
function linkCohortPatients(db: Database.Database): void {
  db.exec(`
INSERT OR IGNORE INTO patient_hospital_id (id_hash, patient_id)
SELECT dp.id_hash, p.id FROM dicom_patient dp JOIN patients p ON p.pseudonym = dp.pseudonym WHERE dp.id_hash IS NOT NULL;
`);
}
