// Cohort methods through the real API service (the same dispatcher both transports use).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiResponse } from '../../../shared/api/contract';
import type { CohortDataset, CohortRow, ImportReport, StudyReport } from '../../../shared/api/cohort';
import { createApiRuntime, type ApiService } from '../../../electron/services/api/index';
import { typedPathChooser } from '../../../electron/harness/server';

const fixtures = path.resolve(__dirname, '../../fixtures/import');
let dir: string;
let service: ApiService;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtcw-cohort-api-'));
  service = createApiRuntime({ userDataDir: path.join(dir, 'user-data'), choosePath: typedPathChooser(dir), logError: () => {} });
});
afterEach(() => {
  service.session.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

function ok<T>(r: ApiResponse): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.result as T;
}

describe('cohort API', () => {
  it('needs an open study', async () => {
    const r = await service.call('listCohortRecords', { entity: 'patient' });
    expect(r.ok ? '' : r.error.code).toBe('NO_STUDY');
  });

  it('openDemoStudy builds the synthetic demo; dataset and report come through the API', async () => {
    const info = ok<{ synthetic: boolean; counts: { patients: number; lesions: number } }>(await service.call('openDemoStudy', {}));
    expect(info.synthetic).toBe(true);
    expect(info.counts).toMatchObject({ patients: 24, lesions: 28 });
    const ds = ok<CohortDataset>(await service.call('cohortDataset', { unit: 'lesion' }));
    expect(ds.rows.length).toBe(28);
    expect(ds.csv.split('\n')[0].split(',').length).toBe(26);
    expect(ds.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    // Each row carries its cohort ids: 28 distinct lesions of 24 patients, as the grids need them.
    expect(new Set(ds.lesionIds).size).toBe(28);
    expect(new Set(ds.patientIds).size).toBe(24);
    const report = ok<StudyReport>(await service.call('studyReport', {}));
    // counts per column: total, nonconcurrent/none, concurrent (the reference study's Table 3)
    expect(report.firstFailure.rows.map((r) => r.counts.slice(1))).toEqual([[2, 0], [11, 9], [2, 0], [0, 4]]);
    const written = ok<{ files: string[] }>(await service.call('writeStudyReport', { outDir: path.join(dir, 'report') }));
    expect(fs.existsSync(path.join(dir, 'report', 'table1.csv'))).toBe(true);
    expect(written.files).toContain('report.json');
  });

  it('CRUD with validation messages naming the field, and an audit trail', async () => {
    ok(await service.call('createStudy', { path: path.join(dir, 's.rtcw') }));
    const p = ok<CohortRow>(await service.call('createCohortRecord', { entity: 'patient', values: { pseudonym: 'A1', sex: 'F' } }));
    const bad = await service.call('createCohortRecord', { entity: 'lesion', values: { patientId: p.id, levels: 'T4,T9' } });
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.error.code).toBe('INVALID_INPUT');
      expect(bad.error.message).toMatch(/levels.*not contiguous|not contiguous.*field levels/);
    }
    const l = ok<CohortRow>(await service.call('createCohortRecord', { entity: 'lesion', values: { patientId: p.id, levels: 'T4-T5' } }));
    ok(await service.call('updateCohortRecord', { entity: 'lesion', id: l.id, changes: { sins: 9 } }));
    expect(ok<CohortRow>(await service.call('getCohortRecord', { entity: 'lesion', id: l.id })).sins).toBe(9);
    expect(ok<{ removed: number }>(await service.call('deleteCohortRecord', { entity: 'patient', id: p.id })).removed).toBe(2);
    const audit = ok<Array<{ action: string; entity: string }>>(await service.call('listAuditLog', {}));
    expect(audit.map((a) => `${a.action} ${a.entity}`)).toEqual(['delete patient', 'delete lesion', 'update lesion', 'insert lesion', 'insert patient', 'update studySettings']);
    const settings = ok<{ alphaBetaGy: number }>(await service.call('updateStudySettings', { alphaBetaGy: 10 }));
    expect(settings.alphaBetaGy).toBe(10);
  });

  it('previews and commits a spreadsheet import', async () => {
    ok(await service.call('createStudy', { path: path.join(dir, 's.rtcw') }));
    const mapping = JSON.parse(fs.readFileSync(path.join(fixtures, 'redcap-mapping.json'), 'utf8'));
    const xlsx = path.join(fixtures, 'redcap-export.xlsx');
    const sheets = ok<{ path: string; sheets: Array<{ name: string; rowCount: number }> }>(await service.call('inspectSpreadsheet', { path: xlsx }));
    // The chosen file comes back so the wizard's later calls name it (one dialog in the desktop app).
    expect(sheets.path).toBe(path.resolve(xlsx));
    expect(sheets.sheets.map((s) => [s.name, s.rowCount])).toEqual([['patients', 3], ['lesions', 4], ['courses', 4], ['drugs', 2], ['events', 3]]);
    const preview = ok<ImportReport>(await service.call('previewTableImport', { path: xlsx, mapping }));
    expect(preview.committed).toBe(false);
    expect(ok<CohortRow[]>(await service.call('listCohortRecords', { entity: 'patient' })).length).toBe(0);
    const commit = ok<ImportReport>(await service.call('commitTableImport', { path: xlsx, mapping }));
    expect(commit.committed).toBe(true);
    expect(ok<CohortRow[]>(await service.call('listCohortRecords', { entity: 'lesion' })).length).toBe(4);
    const badMapping = await service.call('previewTableImport', { path: xlsx, mapping: { sheets: [] } });
    expect(badMapping.ok ? '' : badMapping.error.code).toBe('INVALID_INPUT');
  });

  it('a cancel that arrives after the import committed does not turn its result into CANCELLED', async () => {
    ok(await service.call('createStudy', { path: path.join(dir, 'late-cancel.rtcw') }));
    const mapping = JSON.parse(fs.readFileSync(path.join(fixtures, 'redcap-mapping.json'), 'utf8'));
    const xlsx = path.join(fixtures, 'redcap-export.xlsx');
    // 100 % is reported after the worker committed, just before the handler returns.
    const late = await service.call('commitTableImport', { path: xlsx, mapping }, {
      jobId: 'late-cancel',
      onProgress: (p) => p.pct === 100 && service.cancel('late-cancel'),
    });
    expect(late.ok ? (late.result as ImportReport).committed : late.error.code).toBe(true);
    expect(ok<CohortRow[]>(await service.call('listCohortRecords', { entity: 'lesion' })).length).toBe(4);
  });

  it('refuses to import into a study opened read-only (the import writes through its own connection) and leaves it as it was', async () => {
    const file = path.join(dir, 'ro.rtcw');
    ok(await service.call('createStudy', { path: file }));
    const mapping = JSON.parse(fs.readFileSync(path.join(fixtures, 'redcap-mapping.json'), 'utf8'));
    const xlsx = path.join(fixtures, 'redcap-export.xlsx');
    // The study key's check value is recorded by a first (dry-run) import while the study is writable.
    ok(await service.call('previewTableImport', { path: xlsx, mapping }));
    ok(await service.call('closeStudy', {}));
    const before = fs.readFileSync(file);
    ok(await service.call('openStudy', { path: file, readOnly: true }));
    const refused = await service.call('commitTableImport', { path: xlsx, mapping });
    expect(refused.ok ? '' : `${refused.error.code}: ${refused.error.message}`).toBe('READ_ONLY: ro.rtcw is open read-only; nothing was changed.');
    expect(ok<CohortRow[]>(await service.call('listCohortRecords', { entity: 'patient' })).length).toBe(0);
    ok(await service.call('closeStudy', {}));
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    expect(fs.existsSync(`${file}-wal`) ? fs.statSync(`${file}-wal`).size : 0).toBe(0);
  });
});
