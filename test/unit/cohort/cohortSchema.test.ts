// The cohort schema itself (migration 0001) enforces the ranges, even for writes that bypass the
// services, and holds no column for direct identifiers.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStudy, type StudyFile } from '../../../electron/services/db/studyFile';

let dir: string;
let study: StudyFile;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtcw-schema-'));
  study = createStudy(path.join(dir, 's.rtcw'));
  const db = study.db;
  db.prepare("INSERT INTO provenance (id, kind, label, created_by) VALUES (1, 'manual', 'manual entry', 't')").run();
  db.prepare("INSERT INTO patients (id, pseudonym, provenance_id) VALUES (1, 'P1', 1)").run();
  db.prepare("INSERT INTO lesions (id, patient_id, levels, provenance_id) VALUES (1, 1, 'L1', 1)").run();
});
afterAll(() => {
  study.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const fails = (sql: string) => expect(() => study.db.prepare(sql).run()).toThrow(/constraint|belongs to another patient/i);

describe('cohort schema', () => {
  it('has the cohort tables with default settings', () => {
    const tables = (study.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name);
    for (const t of ['study_settings', 'provenance', 'patients', 'lesions', 'rt_courses', 'systemic_therapies', 'events', 'toxicities', 'audit_log']) expect(tables).toContain(t);
    expect(study.db.prepare('SELECT alpha_beta_gy, first_failure_window_days, concurrency_window_days FROM study_settings').get()).toEqual({ alpha_beta_gy: 7, first_failure_window_days: 30, concurrency_window_days: 0 });
  });

  it('has no columns for names, MRNs, birth dates or paths', () => {
    for (const table of ['patients', 'lesions', 'rt_courses', 'systemic_therapies', 'events', 'toxicities', 'provenance']) {
      const cols = (study.db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name);
      for (const c of cols) expect(c).not.toMatch(/(^|_)(name|mrn|birth_date|birthdate|dob|path|address|phone)($|_)/);
    }
  });

  it('enforces ranges and relations with CHECK / FOREIGN KEY / triggers', () => {
    fails("INSERT INTO patients (pseudonym, sex, provenance_id) VALUES ('P2', 'X', 1)");
    fails("INSERT INTO patients (pseudonym, ecog, provenance_id) VALUES ('P2', 5, 1)");
    fails("INSERT INTO patients (pseudonym, death_date, provenance_id) VALUES ('P2', '2013-02-30', 1)");
    fails("INSERT INTO patients (pseudonym, provenance_id) VALUES ('P1', 1)");
    fails("INSERT INTO lesions (patient_id, levels, sins, provenance_id) VALUES (1, 'L2', 19, 1)");
    fails("INSERT INTO lesions (patient_id, levels, pain_pre, provenance_id) VALUES (1, 'L2', 11, 1)");
    fails("INSERT INTO lesions (patient_id, levels, provenance_id) VALUES (99, 'L2', 1)");
    fails("INSERT INTO rt_courses (lesion_id, start_date, total_dose_gy, fractions_planned, provenance_id) VALUES (1, '2012-01-01', 0, 5, 1)");
    fails("INSERT INTO rt_courses (lesion_id, start_date, total_dose_gy, fractions_planned, provenance_id) VALUES (1, '2012-01-01', 20, 0, 1)");
    fails("INSERT INTO rt_courses (lesion_id, start_date, end_date, total_dose_gy, fractions_planned, provenance_id) VALUES (1, '2012-01-05', '2012-01-01', 20, 5, 1)");
    fails("INSERT INTO toxicities (patient_id, term, grade, provenance_id) VALUES (1, 'Nausea', 0, 1)");
    fails("INSERT INTO events (patient_id, type, date, provenance_id) VALUES (1, 'local_progression', '2012-05-01', 1)");
    study.db.prepare("INSERT INTO patients (id, pseudonym, provenance_id) VALUES (2, 'P2', 1)").run();
    fails("INSERT INTO events (patient_id, lesion_id, type, date, provenance_id) VALUES (2, 1, 'local_progression', '2012-05-01', 1)");
  });

  it('cascades a patient delete to its lesions and courses', () => {
    study.db.prepare("INSERT INTO rt_courses (lesion_id, start_date, total_dose_gy, fractions_planned, provenance_id) VALUES (1, '2012-01-01', 20, 5, 1)").run();
    study.db.prepare('DELETE FROM patients WHERE id = 1').run();
    expect(study.db.prepare('SELECT count(*) AS n FROM rt_courses').get()).toEqual({ n: 0 });
    expect(() => study.db.prepare('DELETE FROM provenance WHERE id = 1').run()).toThrow(/FOREIGN KEY/);
  });
});
