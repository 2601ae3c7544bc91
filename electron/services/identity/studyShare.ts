// A copy of a study that may leave the site (issue 11 item 4): `rtcw study share SRC --out DST` and
// File → Share a de-identified copy….
//
// What the copy keeps and drops (HIPAA Safe Harbor §164.514(b)(2); DICOM PS3.15 Annex E, Basic
// Profile with the Retain Longitudinal Temporal Information with Modified Dates option):
// - Only the cohort tables (with RT course phases), provenance, study settings, saved analyses and
//   the audit log are kept; EVERY other table is emptied (the DICOM index, the patient link hashes,
//   the undo history, whose steps replay audit values the copy drops, any table added later): what
//   is not known to be safe does not leave.
// - Calendar dates are shifted by a random offset per patient (one offset for all of a patient's
//   rows), so every interval — and every time-to-event value the analyses compute — is identical.
//   Offsets are 100 to 110 years into the past, so no shifted date can equal a real one of the study
//   period. The offsets are not written anywhere.
// - Pseudonyms are replaced by new random codes: the study's pseudonyms are keyed hashes OF the
//   hospital ID, and Safe Harbor allows only re-identification codes not derived from information
//   about the person (§164.514(c)). Patient row ids are shuffled (import order follows folders that
//   are often named by hospital ID); saved analyses' filters naming a patient follow the new codes.
// - Ages ≥ 90 are written as 90; birth years are dropped (the age at first RT is filled from the
//   birth year first when missing, so the analyses keep the age).
// - Source keys and locators (hashes of hospital IDs, file names), RT plan UIDs (looked up in a PACS
//   they identify a patient) and machine names (station names identify the site; only a
//   stereotactic-only model name, which the SBRT rule reads, is kept) are dropped. Provenance keeps
//   its kind only (file names can hold names or IDs; a file's fingerprint confirms who is in it).
// - The audit log keeps what was done to which row, but not who, when, or the before/after values.
// - Row timestamps (created/updated) become the time of sharing.
// - Clinical free text (histology, CTCAE term, agent) and the study title are kept: they describe
//   the disease and the study, not the person; the study title is the researcher's to word.
// The copy is built in memory from the source (db.serialize(): no identified temporary file) and
// written with VACUUM INTO under secure_delete, so the file holds no freed page with old bytes. It
// is marked a shared copy (study_settings.shared_copy, migration 0007), which refuses identified
// imports (identity/sharedCopy.ts).
import { randomBytes, randomInt } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ApiError } from '../../../shared/api/contract';
import type { SharedCopyResult } from '../../../shared/api/study';
import type { AnalysisSpec } from '../../../shared/api/analysis';
import { analysisSpecHash, canonicalJson } from '../db/savedAnalyses';
import { newStudyUid } from './studyKey';
import { ENTITY_FIELDS, ENTITY_TABLES, type EntityName } from '../../../shared/domain/cohortModel';
import { stereotacticOnlyModel } from '../../../shared/domain/radiobiology';
import { SAFE_HARBOR_AGE_CAP } from '../../../shared/domain/safeHarbor';

/** Tables whose rows a shared copy keeps (after the changes below); every other table is emptied. */
export const SHARED_TABLES: readonly string[] = [
  'study_settings',
  'provenance',
  ...Object.values(ENTITY_TABLES),
  // Phases of an RT course (migration 0005): BED/EQD2 are summed phase by phase; plan UIDs dropped below.
  'rt_course_phases',
  'audit_log',
  'saved_analyses',
];

/** Date shift range: whole days into the past (100 to 110 years). */
export const SHIFT_MIN_DAYS = 36_525;
export const SHIFT_SPAN_DAYS = 3_653;


export interface ShareOptions {
  /** Days of the shift for each patient (tests); default a fresh random offset per patient. */
  offsetDays?: (patientId: number) => number;
  /** The new patient ids, in the order of the old ones sorted (tests); default a random permutation. */
  shuffle?: (ids: readonly number[]) => number[];
  /** Where the copy is written before it is renamed to `outPath` (default: a unique name beside it).
   *  The service host names it, so it can remove it after cancelling (./studyShareWorker.ts). */
  partialPath?: string;
}

// The SQL expression giving a row's patient id, per entity (qualified: it is used in a subquery).
const PATIENT_OF: Record<EntityName, string> = {
  patient: 'patients.id',
  lesion: 'lesions.patient_id',
  rtCourse: '(SELECT l.patient_id FROM lesions l WHERE l.id = rt_courses.lesion_id)',
  systemicTherapy: 'systemic_therapies.patient_id',
  event: 'events.patient_id',
  toxicity: 'toxicities.patient_id',
};

/**
 * Writes the de-identified copy of the open study `source` to `outPath` (must not exist).
 * The source is only read.
 */
export function shareStudy(source: Database.Database, sourcePath: string, outPath: string, options: ShareOptions = {}): SharedCopyResult {
  const target = path.resolve(outPath);
  if (target === path.resolve(sourcePath)) throw new ApiError('INVALID_INPUT', 'The shared copy must be a new file, not the study itself.');
  if (fs.existsSync(target)) throw new ApiError('ALREADY_EXISTS', `A file named ${path.basename(target)} already exists; choose a new name for the shared copy.`);
  if (!fs.existsSync(path.dirname(target))) throw new ApiError('IO_ERROR', `The folder ${path.dirname(target)} does not exist.`);

  const image = source.serialize();
  // A WAL-mode image must be marked rollback-journal (header bytes 18–19) to open from memory.
  image[18] = 1;
  image[19] = 1;
  const copy = new Database(image);
  const partial = options.partialPath ?? `${target}.partial-${process.pid}-${Date.now()}`;
  try {
    copy.pragma('secure_delete = ON');
    copy.pragma('foreign_keys = OFF');
    const emptied = copy.transaction(() => deidentify(copy, options))();
    copy.pragma('foreign_keys = ON');
    const violations = copy.pragma('foreign_key_check') as unknown[];
    if (violations.length > 0) throw new ApiError('INTERNAL', `The shared copy would have ${violations.length} broken reference(s); nothing was written.`);
    copy.prepare('VACUUM INTO ?').run(partial);
    fs.renameSync(partial, target);
    const count = (table: string) => (copy.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return { path: target, patients: count('patients'), lesions: count('lesions'), emptiedTables: emptied };
  } catch (error) {
    fs.rmSync(partial, { force: true });
    throw error;
  } finally {
    copy.close();
  }
}

/** Applies every rule of the header to `db` (a private in-memory copy); returns the emptied tables. */
function deidentify(db: Database.Database, options: ShareOptions): string[] {
  const now = new Date().toISOString();
  // The audit log is append-only (migration 0007-append-only-audit): its triggers are lifted in this
  // private in-memory copy only, while its rows are rewritten, and put back before it is written out.
  // The source study's file and connection are never touched.
  const auditTriggers = db
    .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log' ORDER BY name")
    .all() as { name: string; sql: string }[];
  for (const t of auditTriggers) db.exec(`DROP TRIGGER "${t.name}"`);
  const emptied = emptyUnknownTables(db);
  fillAgeFromBirthYear(db);
  db.prepare('UPDATE patients SET birth_year = NULL, age_at_first_rt = min(age_at_first_rt, ?)').run(SAFE_HARBOR_AGE_CAP);
  shiftDates(db, options.offsetDays ?? (() => -(SHIFT_MIN_DAYS + randomInt(0, SHIFT_SPAN_DAYS + 1))));
  recodeSavedAnalyses(db, recodePseudonyms(db));
  shufflePatientIds(db, options.shuffle ?? randomPermutation);
  for (const [entity, table] of Object.entries(ENTITY_TABLES) as [EntityName, string][]) {
    db.prepare(`UPDATE ${table} SET source_key = NULL, source_locator = NULL, created_at = ?, updated_at = ?`).run(now, now);
    if (entity === 'rtCourse') {
      db.prepare('UPDATE rt_courses SET plan_sop_instance_uid = NULL').run();
      const machines = db.prepare('SELECT id, machine FROM rt_courses WHERE machine IS NOT NULL').all() as { id: number; machine: string }[];
      const setMachine = db.prepare('UPDATE rt_courses SET machine = ? WHERE id = ?');
      for (const m of machines) setMachine.run(stereotacticOnlyModel(m.machine), m.id);
    }
  }
  if (tableHasColumn(db, 'rt_course_phases', 'plan_sop_instance_uid')) db.prepare('UPDATE rt_course_phases SET plan_sop_instance_uid = NULL').run();
  db.prepare(
    `UPDATE provenance SET label = CASE kind WHEN 'dicom' THEN 'DICOM import' WHEN 'spreadsheet' THEN 'spreadsheet import'
       WHEN 'manual' THEN 'manual entry' ELSE kind END, fingerprint = NULL, created_by = 'shared copy', created_at = ?`,
  ).run(now);
  db.prepare("UPDATE audit_log SET who = 'redacted', at = ?, before_json = NULL, after_json = NULL").run(now);
  if (tableHasColumn(db, 'saved_analyses', 'dataset_fingerprint')) {
    db.prepare('UPDATE saved_analyses SET dataset_fingerprint = NULL, last_run_at = NULL, created_at = ?, updated_at = ?').run(now, now);
  }
  // A new uid, and no key check value: the copy must not name (or verify) the original's key.
  db.prepare('UPDATE study_settings SET shared_copy = 1, study_uid = ?, study_key_check = NULL, updated_at = ? WHERE id = 1').run(newStudyUid(), now);
  for (const t of auditTriggers) db.exec(t.sql);
  return emptied;
}

function emptyUnknownTables(db: Database.Database): string[] {
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
  const emptied: string[] = [];
  for (const table of tables) {
    if (SHARED_TABLES.includes(table)) continue;
    const n = (db.prepare(`SELECT count(*) AS n FROM "${table}"`).get() as { n: number }).n;
    db.exec(`DELETE FROM "${table}"`);
    if (n > 0) emptied.push(table);
  }
  // Autoincrement counters could tell how many rows there were; a fresh copy starts them anew.
  if (db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'").get()) db.exec('DELETE FROM sqlite_sequence');
  return emptied;
}

/** A patient with a birth year but no age at first RT gets "first RT year − birth year" (dataset.ts's fallback). */
function fillAgeFromBirthYear(db: Database.Database): void {
  db.exec(`
UPDATE patients SET age_at_first_rt = (
  SELECT CAST(substr(min(c.start_date), 1, 4) AS INTEGER) - patients.birth_year
  FROM rt_courses c JOIN lesions l ON l.id = c.lesion_id WHERE l.patient_id = patients.id)
WHERE age_at_first_rt IS NULL AND birth_year IS NOT NULL;`);
}

/** Every date field (shared/domain/cohortModel ENTITY_FIELDS) moved by its patient's offset. */
function shiftDates(db: Database.Database, offsetDays: (patientId: number) => number): void {
  db.exec('CREATE TEMP TABLE share_offset (patient_id INTEGER PRIMARY KEY, days INTEGER NOT NULL)');
  const insert = db.prepare('INSERT INTO share_offset (patient_id, days) VALUES (?, ?)');
  for (const { id } of db.prepare('SELECT id FROM patients').all() as { id: number }[]) insert.run(id, Math.trunc(offsetDays(id)));
  for (const [entity, table] of Object.entries(ENTITY_TABLES) as [EntityName, string][]) {
    const columns = ENTITY_FIELDS[entity].filter((f) => f.type === 'date').map((f) => f.column);
    if (columns.length === 0) continue;
    const shift = `(SELECT o.days FROM share_offset o WHERE o.patient_id = ${PATIENT_OF[entity]}) || ' days'`;
    db.exec(`UPDATE ${table} SET ${columns.map((c) => `${c} = date(${c}, ${shift})`).join(', ')}`);
  }
  db.exec('DROP TABLE share_offset');
}

/** New random pseudonyms; returns old → new (saved analyses may name patients in filters). */
function recodePseudonyms(db: Database.Database): Map<string, string> {
  const patients = db.prepare('SELECT id, pseudonym FROM patients').all() as { id: number; pseudonym: string }[];
  // Two steps, so a new code never collides with an old one still in the UNIQUE column.
  db.prepare("UPDATE patients SET pseudonym = '~' || id").run();
  const renamed = new Map<string, string>();
  const used = new Set<string>();
  const set = db.prepare('UPDATE patients SET pseudonym = ? WHERE id = ?');
  for (const { id, pseudonym } of patients) {
    let code: string;
    do code = `S-${randomBytes(5).toString('hex')}`;
    while (used.has(code));
    used.add(code);
    set.run(code, id);
    renamed.set(pseudonym, code);
  }
  return renamed;
}

/**
 * Patient row ids in a random order: they were given in import order, and a DICOM import goes
 * through folders that are often named by hospital ID, so the order would leak the IDs' sort order.
 */
function shufflePatientIds(db: Database.Database, shuffle: (ids: readonly number[]) => number[]): void {
  const ids = (db.prepare('SELECT id FROM patients ORDER BY id').all() as { id: number }[]).map((r) => r.id);
  const shuffled = shuffle(ids);
  db.exec('CREATE TEMP TABLE share_patient_id (old INTEGER PRIMARY KEY, new INTEGER NOT NULL UNIQUE)');
  const insert = db.prepare('INSERT INTO share_patient_id (old, new) VALUES (?, ?)');
  ids.forEach((id, i) => insert.run(id, shuffled[i]));
  const newId = (column: string) => `(SELECT m.new FROM share_patient_id m WHERE m.old = ${column})`;
  // Foreign keys are off during the transform (shareStudy); every reference is rewritten here.
  db.exec(`UPDATE patients SET id = -id; UPDATE patients SET id = ${newId('-patients.id')};`);
  // Lesions in two steps (UNIQUE (patient_id, levels) must hold after every row), first: the
  // events/toxicities triggers check each row's patient against its lesion's.
  db.exec(`UPDATE lesions SET patient_id = -patient_id; UPDATE lesions SET patient_id = ${newId('-lesions.patient_id')};`);
  for (const [entity, table] of Object.entries(ENTITY_TABLES) as [EntityName, string][]) {
    if (entity !== 'lesion' && ENTITY_FIELDS[entity].some((f) => f.column === 'patient_id')) db.exec(`UPDATE ${table} SET patient_id = ${newId(`${table}.patient_id`)}`);
  }
  db.exec(`UPDATE audit_log SET entity_id = ${newId('audit_log.entity_id')} WHERE entity = 'patient'`);
  db.exec('DROP TABLE share_patient_id');
}

/** Fisher–Yates with a cryptographic random source. */
function randomPermutation(ids: readonly number[]): number[] {
  const out = [...ids];
  for (let i = out.length - 1; i > 0; i--) {
    const j = randomInt(0, i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * Saved analyses keep working in the copy: a filter naming a patient or lesion ("P-…", "P-…-2") is
 * rewritten to the new pseudonym, and the spec hash recomputed (db/savedAnalyses.ts).
 */
function recodeSavedAnalyses(db: Database.Database, renamed: Map<string, string>): void {
  if (!tableHasColumn(db, 'saved_analyses', 'spec_json')) return;
  const rows = db.prepare('SELECT id, spec_json FROM saved_analyses').all() as { id: number; spec_json: string }[];
  const update = db.prepare('UPDATE saved_analyses SET spec_json = ?, spec_hash = ? WHERE id = ?');
  for (const row of rows) {
    const spec = JSON.parse(row.spec_json, (_key, value: unknown) => {
      if (typeof value !== 'string') return value;
      const lesion = /^(.*)-(\d+)$/.exec(value);
      return renamed.get(value) ?? (lesion && renamed.has(lesion[1]) ? `${renamed.get(lesion[1])}-${lesion[2]}` : value);
    }) as AnalysisSpec;
    update.run(canonicalJson(spec), analysisSpecHash(spec), row.id);
  }
}

function tableHasColumn(db: Database.Database, table: string, column: string): boolean {
  return (db.prepare(`PRAGMA table_info("${table}")`).all() as { name: string }[]).some((c) => c.name === column);
}
