// Issue 11 item 4: `rtcw study share` writes a copy whose analyses are identical (time for time,
// event for event) and which holds none of the original's calendar dates, pseudonyms, source keys,
// plan UIDs, audit values or user names; the copy is flagged and refuses identified imports.
// Real study files (the built-in demo cohort) and the real CLI.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStudy } from '../../../electron/services/db/studyFile';
import { getStudySettings, updateRecord, updateStudySettings } from '../../../electron/services/db/cohortRecords';
import { analysisSpecHash, listSavedAnalyses, saveAnalysis } from '../../../electron/services/db/savedAnalyses';
import { analysisSpecSchema } from '../../../shared/api/analysis';
import { SAFE_HARBOR_AGE_CAP as AGE_CAP } from '../../../shared/domain/safeHarbor';
import { shareStudy } from '../../../electron/services/identity/studyShare';
import { ENTITY_FIELDS, ENTITY_TABLES, type EntityName } from '../../../shared/domain/cohortModel';
import { runCli } from './linkageFixture';

let tmp: string;
let original: string;
let shared: string;
let firstPseudonym: string;
let firstId: number;
let auditBefore: unknown[];
let shareResult: { emptiedTables: string[] };

const TIME_EVENT = ['localTime', 'localEvent', 'osTime', 'osEvent', 'systemicTime', 'systemicEvent', 'firstFailure'];
/** Columns that identify a row (pseudonym-based) and the age (capped at 90 in the copy). */
const NOT_COMPARED = new Set(['patient', 'lesion', 'ageAtRT']);

/** RFC 4180 lines → cells (the dataset CSV quotes only cells holding a comma or quote). */
function csvRows(text: string): string[][] {
  return text.trimEnd().split('\n').map((line) => {
    const cells: string[] = [];
    let cell = '';
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (quoted && c === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = !quoted;
      else if (c === ',' && !quoted) {
        cells.push(cell);
        cell = '';
      } else cell += c;
    }
    cells.push(cell);
    return cells;
  });
}

async function dataset(file: string, unit = 'lesion'): Promise<Record<string, string>[]> {
  const { code, out, err } = await runCli(['dataset', '--study', file, '--unit', unit]);
  expect(err).toBe('');
  expect(code).toBe(0);
  const [headers, ...rows] = csvRows(out);
  return rows.map((r) => Object.fromEntries(headers.map((h, i) => [h, r[i]])));
}
/** A row without its identifying columns, as one comparable string. */
const content = (row: Record<string, string>) =>
  JSON.stringify(Object.entries(row).filter(([k]) => !NOT_COMPARED.has(k)));

function storedDates(file: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    const dates: string[] = [];
    for (const [entity, table] of Object.entries(ENTITY_TABLES) as [EntityName, string][]) {
      for (const field of ENTITY_FIELDS[entity].filter((f) => f.type === 'date')) {
        for (const r of db.prepare(`SELECT ${field.column} AS d FROM ${table} WHERE ${field.column} IS NOT NULL`).all() as { d: string }[]) dates.push(r.d);
      }
    }
    return dates;
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rtcw-share-'));
  process.env.RTCW_USER_DATA = path.join(tmp, 'user-data');
  original = path.join(tmp, 'demo.rtcw');
  shared = path.join(tmp, 'demo-shared.rtcw');
  expect((await runCli(['study', 'create', original, '--demo'])).code).toBe(0);
  // A patient aged 93 at first RT (whose age must leave as 90), edited by a named user.
  const db = new Database(original);
  db.pragma('foreign_keys = ON');
  const first = (db.prepare('SELECT min(id) AS id FROM patients').get() as { id: number }).id;
  firstId = first;
  updateRecord(db, 'patient', first, { ageAtFirstRt: 93 }, { who: 'dr.jane.roe' });
  // A saved analysis leaving out one patient and one lesion by name.
  const pseudonym = (db.prepare('SELECT pseudonym FROM patients WHERE id = ?').get(first) as { pseudonym: string }).pseudonym;
  firstPseudonym = pseudonym;
  // A marker per patient in a kept free-text field, to pair patients across the copy (ids are shuffled).
  db.prepare("UPDATE patients SET histology = 'marker-' || id").run();
  saveAnalysis(db, 'without one', analysisSpecSchema.parse({ filters: [{ variable: 'patient', op: 'notIn', values: [pseudonym] }, { variable: 'lesion', op: 'notIn', values: [`${pseudonym}-1`] }] }), 'dr.jane.roe');
  // An undo step (issue 16): its replay would restore audit values the copy drops.
  db.prepare("INSERT INTO edit_step (label, first_audit_id, last_audit_id) SELECT 'age', max(id), max(id) FROM audit_log").run();
  auditBefore = db.prepare('SELECT * FROM audit_log ORDER BY id').all();
  db.close();
  const { code, out, err } = await runCli(['study', 'share', original, '--out', shared]);
  expect(err).toBe('');
  expect(code).toBe(0);
  shareResult = JSON.parse(out);
  expect(shareResult).toMatchObject({ path: shared, patients: expect.any(Number) });
});
afterAll(() => {
  delete process.env.RTCW_USER_DATA;
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('study share', () => {
  it('gives the same analysis dataset, time for time and event for event (lesion and patient unit)', async () => {
    for (const unit of ['lesion', 'patient']) {
      const a = await dataset(original, unit);
      const b = await dataset(shared, unit);
      expect(b).toHaveLength(a.length);
      expect(a.length).toBeGreaterThan(10);
      // Rows are matched by content: the copy's pseudonyms are new random codes.
      expect(b.map(content).sort()).toEqual(a.map(content).sort());
      const events = (rows: Record<string, string>[]) => rows.map((r) => TIME_EVENT.map((c) => r[c]).join('|')).sort();
      expect(events(b)).toEqual(events(a));
      expect(a.some((r) => r.localEvent === '1')).toBe(true);
      // Ages: the same, except that every age over 89 reads 90 (Safe Harbor).
      const ages = (rows: Record<string, string>[], cap: number) => rows.map((r) => (r.ageAtRT === 'NA' ? 'NA' : String(Math.min(Number(r.ageAtRT), cap)))).sort();
      expect(ages(b, Infinity)).toEqual(ages(a, AGE_CAP));
      expect(a.some((r) => Number(r.ageAtRT) > AGE_CAP)).toBe(true);
    }
  });

  it('holds none of the source dates, pseudonyms or user names, anywhere in the file', () => {
    const sourceDates = storedDates(original);
    expect(sourceDates.length).toBeGreaterThan(20);
    const bytes = fs.readFileSync(shared);
    const db = new Database(original, { readonly: true });
    const pseudonyms = (db.prepare('SELECT pseudonym FROM patients').all() as { pseudonym: string }[]).map((r) => r.pseudonym);
    const users = (db.prepare('SELECT DISTINCT who FROM audit_log').all() as { who: string }[]).map((r) => r.who);
    db.close();
    expect(users).toContain('dr.jane.roe');
    for (const needle of new Set([...sourceDates, ...pseudonyms, 'dr.jane.roe'])) {
      expect(bytes.includes(Buffer.from(needle)), needle).toBe(false);
    }
    // …while every dated fact is still there, shifted.
    expect(storedDates(shared).length).toBe(sourceDates.length);
  });

  it('shifts every date of a patient by one offset, different between patients', () => {
    const a = new Database(original, { readonly: true });
    const b = new Database(shared, { readonly: true });
    const firstStart = (db: Database.Database) =>
      db.prepare('SELECT p.histology AS id, min(c.start_date) AS s, p.last_followup_date AS f FROM patients p JOIN lesions l ON l.patient_id = p.id JOIN rt_courses c ON c.lesion_id = l.id GROUP BY p.id ORDER BY p.histology').all() as { id: string; s: string; f: string | null }[];
    const days = (x: string, y: string) => (Date.parse(y) - Date.parse(x)) / 86_400_000;
    const ra = firstStart(a);
    const rb = firstStart(b);
    a.close();
    b.close();
    expect(rb.map((r) => r.id)).toEqual(ra.map((r) => r.id));
    const offsets = ra.map((r, i) => days(r.s, rb[i].s));
    ra.forEach((r, i) => {
      if (r.f && rb[i].f) expect(days(rb[i].s, rb[i].f as string)).toBe(days(r.s, r.f));
    });
    expect(offsets.every((o) => o <= -36_525)).toBe(true);
    expect(new Set(offsets).size).toBeGreaterThan(offsets.length / 2);
  });

  it('drops keys, locators, plan UIDs, machine station names, audit values; caps ages; flags the copy', () => {
    const db = new Database(shared, { readonly: true });
    try {
      for (const table of Object.values(ENTITY_TABLES)) {
        expect(db.prepare(`SELECT count(*) AS n FROM ${table} WHERE source_key IS NOT NULL OR source_locator IS NOT NULL`).get(), table).toEqual({ n: 0 });
      }
      expect(db.prepare('SELECT count(*) AS n FROM rt_courses WHERE plan_sop_instance_uid IS NOT NULL').get()).toEqual({ n: 0 });
      expect((db.prepare('SELECT DISTINCT machine FROM rt_courses WHERE machine IS NOT NULL').all() as { machine: string }[]).map((r) => r.machine).every((m) => ['CyberKnife', 'Gamma Knife'].includes(m))).toBe(true);
      expect(db.prepare("SELECT count(*) AS n FROM audit_log WHERE before_json IS NOT NULL OR after_json IS NOT NULL OR who <> 'redacted'").get()).toEqual({ n: 0 });
      expect(db.prepare('SELECT count(*) AS n FROM patients WHERE birth_year IS NOT NULL OR age_at_first_rt > ?').get(AGE_CAP)).toEqual({ n: 0 });
      expect(db.prepare('SELECT max(age_at_first_rt) AS a FROM patients').get()).toEqual({ a: AGE_CAP });
      expect(db.prepare('SELECT count(*) AS n FROM patients WHERE pseudonym NOT GLOB ?').get('S-[0-9a-f]*')).toEqual({ n: 0 });
      expect(db.prepare('SELECT DISTINCT label FROM provenance').all()).not.toContainEqual({ label: expect.stringMatching(/\.(csv|xlsx)$/) });
      expect(db.pragma('application_id', { simple: true })).toBe(0x52544357);
      expect(db.pragma('freelist_count', { simple: true })).toBe(0);
    } finally {
      db.close();
    }
  });

  it("rewrites the audit log in the copy only: the original's log is unchanged and still append-only, and so is the copy's", () => {
    const a = new Database(original);
    const b = new Database(shared);
    try {
      expect(auditBefore.length).toBeGreaterThan(0);
      expect(a.prepare('SELECT * FROM audit_log ORDER BY id').all()).toEqual(auditBefore);
      expect((a.prepare("SELECT count(*) AS n FROM audit_log WHERE who = 'dr.jane.roe'").get() as { n: number }).n).toBeGreaterThan(0);
      for (const db of [a, b]) {
        expect(() => db.prepare("UPDATE audit_log SET who = 'x'").run()).toThrow(/append-only/);
        expect(() => db.prepare('DELETE FROM audit_log').run()).toThrow(/append-only/);
      }
      expect(b.prepare('SELECT count(*) AS n FROM audit_log').get()).toEqual({ n: auditBefore.length });
    } finally {
      a.close();
      b.close();
    }
  });

  it('empties the undo history (edit_step) in the copy, not in the original', () => {
    const a = new Database(original, { readonly: true });
    const b = new Database(shared, { readonly: true });
    try {
      expect(a.prepare('SELECT count(*) AS n FROM edit_step').get()).toEqual({ n: 1 });
      expect(b.prepare('SELECT count(*) AS n FROM edit_step').get()).toEqual({ n: 0 });
      expect(shareResult.emptiedTables).toContain('edit_step');
    } finally {
      a.close();
      b.close();
    }
  });

  it('shuffles patient row ids (import order would follow hospital-ID folder names)', () => {
    const a = new Database(original, { readonly: true });
    const b = new Database(shared, { readonly: true });
    try {
      const order = (db: Database.Database) => (db.prepare('SELECT histology FROM patients ORDER BY id').all() as { histology: string }[]).map((r) => r.histology);
      expect([...order(b)].sort()).toEqual([...order(a)].sort());
      expect(order(b)).not.toEqual(order(a));
      // Children follow their patient.
      const lesionsOf = (db: Database.Database) => (db.prepare('SELECT p.histology AS h, l.levels FROM lesions l JOIN patients p ON p.id = l.patient_id ORDER BY h, l.levels').all());
      expect(lesionsOf(b)).toEqual(lesionsOf(a));
    } finally {
      a.close();
      b.close();
    }
  });

  it('keeps saved analyses working: filters naming a patient or lesion follow the new pseudonym', async () => {
    const a = new Database(shared, { readonly: true });
    try {
      const [saved] = listSavedAnalyses(a);
      const newPseudonym = (a.prepare('SELECT pseudonym FROM patients WHERE histology = ?').get(`marker-${firstId}`) as { pseudonym: string }).pseudonym;
      expect(saved.spec.filters).toEqual([
        { variable: 'patient', op: 'notIn', values: [newPseudonym] },
        { variable: 'lesion', op: 'notIn', values: [`${newPseudonym}-1`] },
      ]);
      expect(saved.specHash).toBe(analysisSpecHash(saved.spec));
      expect(JSON.stringify(saved)).not.toContain(firstPseudonym);
    } finally {
      a.close();
    }
  });

  it('says it is a shared copy, and the flag cannot be edited away', async () => {
    const study = await openStudy(shared);
    try {
      expect(getStudySettings(study.db).sharedCopy).toBe(true);
      expect(() => updateStudySettings(study.db, { sharedCopy: false } as never)).toThrow(/unknown setting "sharedCopy"/);
    } finally {
      study.close();
    }
    const source = await openStudy(original);
    try {
      expect(getStudySettings(source.db).sharedCopy).toBe(false);
    } finally {
      source.close();
    }
  });

  it('refuses identified imports with a clear message', async () => {
    const dicom = await runCli(['study', 'import-dicom', shared, '--dir', path.join(tmp, 'anything')]);
    expect(dicom.code).toBe(2);
    expect(dicom.err).toMatch(/DICOM import is not possible in a shared \(de-identified\) copy/);
    const sheet = path.join(tmp, 'mrn.csv');
    fs.writeFileSync(sheet, 'MRN,ecog\nH1,1\n');
    const mapping = path.join(tmp, 'mrn.json');
    fs.writeFileSync(mapping, JSON.stringify({ sheets: [{ entity: 'patient', columns: { sourcePatientId: 'MRN', ecog: 'ecog' } }] }));
    const linked = await runCli(['study', 'import-table', shared, '--table', sheet, '--mapping', mapping]);
    expect(linked.code).toBe(2);
    expect(linked.err).toMatch(/Linking spreadsheet rows by hospital ID is not possible in a shared \(de-identified\) copy/);
  });

  it('swaps patients whose lesions share levels without breaking a constraint (ids rewritten in two steps)', async () => {
    const a = new Database(original, { readonly: true });
    // Two patients with a lesion at the same levels; swapping their ids collides row by row.
    const pair = a.prepare('SELECT l1.patient_id AS p, l2.patient_id AS q FROM lesions l1 JOIN lesions l2 ON l2.levels = l1.levels AND l2.patient_id <> l1.patient_id AND l2.id > l1.id LIMIT 1').get() as { p: number; q: number };
    expect(pair).toBeDefined();
    const study = await openStudy(original);
    try {
      const swap = (ids: readonly number[]) => ids.map((id) => (id === pair.p ? pair.q : id === pair.q ? pair.p : id));
      shareStudy(study.db, study.path, path.join(tmp, 'swapped.rtcw'), { shuffle: swap });
    } finally {
      study.close();
    }
    const b = new Database(path.join(tmp, 'swapped.rtcw'), { readonly: true });
    try {
      const byMarker = (db: Database.Database) => db.prepare('SELECT p.histology AS h, l.levels, count(e.id) AS events FROM lesions l JOIN patients p ON p.id = l.patient_id LEFT JOIN events e ON e.lesion_id = l.id GROUP BY l.id ORDER BY h, l.levels').all();
      expect(byMarker(b)).toEqual(byMarker(a));
      expect((b.prepare('SELECT id FROM patients WHERE histology = ?').get(`marker-${pair.p}`) as { id: number }).id).toBe(pair.q);
    } finally {
      a.close();
      b.close();
    }
  });

  it('refuses to overwrite a file or the study itself', async () => {
    expect((await runCli(['study', 'share', original, '--out', shared])).err).toMatch(/already exists/);
    expect((await runCli(['study', 'share', original, '--out', original])).err).toMatch(/must be a new file/);
  });
});
