// Linking identified data to the study's patients without keeping any identifier (issue 11).
//
// A hospital patient ID (MRN) never enters the study file. What the study keeps is a keyed hash
// of it — HMAC-SHA-256 under the study key (./studyKey.ts, kept outside the file) — in
// `patient_hospital_id` (cohort patient → hash; migration 0006-deidentify-study.ts). The DICOM
// import stores the same hash for every patient it commits (and the DICOM index keeps it in
// `dicom_patient.id_hash` to recognise the patient on re-scan); a spreadsheet keyed by MRN hashes
// its IDs the same way and finds the patients with findPatientByHospitalId. Without the key the
// hashes cannot be recomputed from a list of MRNs (unlike a plain hash, which a dictionary of all
// 8-digit MRNs reverses in seconds).
import { createHmac } from 'node:crypto';
import type Database from 'better-sqlite3';

/** Domain label: the same key also makes pseudonyms and file fingerprints; the label keeps them apart. */
const HOSPITAL_ID_LABEL = 'rtcw/hospital-id/v1';

/**
 * The normalisation both sides (DICOM import, spreadsheets) apply before hashing:
 * Unicode NFC, surrounding whitespace removed (DICOM LO values are space-padded; spreadsheet cells
 * often carry stray blanks), upper case (the same MRN typed "ab123" in a sheet and "AB123" in the
 * PACS must match). Leading zeros are KEPT: "00123" and "123" are different IDs in most hospitals —
 * a sheet whose IDs lost their zeros (Excel number cells) must be fixed by its importer, not here.
 */
export function normaliseHospitalId(value: string): string {
  return value.normalize('NFC').trim().toUpperCase();
}

/**
 * HMAC-SHA-256(key, "rtcw/hospital-id/v1" ␟ normalised issuer ␟ normalised ID), 64 hex digits.
 * `issuer` is the Issuer of Patient ID (0010,0021), '' when unknown (spreadsheets without an issuer
 * constant match DICOM patients whose export has no issuer).
 */
export function hospitalIdHash(key: Buffer, issuer: string, sourcePatientId: string): string {
  return createHmac('sha256', key)
    .update(`${HOSPITAL_ID_LABEL}\u001f${normaliseHospitalId(issuer)}\u001f${normaliseHospitalId(sourcePatientId)}`, 'utf8')
    .digest('hex');
}

/** The cohort patient (patients.id) with this hospital ID, or null. */
export function findPatientByHospitalId(db: Database.Database, key: Buffer, issuer: string, id: string): number | null {
  const row = db.prepare('SELECT patient_id AS patientId FROM patient_hospital_id WHERE id_hash = ?').get(hospitalIdHash(key, issuer, id)) as
    | { patientId: number }
    | undefined;
  return row?.patientId ?? null;
}

/**
 * Records that cohort patient `patientId` has the hospital ID hashed as `idHash` (idempotent). A
 * hash already linked to ANOTHER patient is a conflict the caller must report (returns false).
 */
export function linkHospitalIdHash(db: Database.Database, patientId: number, idHash: string): boolean {
  const existing = db.prepare('SELECT patient_id AS patientId FROM patient_hospital_id WHERE id_hash = ?').get(idHash) as
    | { patientId: number }
    | undefined;
  if (existing) return existing.patientId === patientId;
  db.prepare('INSERT INTO patient_hospital_id (id_hash, patient_id) VALUES (?, ?)').run(idHash, patientId);
  return true;
}

/** Convenience: hash and link in one call. */
export function linkHospitalId(db: Database.Database, key: Buffer, patientId: number, issuer: string, id: string): boolean {
  return linkHospitalIdHash(db, patientId, hospitalIdHash(key, issuer, id));
}
