// Migration 5: an RT course is assembled from phases (issue 10: re-plans, sequential boosts,
// several fraction groups). rt_courses keeps the course totals every existing query reads; each
// phase (one fraction group of one plan) is a child row, so BED/EQD2 can be summed phase by phase
// (shared/domain/radiobiology phasedBiologicallyEffectiveDose). Existing courses get no phase rows
// and stay single-phase courses described by their totals — nothing to rewrite.
//
// The DICOM index also remembers, for a skipped file, whose it was and its SOP class (pseudonymous
// patient row, never the identifier itself), so re-scans can still flag that patient's proposals —
// unless the same SOP instance was read from another file (a corrupted duplicate loses nothing).
import type Database from 'better-sqlite3';

export function upDicomSkippedIdentity(db: Database.Database): void {
  db.exec(`
ALTER TABLE dicom_source_file ADD COLUMN skipped_patient_id INTEGER REFERENCES dicom_patient(id) ON DELETE SET NULL;
ALTER TABLE dicom_source_file ADD COLUMN skipped_sop_class_uid TEXT;
ALTER TABLE dicom_source_file ADD COLUMN skipped_sop_instance_uid TEXT;
`);
}

export function up(db: Database.Database): void {
  db.exec(`
CREATE TABLE rt_course_phases (
  id INTEGER PRIMARY KEY,
  rt_course_id INTEGER NOT NULL REFERENCES rt_courses(id) ON DELETE CASCADE,
  phase_number INTEGER NOT NULL CHECK (phase_number >= 1),
  plan_sop_instance_uid TEXT,
  fraction_group INTEGER,
  dose_per_fraction_gy REAL NOT NULL CHECK (dose_per_fraction_gy > 0 AND dose_per_fraction_gy <= 100),
  fractions_planned INTEGER CHECK (fractions_planned IS NULL OR fractions_planned >= 1),
  fractions_delivered INTEGER CHECK (fractions_delivered IS NULL OR fractions_delivered >= 0),
  -- the fractions this phase adds to the course (delivered when a re-plan superseded it, else planned)
  fractions_counted INTEGER NOT NULL CHECK (fractions_counted >= 0),
  superseded INTEGER NOT NULL DEFAULT 0 CHECK (superseded IN (0, 1)),
  UNIQUE (rt_course_id, phase_number)
);
CREATE INDEX rt_course_phases_course ON rt_course_phases(rt_course_id);
`);
  upDicomSkippedIdentity(db);
}
