// Migration 2: the DICOM index (patient/study/series/instance/file), as 3D Slicer's DICOM database
// and Orthanc keep one, so re-scanning a folder adds nothing and a new folder adds only what is new
// (idempotent by SOPInstanceUID).
//
// De-identification (product.md §2): the index tables hold pseudonyms, UIDs, dates and RT content
// only. Everything identifying that re-scanning and pseudonymisation need — source patient id,
// issuer, birth date (for age at first RT), file paths; names are never stored — lives in the `dicom_source_*` tables, which no export,
// dataset or report reads. The HMAC secret of the pseudonyms is in `dicom_pseudonym_key`, outside
// the cohort tables.
//
// Superseded by migration 6 (0006-deidentify-study.ts, issue 11): the dicom_source_* tables and the
// in-file key are gone; patients and files are found by keyed hashes, the key lives outside the study.
import type Database from 'better-sqlite3';

export const dicomIndexSql = `
CREATE TABLE dicom_pseudonym_key (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  secret BLOB NOT NULL CHECK (length(secret) >= 32)
);

CREATE TABLE dicom_patient (
  id INTEGER PRIMARY KEY,
  pseudonym TEXT NOT NULL UNIQUE,
  sex TEXT
);

CREATE TABLE dicom_study (
  id INTEGER PRIMARY KEY,
  patient_id INTEGER NOT NULL REFERENCES dicom_patient(id) ON DELETE CASCADE,
  study_instance_uid TEXT NOT NULL UNIQUE,
  study_date TEXT
);
CREATE INDEX dicom_study_patient ON dicom_study(patient_id);

CREATE TABLE dicom_series (
  id INTEGER PRIMARY KEY,
  study_id INTEGER NOT NULL REFERENCES dicom_study(id) ON DELETE CASCADE,
  series_instance_uid TEXT NOT NULL UNIQUE,
  modality TEXT NOT NULL,
  series_date TEXT,
  series_number INTEGER
);
CREATE INDEX dicom_series_study ON dicom_series(study_id);

CREATE TABLE dicom_instance (
  id INTEGER PRIMARY KEY,
  series_id INTEGER NOT NULL REFERENCES dicom_series(id) ON DELETE CASCADE,
  sop_instance_uid TEXT NOT NULL UNIQUE,
  sop_class_uid TEXT NOT NULL,
  transfer_syntax_uid TEXT,
  -- RT plan / structure set / treatment record content the derivation reads (JSON), else NULL
  rt_content TEXT,
  indexed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX dicom_instance_series ON dicom_instance(series_id);

-- Identifying, needed to recognise a patient again on re-scan and to derive age at first RT.
-- Never exported. Patient names are not kept at all: nothing needs them after the scan.
CREATE TABLE dicom_source_identity (
  patient_id INTEGER PRIMARY KEY REFERENCES dicom_patient(id) ON DELETE CASCADE,
  source_patient_id TEXT NOT NULL,
  issuer TEXT NOT NULL DEFAULT '',
  birth_date TEXT,
  UNIQUE (issuer, source_patient_id)
);

-- Files seen (paths are identifying). instance_id is NULL for skipped files.
CREATE TABLE dicom_source_file (
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL UNIQUE,
  size INTEGER NOT NULL,
  mtime_ms REAL NOT NULL,
  instance_id INTEGER REFERENCES dicom_instance(id) ON DELETE SET NULL,
  skipped_reason TEXT,
  scanned_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX dicom_source_file_instance ON dicom_source_file(instance_id);
`;

export function up(db: Database.Database): void {
  db.exec(dicomIndexSql);
}
