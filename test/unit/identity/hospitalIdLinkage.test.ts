// Issue 11 item 3: follow-up spreadsheets keyed by the hospital's MRN update the DICOM-imported
// patients (real cohort-a DICOM files, real study files, the real CLI), reject unknown IDs, stay
// idempotent, and leave no MRN byte in the study file, its WAL or its backups.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStudy, openStudy } from '../../../electron/services/db/studyFile';
import { listRecords } from '../../../electron/services/db/cohortRecords';
import { findPatientByHospitalId } from '../../../electron/services/identity/patientLink';
import { defaultKeyStore, requireStudyKey } from '../../../electron/services/identity/studyKey';
import { NO_PATIENT_WITH_HOSPITAL_ID } from '../../../electron/services/import/tableImport';
import { MappingError, parseTableMapping } from '../../../electron/services/import/tableMapping';
import { cohortDir, ecogOf, importAllOfCohortA, eventMapping, eventRows, eventSheet, patientMapping, patientSheet, runCli, truth, UNKNOWN_MRN } from './linkageFixture';

let tmp: string;
let studyPath: string;
const write = (name: string, text: string) => {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, text);
  return file;
};
const count = (table: string) => {
  const db = new Database(studyPath, { readonly: true });
  try {
    return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
};
/** Cohort patient id of each MRN, looked up the way the import does (keyed hash). */
async function patientIdsByMrn(): Promise<Map<string, number | null>> {
  const study = await openStudy(studyPath);
  try {
    const key = requireStudyKey(study.db, defaultKeyStore());
    return new Map(truth.patients.map((p) => [p.patientId, findPatientByHospitalId(study.db, key, '', p.patientId)]));
  } finally {
    study.close();
  }
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rtcw-linkage-'));
  // The study key store of this "workstation" (identity/studyKey.ts defaultUserDataDir).
  process.env.RTCW_USER_DATA = path.join(tmp, 'user-data');
  studyPath = path.join(tmp, 'site.rtcw');
  createStudy(studyPath).close();
  const imported = await runCli(['study', 'import-dicom', studyPath, '--dir', cohortDir]);
  expect(imported.err).toBe('');
  // The courses import-dicom leaves for review, committed as after the review screen.
  await importAllOfCohortA(studyPath, process.env.RTCW_USER_DATA as string);
  expect(count('patients')).toBe(truth.patients.length);
  expect(count('lesions')).toBe(truth.lesions.length);
});
afterAll(() => {
  delete process.env.RTCW_USER_DATA;
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('spreadsheets linked by hospital ID', () => {
  it('rejects a row whose MRN matches no patient (row, column, reason; no value echoed) and changes nothing', async () => {
    const sheet = write('patients-unknown.csv', patientSheet(UNKNOWN_MRN));
    const mapping = write('patients-mapping.json', patientMapping());
    const before = { patients: count('patients'), audit: count('audit_log') };
    const { code, out, err } = await runCli(['study', 'import-table', studyPath, '--table', sheet, '--mapping', mapping]);
    expect(code).toBe(2);
    const report = JSON.parse(out);
    expect(report.committed).toBe(false);
    expect(report.rejected).toEqual([
      { sheet: 'patients-unknown', row: truth.patients.length + 2, column: 'MRN', value: null, reason: expect.stringContaining(NO_PATIENT_WITH_HOSPITAL_ID) },
    ]);
    expect(err).toContain(`row ${truth.patients.length + 2}, column MRN: ${NO_PATIENT_WITH_HOSPITAL_ID}`);
    expect(out + err).not.toContain(UNKNOWN_MRN);
    expect({ patients: count('patients'), audit: count('audit_log') }).toEqual(before);
  });

  it('updates the DICOM patients (no new ones) from an MRN-keyed patient sheet', async () => {
    const sheet = write('patients.csv', patientSheet());
    const mapping = write('patients-mapping.json', patientMapping());
    const patientsBefore = count('patients');
    const { code, out, err } = await runCli(['study', 'import-table', studyPath, '--table', sheet, '--mapping', mapping]);
    expect(err).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(out);
    expect(report.sheets).toEqual([{ sheet: 'patients', entity: 'patient', rows: truth.patients.length, inserted: 0, updated: truth.patients.length, unchanged: 0 }]);
    expect(count('patients')).toBe(patientsBefore);
    const ids = await patientIdsByMrn();
    const study = await openStudy(studyPath);
    try {
      const rows = new Map(listRecords(study.db, 'patient').map((r) => [r.id, r]));
      truth.patients.forEach((p, i) => {
        const row = rows.get(ids.get(p.patientId) as number);
        expect(row, p.patientId).toBeDefined();
        // DICOM facts kept, sheet facts applied, the patient's own DICOM source key untouched.
        expect(row).toMatchObject({ sex: p.sex, ecog: ecogOf(i), histology: p.histology, vitalStatus: 'alive', sourceKey: expect.stringMatching(/^dicom:/) });
      });
    } finally {
      study.close();
    }
  });

  it('applies every follow-up row to the right lesion (MRN + levels + RT start) and reports an unknown MRN', async () => {
    const mapping = write('events-mapping.json', eventMapping);
    const bad = write('events-bad.csv', eventSheet([`evX,${UNKNOWN_MRN},L1,2014-01-01,local_progression,2014-06-01`, `evY,${truth.lesions[0].patientId},C1,2014-01-01,local_progression,2014-06-01`]));
    const rejected = await runCli(['study', 'import-table', studyPath, '--table', bad, '--mapping', mapping]);
    expect(rejected.code).toBe(2);
    const badReport = JSON.parse(rejected.out);
    const n = eventRows().length;
    expect(badReport.rejected).toEqual([
      { sheet: 'events-bad', row: n + 2, column: 'MRN', value: null, reason: NO_PATIENT_WITH_HOSPITAL_ID },
      { sheet: 'events-bad', row: n + 3, column: 'levels', value: 'C1', reason: 'this patient has no lesion at C1' },
    ]);
    expect(count('events')).toBe(0);

    const good = write('events.csv', eventSheet());
    const { code, out, err } = await runCli(['study', 'import-table', studyPath, '--table', good, '--mapping', mapping]);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(out).sheets[0]).toMatchObject({ rows: n, inserted: n, updated: 0 });
    const ids = await patientIdsByMrn();
    const study = await openStudy(studyPath);
    try {
      const events = listRecords(study.db, 'event');
      expect(events).toHaveLength(n);
      for (const e of eventRows()) {
        const stored = events.find((x) => x.date === e.date && x.patientId === ids.get(e.mrn));
        expect(stored, e.id).toBeDefined();
        const lesion = listRecords(study.db, 'lesion').find((l) => l.id === stored?.lesionId);
        const truthLesion = truth.lesions.find((l) => l.patientId === e.mrn && l.referenceDate === e.rtStart && e.levels.startsWith(l.levels[0]));
        expect(lesion?.levels, e.id).toBe(truthLesion?.levels.join(','));
      }
    } finally {
      study.close();
    }
  });

  it('a wrong RT start date for the levels is rejected, naming the date', async () => {
    const l = eventRows()[0];
    const sheet = write('events-wrong-start.csv', eventSheet([`evZ,${l.mrn},${l.levels},1999-01-01,local_progression,${l.date}`]));
    const { code, out } = await runCli(['study', 'import-table', studyPath, '--table', sheet, '--mapping', write('m.json', eventMapping), '--dry-run']);
    expect(code).toBe(2);
    expect(JSON.parse(out).rejected).toEqual([expect.objectContaining({ column: 'levels', reason: expect.stringContaining('has no RT course starting 1999-01-01') })]);
  });

  it('a lesion sheet keyed by MRN + levels (+ RT start) updates the DICOM lesions, adds none, and checks the RT start', async () => {
    const lesions = truth.lesions.map((l, i) => ({ mrn: l.patientId, levels: l.levels.join(','), start: l.referenceDate, sins: (i % 13) + 1 }));
    const csv = (rows: typeof lesions) => ['MRN,levels,rt_start,sins', ...rows.map((l) => `${l.mrn},"${l.levels}",${l.start},${l.sins}`)].join('\n') + '\n';
    const mapping = write('lesions-mapping.json', JSON.stringify({ name: 'followup-lesions', sheets: [{ entity: 'lesion', rtStartDate: 'rt_start', columns: { patient: { column: 'MRN', by: 'sourcePatientId' }, levels: 'levels', sins: 'sins' } }] }));
    const before = count('lesions');
    const wrong = await runCli(['study', 'import-table', studyPath, '--table', write('lesions-wrong.csv', csv([{ ...lesions[0], start: '2001-01-01' }])), '--mapping', mapping]);
    expect(wrong.code).toBe(2);
    expect(JSON.parse(wrong.out).rejected).toEqual([expect.objectContaining({ row: 2, column: 'levels', reason: expect.stringContaining('has no RT course starting 2001-01-01') })]);
    const { code, out, err } = await runCli(['study', 'import-table', studyPath, '--table', write('lesions.csv', csv(lesions)), '--mapping', mapping]);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(out).sheets[0]).toMatchObject({ rows: lesions.length, inserted: 0, updated: lesions.length });
    expect(count('lesions')).toBe(before);
    const db = new Database(studyPath, { readonly: true });
    try {
      expect((db.prepare('SELECT count(*) AS n FROM lesions WHERE sins IS NOT NULL').get() as { n: number }).n).toBe(lesions.length);
      // The DICOM lesions keep their own source keys.
      expect((db.prepare("SELECT count(*) AS n FROM lesions WHERE source_key LIKE 'dicom:%'").get() as { n: number }).n).toBe(before);
    } finally {
      db.close();
    }
    const again = await runCli(['study', 'import-table', studyPath, '--table', path.join(tmp, 'lesions.csv'), '--mapping', mapping]);
    expect(JSON.parse(again.out).sheets[0]).toMatchObject({ inserted: 0, updated: 0, unchanged: lesions.length });
  });

  it('re-importing both sheets changes nothing', async () => {
    const before = ['patients', 'lesions', 'events', 'audit_log'].map(count);
    for (const [sheet, mapping] of [
      [path.join(tmp, 'patients.csv'), write('p.json', patientMapping())],
      [path.join(tmp, 'events.csv'), write('e.json', eventMapping)],
    ]) {
      const { code, out } = await runCli(['study', 'import-table', studyPath, '--table', sheet, '--mapping', mapping]);
      expect(code).toBe(0);
      expect(JSON.parse(out).sheets.every((s: { inserted: number; updated: number; unchanged: number; rows: number }) => s.inserted === 0 && s.updated === 0 && s.unchanged === s.rows)).toBe(true);
    }
    expect(['patients', 'lesions', 'events', 'audit_log'].map(count)).toEqual(before);
  });

  it('"createMissing": true creates the unknown patient with a pseudonym from the keyed hash, never the MRN', async () => {
    const sheet = write('patients-new.csv', patientSheet(UNKNOWN_MRN));
    const { code, out, err } = await runCli(['study', 'import-table', studyPath, '--table', sheet, '--mapping', write('pc.json', patientMapping(true))]);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(out).sheets[0]).toMatchObject({ inserted: 1, updated: 0, unchanged: truth.patients.length });
    const study = await openStudy(studyPath);
    try {
      const id = findPatientByHospitalId(study.db, requireStudyKey(study.db, defaultKeyStore()), '', UNKNOWN_MRN);
      expect(id).not.toBeNull();
      const row = listRecords(study.db, 'patient').find((r) => r.id === id);
      expect(row?.pseudonym).toMatch(/^P-[0-9a-f]{16}$/);
      expect(JSON.stringify(row)).not.toContain(UNKNOWN_MRN);
    } finally {
      study.close();
    }
    // …and a second run finds it (idempotent).
    const again = await runCli(['study', 'import-table', studyPath, '--table', sheet, '--mapping', path.join(tmp, 'pc.json')]);
    expect(JSON.parse(again.out).sheets[0]).toMatchObject({ inserted: 0, unchanged: truth.patients.length + 1 });
  });

  it('leaves no MRN, name, birth date or path byte in the study file, its WAL or its backups', async () => {
    // Keep a connection open so the WAL holds the latest pages while we read it.
    const study = await openStudy(studyPath);
    try {
      const files = fs.readdirSync(tmp).filter((f) => f.startsWith('site.rtcw')).map((f) => path.join(tmp, f));
      expect(files.length).toBeGreaterThan(0);
      const needles = [UNKNOWN_MRN, ...truth.patients.flatMap((p) => [p.patientId, ...p.patientName.split('^'), p.birthDate, p.birthDate.replace(/-/g, '')]), cohortDir, 'cohort-a'];
      for (const file of files) {
        const bytes = fs.readFileSync(file);
        for (const needle of needles) {
          expect(bytes.includes(Buffer.from(needle, 'utf8')), `${needle} in ${path.basename(file)}`).toBe(false);
          expect(bytes.includes(Buffer.from(needle, 'utf16le')), `${needle} (UTF-16) in ${path.basename(file)}`).toBe(false);
        }
      }
    } finally {
      study.close();
    }
  });
});

/** Every row of every table (a canonical dump), to prove a command stored nothing. */
function dumpTables(file: string): string {
  const db = new Database(file, { readonly: true });
  try {
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
    return JSON.stringify(tables.map((t) => [t, db.prepare(`SELECT * FROM "${t}"`).raw().all()]), (_k, v) => (Buffer.isBuffer(v) ? v.toString('hex') : v));
  } finally {
    db.close();
  }
}

describe('re-identification list', () => {
  it('writes pseudonym ↔ hospital ID for every study patient found in the folder (0600), storing nothing', async () => {
    const before = dumpTables(studyPath);
    const out = path.join(tmp, 'reid.csv');
    const { code, out: stdout, err } = await runCli(['study', 'reid-list', studyPath, '--dir', cohortDir, '--out', out]);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ path: out, listed: truth.patients.length, notInStudy: 0, studyPatientsNotFound: 1 }); // the createMissing patient has no DICOM
    expect(fs.statSync(out).mode & 0o777).toBe(0o600);
    const [header, ...lines] = fs.readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(header).toBe('pseudonym,issuer,hospital_id');
    const ids = await patientIdsByMrn();
    const db = new Database(studyPath, { readonly: true });
    const pseudonymOf = (id: number) => (db.prepare('SELECT pseudonym FROM patients WHERE id = ?').get(id) as { pseudonym: string }).pseudonym;
    const expected = truth.patients.map((p) => `${pseudonymOf(ids.get(p.patientId) as number)},,${p.patientId}`).sort();
    db.close();
    expect(lines.sort()).toEqual(expected);
    expect(dumpTables(studyPath)).toBe(before);
  });

  it('needs the study key, and says how to get it', async () => {
    const { code, err } = await runCli(['study', 'reid-list', studyPath, '--dir', cohortDir, '--out', path.join(tmp, 'reid2.csv'), '--key', path.join(tmp, 'no-such.key')]);
    expect(code).toBe(2);
    expect(err).toMatch(/needs this study's key/);
    expect(fs.existsSync(path.join(tmp, 'reid2.csv'))).toBe(false);
  });
});

describe('shared copy of a DICOM-imported, MRN-linked study', () => {
  it('has the same dataset, no DICOM index or hospital-ID hashes, no source date, and refuses DICOM import and reid-list', async () => {
    const copy = path.join(tmp, 'shared.rtcw');
    const shared = await runCli(['study', 'share', studyPath, '--out', copy]);
    expect(shared.err).toBe('');
    expect(JSON.parse(shared.out).emptiedTables).toEqual(expect.arrayContaining(['dicom_instance', 'dicom_patient', 'patient_hospital_id']));
    const a = await runCli(['dataset', '--study', studyPath]);
    const b = await runCli(['dataset', '--study', copy]);
    // Without the pseudonym-based columns (patient, lesion), row for row in dataset order of content.
    const strip = (csv: string) => csv.trimEnd().split('\n').map((line) => line.split(',').slice(2).join(',')).sort();
    expect(strip(b.out)).toEqual(strip(a.out));
    expect(strip(a.out).length).toBe(truth.lesions.length + 1);
    const db = new Database(copy, { readonly: true });
    const rows = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    const dicomTables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND (name LIKE 'dicom_%' OR name = 'patient_hospital_id')").all() as { name: string }[]).map((t) => t.name);
    expect(dicomTables.length).toBeGreaterThan(3);
    for (const t of dicomTables) expect(rows(t), t).toBe(0);
    db.close();
    const bytes = fs.readFileSync(copy);
    const sourceDates = truth.lesions.flatMap((l) => [l.rtStartDate, l.planDate, l.referenceDate]).filter((d): d is string => d !== null);
    for (const needle of [...sourceDates, ...truth.patients.map((p) => p.patientId), ...eventRows().map((e) => e.date)]) {
      expect(bytes.includes(Buffer.from(needle)), needle).toBe(false);
    }
    const dicom = await runCli(['study', 'import-dicom', copy, '--dir', cohortDir]);
    expect(dicom.code).toBe(2);
    expect(dicom.err).toMatch(/not possible in a shared \(de-identified\) copy/);
    const reid = await runCli(['study', 'reid-list', copy, '--dir', cohortDir, '--out', path.join(tmp, 'reid-shared.csv')]);
    expect(reid.code).toBe(2);
    expect(reid.err).toMatch(/A re-identification list is not possible in a shared \(de-identified\) copy/);
  });
});

describe('hospital-ID mapping rules', () => {
  it('explains misuse of the linkage options', () => {
    const bad = (sheets: unknown[]) => () => parseTableMapping({ sheets });
    expect(bad([{ entity: 'patient', columns: { sourcePatientId: 'MRN', pseudonym: 'p' } }])).toThrow(/must not map "pseudonym"/);
    expect(bad([{ entity: 'event', key: 'k', createMissing: true, columns: { patient: { column: 'MRN', by: 'sourcePatientId' }, type: 't', date: 'd' } }])).toThrow(/patient sheets only/);
    expect(bad([{ entity: 'event', key: 'k', columns: { lesion: { column: 'lv', by: 'levels' }, type: 't', date: 'd' } }])).toThrow(/needs the sheet's "patient" reference/);
    expect(bad([{ entity: 'patient', issuer: 'X', columns: { pseudonym: 'p' } }])).toThrow(MappingError);
    // The mistake that put MRNs into the cohort grid: an ID column mapped as the pseudonym.
    for (const column of ['MRN', 'Patient ID', 'PatientID', 'mrn_nr']) {
      expect(bad([{ entity: 'patient', columns: { pseudonym: column } }])).toThrow(/holds a hospital ID, which must not be stored as a pseudonym; map it as "sourcePatientId"/);
    }
    expect(() => parseTableMapping({ sheets: [{ entity: 'patient', key: 'record_id', columns: { pseudonym: 'study_id' } }] })).not.toThrow();
    // A linked lesion sheet needs no key: patient + levels identify the lesion.
    expect(() => parseTableMapping({ sheets: [{ entity: 'lesion', columns: { patient: { column: 'MRN', by: 'sourcePatientId' }, levels: 'lv' } }] })).not.toThrow();
  });
});
