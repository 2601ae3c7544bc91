import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createStudy, type StudyFile } from '../../../electron/services/db/studyFile';
import { listAudit, listRecords } from '../../../electron/services/db/cohortRecords';
import { buildDataset } from '../../../electron/services/analysis/dataset';
import { importTable, parseDate } from '../../../electron/services/import/tableImport';
import { readSpreadsheet, SpreadsheetError } from '../../../electron/services/import/spreadsheetFile';
import { MappingError, parseTableMapping } from '../../../electron/services/import/tableMapping';

const fixtures = path.resolve(__dirname, '../../fixtures/import');
const mapping = (name: string) => fs.readFileSync(path.join(fixtures, name), 'utf8');

// The study key (identity/studyKey.ts) the row keys are HMACs under; kept outside the study.
const studyKey = randomBytes(32);
let dir: string;
let study: StudyFile;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtcw-import-'));
  study = createStudy(path.join(dir, 'study.rtcw'));
});
afterEach(() => {
  study.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const tableCounts = (db: StudyFile['db']) =>
  Object.fromEntries(['patients', 'lesions', 'rt_courses', 'systemic_therapies', 'events', 'toxicities', 'audit_log', 'provenance'].map((t) => [t, (db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n]));

describe('spreadsheet import', () => {
  it('imports a REDCap-style multi-sheet XLSX with value maps and date formats', async () => {
    const wb = await readSpreadsheet(path.join(fixtures, 'redcap-export.xlsx'));
    expect(wb.sheets.map((s) => s.name)).toEqual(['patients', 'lesions', 'courses', 'drugs', 'events']);
    const report = importTable(study.db, wb, mapping('redcap-mapping.json'), { who: 'tester', studyKey });
    expect(report.rejected).toEqual([]);
    expect(report.committed).toBe(true);
    expect(report.sheets.map((s) => [s.entity, s.inserted])).toEqual([
      ['patient', 3], ['lesion', 4], ['rtCourse', 4], ['systemicTherapy', 2], ['event', 3],
    ]);
    const [p1] = listRecords(study.db, 'patient');
    expect(p1).toMatchObject({ pseudonym: 'RCC-001', sex: 'M', vitalStatus: 'dead', deathDate: '2013-02-14', histology: 'renal cell carcinoma', sourceKey: expect.stringMatching(/^redcap-rcc:patient:[0-9a-f]{24}$/) });
    // the key cell itself is never stored (it could be an MRN)
    expect(JSON.stringify(listRecords(study.db, 'patient'))).not.toMatch(/patient:1\b/);
    const lesion = listRecords(study.db, 'lesion')[0];
    expect(lesion).toMatchObject({ levels: 'T11,T12,L1', cordCompression: true, sourceLocator: 'redcap-export.xlsx lesions row 2' });
    const drug = listRecords(study.db, 'systemicTherapy')[0];
    expect(drug).toMatchObject({ agent: 'sunitinib', drugClass: 'VEGF-TKI', startDate: '2012-04-01' });
    const courses = listRecords(study.db, 'rtCourse');
    expect(courses.map((c) => c.technique)).toEqual(['3D', 'SBRT', '3D', 'SBRT']);
    const prov = study.db.prepare('SELECT kind, label, length(fingerprint) AS n FROM provenance').all();
    expect(prov).toEqual([{ kind: 'spreadsheet', label: 'redcap-export.xlsx', n: 64 }]);
    // the dataset derives from the imported rows
    const ds = buildDataset(study.db);
    expect(ds.rows.map((r) => [r.lesion, r.levels, r.targetedTiming, r.localEvent, r.firstFailure])).toEqual([
      ['RCC-001-1', 'T11-L1', 'concurrent', 1, 'systemic'],
      ['RCC-002-1', 'L4', 'after', 0, 'none'],
      ['RCC-002-2', 'T7', 'after', 0, 'none'],
      ['RCC-003-1', 'S1-S2', 'none', 0, 'systemic'],
    ]);
  });

  it('re-import is idempotent; edited rows are updated and audited', async () => {
    const wb = await readSpreadsheet(path.join(fixtures, 'redcap-export.xlsx'));
    importTable(study.db, wb, mapping('redcap-mapping.json'), { who: 'tester', studyKey });
    const before = tableCounts(study.db);
    const again = importTable(study.db, wb, mapping('redcap-mapping.json'), { who: 'tester', studyKey });
    expect(again.committed).toBe(true);
    expect(again.sheets.every((s) => s.inserted === 0 && s.updated === 0 && s.unchanged === s.rows)).toBe(true);
    expect(tableCounts(study.db)).toEqual(before);
    // change one cell → one update
    const csv = fs.readFileSync(path.join(fixtures, 'patients.csv'), 'utf8').replace('RCC-002,2,58,0', 'RCC-002,2,58,1');
    fs.writeFileSync(path.join(dir, 'patients.csv'), csv);
    const edited = importTable(study.db, await readSpreadsheet(path.join(dir, 'patients.csv')), mapping('patients-mapping.json'), { who: 'tester', studyKey });
    expect(edited.sheets[0]).toMatchObject({ inserted: 0, updated: 1, unchanged: 2 });
    const audit = listAudit(study.db, { entity: 'patient' })[0];
    expect(audit).toMatchObject({ action: 'update', before: { ecog: 0 }, after: { ecog: 1 } });
  });

  it('rejects a sheet with bad rows, row by row, and changes nothing', async () => {
    importTable(study.db, await readSpreadsheet(path.join(fixtures, 'patients.csv')), mapping('patients-mapping.json'), { studyKey });
    const before = tableCounts(study.db);
    const report = importTable(study.db, await readSpreadsheet(path.join(fixtures, 'lesions-bad.csv')), mapping('lesions-mapping.json'), { studyKey });
    expect(report.committed).toBe(false);
    expect(report.message).toMatch(/nothing was imported/);
    const byRow = report.rejected.map((r) => [r.row, r.column, r.value]);
    expect(byRow).toEqual([
      [2, 'sins_total', 20],
      [3, 'level', 'L6'],
      [4, 'record_id', '99'],
      [5, 'level', 'T4,T9'],
      [6, 'cord_comp', 'maybe'],
    ]);
    expect(report.rejected[0].reason).toMatch(/SINS must be ≤ 18/);
    expect(report.rejected[1].reason).toMatch(/not a vertebral level: L6/);
    expect(report.rejected[2].reason).toMatch(/patient "99" not found/);
    expect(report.rejected[3].reason).toMatch(/not contiguous/);
    expect(report.rejected[4].reason).toMatch(/not yes\/no/);
    expect(tableCounts(study.db)).toEqual(before);
  });

  it('dry run reports what would happen and writes nothing', async () => {
    const before = tableCounts(study.db);
    const report = importTable(study.db, await readSpreadsheet(path.join(fixtures, 'redcap-export.xlsx')), mapping('redcap-mapping.json'), { dryRun: true, studyKey });
    expect(report.committed).toBe(false);
    expect(report.rejected).toEqual([]);
    expect(report.sheets.reduce((n, s) => n + s.inserted, 0)).toBe(16);
    expect(tableCounts(study.db)).toEqual(before);
  });

  it('reports missing columns and sheets, and bad mappings', async () => {
    const wb = await readSpreadsheet(path.join(fixtures, 'patients.csv'));
    const report = importTable(study.db, wb, { sheets: [{ entity: 'patient', columns: { pseudonym: 'nope' } }] }, { studyKey });
    expect(report.rejected[0]).toMatchObject({ row: 1, column: 'nope', reason: expect.stringMatching(/not found in the header/) });
    expect(() => parseTableMapping('{')).toThrow(MappingError);
    expect(() => parseTableMapping({ sheets: [{ entity: 'lesion', key: 'k', columns: { name: 'x' } }] })).toThrow(/"name" is not a field of lesion/);
    expect(() => parseTableMapping({ sheets: [{ entity: 'lesion', columns: { levels: 'x' } }] })).toThrow(/"key".*required/);
    await expect(readSpreadsheet(path.join(dir, 'missing.csv'))).rejects.toThrow(SpreadsheetError);
    fs.writeFileSync(path.join(dir, 'fake.xlsx'), 'not a zip');
    await expect(readSpreadsheet(path.join(dir, 'fake.xlsx'))).rejects.toThrow(/not a readable XLSX/);
  });

  it('parses the supported date formats strictly', () => {
    expect(parseDate('14.02.2013', 'DD.MM.YYYY')).toBe('2013-02-14');
    expect(parseDate('2/14/2013', 'MM/DD/YYYY')).toBe('2013-02-14');
    expect(parseDate('20130214', 'YYYYMMDD')).toBe('2013-02-14');
    expect(parseDate('2013-02-14', 'DD.MM.YYYY')).toBe('2013-02-14');
    expect(parseDate('30.02.2013', 'DD.MM.YYYY')).toBeNull();
    expect(parseDate('14/02/2013', 'MM/DD/YYYY')).toBeNull();
  });
});
