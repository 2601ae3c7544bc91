// Migration 1: the cohort (product.md §1).
//
// Design notes (why, briefly):
// - Dates are ISO 'YYYY-MM-DD' TEXT so they sort and compare as strings in SQL and survive any tool.
// - Derived values (location, BED, EQD2, SBRT, SINS group, endpoints) are NOT stored: they are
//   computed by shared/domain rules from the stored facts, so they can never disagree with them.
// - No PHI columns: no names, MRNs, birth dates, accession numbers or file paths. A patient is a
//   pseudonym; `source_key` is an opaque stable key (e.g. a REDCap record id or an HMAC) that makes
//   re-import idempotent.
// - Every cohort row points at a provenance row (where it came from: DICOM set, spreadsheet,
//   manual entry, demo) plus a locator inside that source (e.g. "patients row 5").
// - Children cascade with their parent (deleting a patient deletes its lesions, courses, events…);
//   provenance rows are restricted (cannot be removed while rows still cite them).
import type Database from 'better-sqlite3';

const ISO_DATE = (col: string) =>
  `(${col} IS NULL OR (${col} GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]' AND date(${col}) = ${col}))`;
const BOOL = (col: string) => `(${col} IS NULL OR ${col} IN (0, 1))`;

export const cohortSchemaSql = `
CREATE TABLE study_settings (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  title TEXT NOT NULL DEFAULT 'Untitled study',
  synthetic INTEGER NOT NULL DEFAULT 0 CHECK (synthetic IN (0, 1)),
  alpha_beta_gy REAL NOT NULL DEFAULT 7 CHECK (alpha_beta_gy > 0),
  -- days added on both sides of [RT start, RT end] when deciding "concurrent" (0 = plain overlap)
  concurrency_window_days INTEGER NOT NULL DEFAULT 0 CHECK (concurrency_window_days >= 0),
  first_failure_window_days INTEGER NOT NULL DEFAULT 30 CHECK (first_failure_window_days >= 0),
  time_unit TEXT NOT NULL DEFAULT 'months' CHECK (time_unit IN ('days', 'weeks', 'months', 'years')),
  sbrt_min_dose_per_fraction_gy REAL NOT NULL DEFAULT 5 CHECK (sbrt_min_dose_per_fraction_gy > 0),
  sbrt_max_fractions INTEGER NOT NULL DEFAULT 5 CHECK (sbrt_max_fractions >= 1),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
INSERT INTO study_settings (id) VALUES (1);

CREATE TABLE provenance (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('dicom', 'spreadsheet', 'manual', 'demo')),
  -- file or set name WITHOUT directory (paths are PHI-adjacent), e.g. 'redcap-export.xlsx'
  label TEXT NOT NULL,
  -- content fingerprint of the source (sha256 hex) when it is a file; null for manual entry
  fingerprint TEXT,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  created_by TEXT NOT NULL
);

CREATE TABLE patients (
  id INTEGER PRIMARY KEY,
  pseudonym TEXT NOT NULL UNIQUE CHECK (length(pseudonym) BETWEEN 1 AND 64),
  sex TEXT CHECK (sex IS NULL OR sex IN ('M', 'F', 'O', 'U')),
  birth_year INTEGER CHECK (birth_year IS NULL OR birth_year BETWEEN 1880 AND 2200),
  age_at_first_rt REAL CHECK (age_at_first_rt IS NULL OR age_at_first_rt BETWEEN 0 AND 130),
  histology TEXT,
  ecog INTEGER CHECK (ecog IS NULL OR ecog BETWEEN 0 AND 4),
  vital_status TEXT CHECK (vital_status IS NULL OR vital_status IN ('alive', 'dead', 'unknown')),
  death_date TEXT CHECK ${ISO_DATE('death_date')},
  last_followup_date TEXT CHECK ${ISO_DATE('last_followup_date')},
  source_key TEXT UNIQUE,
  provenance_id INTEGER NOT NULL REFERENCES provenance(id) ON DELETE RESTRICT,
  source_locator TEXT,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  CHECK (death_date IS NULL OR vital_status IS NULL OR vital_status = 'dead'),
  CHECK (death_date IS NULL OR last_followup_date IS NULL OR last_followup_date <= death_date)
);

CREATE TABLE lesions (
  id INTEGER PRIMARY KEY,
  patient_id INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
  -- normalised, cranio-caudal, comma separated, contiguous: 'T11,T12,L1' (shared/domain/vertebralLevels)
  levels TEXT NOT NULL CHECK (length(levels) >= 2),
  sins INTEGER CHECK (sins IS NULL OR sins BETWEEN 0 AND 18),
  cord_compression INTEGER CHECK ${BOOL('cord_compression')},
  epidural_disease INTEGER CHECK ${BOOL('epidural_disease')},
  prior_irradiation INTEGER CHECK ${BOOL('prior_irradiation')},
  imaging_ct INTEGER CHECK ${BOOL('imaging_ct')},
  imaging_mri INTEGER CHECK ${BOOL('imaging_mri')},
  imaging_pet INTEGER CHECK ${BOOL('imaging_pet')},
  pain_pre INTEGER CHECK (pain_pre IS NULL OR pain_pre BETWEEN 0 AND 10),
  pain_post INTEGER CHECK (pain_post IS NULL OR pain_post BETWEEN 0 AND 10),
  -- last imaging assessing this lesion: local progression-free time is censored here
  last_imaging_date TEXT CHECK ${ISO_DATE('last_imaging_date')},
  source_key TEXT UNIQUE,
  provenance_id INTEGER NOT NULL REFERENCES provenance(id) ON DELETE RESTRICT,
  source_locator TEXT,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  UNIQUE (patient_id, levels)
);
CREATE INDEX lesions_patient ON lesions(patient_id);

CREATE TABLE rt_courses (
  id INTEGER PRIMARY KEY,
  lesion_id INTEGER NOT NULL REFERENCES lesions(id) ON DELETE CASCADE,
  start_date TEXT NOT NULL CHECK ${ISO_DATE('start_date')},
  end_date TEXT CHECK ${ISO_DATE('end_date')},
  total_dose_gy REAL NOT NULL CHECK (total_dose_gy > 0 AND total_dose_gy <= 200),
  fractions_planned INTEGER NOT NULL CHECK (fractions_planned >= 1),
  fractions_delivered INTEGER CHECK (fractions_delivered IS NULL OR fractions_delivered >= 0),
  technique TEXT CHECK (technique IS NULL OR technique IN ('SBRT', '3D', 'IMRT', 'VMAT', 'other')),
  machine TEXT,
  prescription_isodose REAL CHECK (prescription_isodose IS NULL OR (prescription_isodose > 0 AND prescription_isodose <= 100)),
  completed INTEGER CHECK ${BOOL('completed')},
  plan_sop_instance_uid TEXT,
  source_key TEXT UNIQUE,
  provenance_id INTEGER NOT NULL REFERENCES provenance(id) ON DELETE RESTRICT,
  source_locator TEXT,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  CHECK (end_date IS NULL OR end_date >= start_date)
);
CREATE INDEX rt_courses_lesion ON rt_courses(lesion_id);

CREATE TABLE systemic_therapies (
  id INTEGER PRIMARY KEY,
  patient_id INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
  agent TEXT NOT NULL CHECK (length(agent) >= 1),
  drug_class TEXT NOT NULL CHECK (drug_class IN ('VEGF-TKI', 'mTOR inhibitor', 'immune checkpoint inhibitor', 'other')),
  start_date TEXT NOT NULL CHECK ${ISO_DATE('start_date')},
  stop_date TEXT CHECK ${ISO_DATE('stop_date')},
  source_key TEXT UNIQUE,
  provenance_id INTEGER NOT NULL REFERENCES provenance(id) ON DELETE RESTRICT,
  source_locator TEXT,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  CHECK (stop_date IS NULL OR stop_date >= start_date)
);
CREATE INDEX systemic_therapies_patient ON systemic_therapies(patient_id);

CREATE TABLE events (
  id INTEGER PRIMARY KEY,
  patient_id INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
  lesion_id INTEGER REFERENCES lesions(id) ON DELETE CASCADE,
  type TEXT NOT NULL CHECK (type IN ('local_progression', 'systemic_progression', 'death')),
  date TEXT NOT NULL CHECK ${ISO_DATE('date')},
  -- SPINO criterion of a local progression
  criterion TEXT CHECK (criterion IS NULL OR criterion IN ('tumour_growth', 'epidural_progression', 'neurological_deterioration')),
  source_key TEXT UNIQUE,
  provenance_id INTEGER NOT NULL REFERENCES provenance(id) ON DELETE RESTRICT,
  source_locator TEXT,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  CHECK ((type = 'local_progression') = (lesion_id IS NOT NULL)),
  CHECK (criterion IS NULL OR type = 'local_progression')
);
CREATE INDEX events_patient ON events(patient_id);
CREATE INDEX events_lesion ON events(lesion_id);

CREATE TABLE toxicities (
  id INTEGER PRIMARY KEY,
  patient_id INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
  lesion_id INTEGER REFERENCES lesions(id) ON DELETE CASCADE,
  term TEXT NOT NULL CHECK (length(term) >= 1),
  grade INTEGER NOT NULL CHECK (grade BETWEEN 1 AND 5),
  date TEXT CHECK ${ISO_DATE('date')},
  attribution TEXT CHECK (attribution IS NULL OR attribution IN ('unrelated', 'unlikely', 'possible', 'probable', 'definite')),
  source_key TEXT UNIQUE,
  provenance_id INTEGER NOT NULL REFERENCES provenance(id) ON DELETE RESTRICT,
  source_locator TEXT,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX toxicities_patient ON toxicities(patient_id);

-- Lesion and patient of an event/toxicity must agree (a lesion belongs to exactly one patient).
CREATE TRIGGER events_lesion_patient_insert BEFORE INSERT ON events
WHEN NEW.lesion_id IS NOT NULL AND (SELECT patient_id FROM lesions WHERE id = NEW.lesion_id) IS NOT NEW.patient_id
BEGIN SELECT RAISE(ABORT, 'events.lesion_id belongs to another patient'); END;
CREATE TRIGGER events_lesion_patient_update BEFORE UPDATE ON events
WHEN NEW.lesion_id IS NOT NULL AND (SELECT patient_id FROM lesions WHERE id = NEW.lesion_id) IS NOT NEW.patient_id
BEGIN SELECT RAISE(ABORT, 'events.lesion_id belongs to another patient'); END;
CREATE TRIGGER toxicities_lesion_patient_insert BEFORE INSERT ON toxicities
WHEN NEW.lesion_id IS NOT NULL AND (SELECT patient_id FROM lesions WHERE id = NEW.lesion_id) IS NOT NEW.patient_id
BEGIN SELECT RAISE(ABORT, 'toxicities.lesion_id belongs to another patient'); END;
CREATE TRIGGER toxicities_lesion_patient_update BEFORE UPDATE ON toxicities
WHEN NEW.lesion_id IS NOT NULL AND (SELECT patient_id FROM lesions WHERE id = NEW.lesion_id) IS NOT NEW.patient_id
BEGIN SELECT RAISE(ABORT, 'toxicities.lesion_id belongs to another patient'); END;

CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY,
  at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  who TEXT NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('insert', 'update', 'delete')),
  entity TEXT NOT NULL,
  entity_id INTEGER NOT NULL,
  before_json TEXT,
  after_json TEXT
);
CREATE INDEX audit_log_entity ON audit_log(entity, entity_id);
`;

export function up(db: Database.Database): void {
  db.exec(cohortSchemaSql);
}
