// An audit log you can trust (issue 12): append-only (triggers refuse UPDATE and DELETE, whoever
// asks), and imports, exports and migrations are logged with who and when — never with a path.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStudy, openStudy } from '../../../electron/services/db/studyFile';
import { migrations } from '../../../electron/services/db/migrations/index';
import { currentUser, deleteRecord, listAudit, listRecords } from '../../../electron/services/db/cohortRecords';
import { populateDemoStudy } from '../../../electron/services/analysis/demoStudy';
import { createApiRuntime } from '../../../electron/services/api/index';
import { typedPathChooser } from '../../../electron/harness/server';
import { rtcwSync } from './studyProcesses';
import { patientMapping, writePatientCsv } from './patientTable';

const dicomFolder = path.resolve(__dirname, '../../fixtures/dicom/cohort-a');
let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtcw-audit-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const events = (file: string, action: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT * FROM audit_log WHERE action = ? ORDER BY id').all(action) as Array<{ who: string; at: string; entity: string; entity_id: number; after_json: string }>;
  } finally {
    db.close();
  }
};

describe('the audit log is append-only', () => {
  it('refuses UPDATE and DELETE, also from plain SQL; deleting a row still audits it', async () => {
    const file = path.join(dir, 'append.rtcw');
    const study = createStudy(file, { initialize: (db) => populateDemoStudy(db) });
    try {
      const count = () => (study.db.prepare('SELECT count(*) AS n FROM audit_log').get() as { n: number }).n;
      const before = count();
      expect(before).toBeGreaterThan(0);
      expect(() => study.db.exec("UPDATE audit_log SET who = 'someone else'")).toThrow(/append-only: entries cannot be changed/);
      expect(() => study.db.exec('DELETE FROM audit_log')).toThrow(/append-only: entries cannot be deleted/);
      const [patient] = listRecords(study.db, 'patient');
      expect(deleteRecord(study.db, 'patient', patient.id as number)).toBeGreaterThan(0);
      expect(count()).toBeGreaterThan(before);
      expect(listAudit(study.db, { entity: 'patient', entityId: patient.id as number })[0]).toMatchObject({ action: 'delete' });
    } finally {
      study.close();
    }
  });
});

describe('study events are logged with who and when', () => {
  it('a migration keeps every earlier entry and logs itself with the backup name', async () => {
    const file = path.join(dir, 'migrate.rtcw');
    createStudy(file, { migrations: migrations.slice(0, 3), initialize: (db) => populateDemoStudy(db) }).close();
    const old = new Database(file, { readonly: true });
    const earlier = old.prepare('SELECT * FROM audit_log ORDER BY id').all();
    old.close();
    const study = await openStudy(file);
    try {
      expect(study.db.prepare('SELECT * FROM audit_log WHERE id <= ? ORDER BY id').all((earlier.at(-1) as { id: number }).id)).toEqual(earlier);
    } finally {
      study.close();
    }
    const [migrated] = events(file, 'migrate');
    expect(migrated).toMatchObject({ who: currentUser(), entity: 'study.schema', entity_id: 0 });
    expect(JSON.parse(migrated.after_json)).toEqual({ from: 3, to: migrations.length, backup: path.basename(study.backupPath ?? '') });
    expect(migrated.at).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('spreadsheet and DICOM imports are logged once each (an import that changes nothing is not)', () => {
    const file = path.join(dir, 'imports.rtcw');
    createStudy(file).close();
    const table = writePatientCsv(path.join(dir, 'patients.csv'), 1, 3);
    expect(rtcwSync('study', 'import-table', file, '--table', table, '--mapping', patientMapping).code).toBe(0);
    expect(rtcwSync('study', 'import-table', file, '--table', table, '--mapping', patientMapping).code).toBe(0);
    expect(rtcwSync('study', 'import-dicom', file, '--dir', dicomFolder).code).toBe(0);
    const imports = events(file, 'import');
    expect(imports.map((e) => e.entity)).toEqual(['study.spreadsheet', 'study.dicom']);
    expect(JSON.parse(imports[0].after_json)).toMatchObject({ sheets: [{ entity: 'patient', rows: 3, inserted: 3 }] });
    expect(JSON.parse(imports[1].after_json).coursesAdded).toBeGreaterThan(0);
    for (const e of imports) {
      expect(e.who).toBe(currentUser());
      expect(e.after_json).not.toContain(dir);
    }
  });

  it('exports (table, figure, report) are logged without their paths; a read-only study exports unlogged', async () => {
    const file = path.join(dir, 'exports.rtcw');
    createStudy(file, { initialize: (db) => populateDemoStudy(db) }).close();
    const secretDir = path.join(dir, 'Dr Jane Doe private');
    fs.mkdirSync(secretDir);
    const service = createApiRuntime({ userDataDir: path.join(dir, 'ud'), choosePath: typedPathChooser(dir), logError: () => {} });
    const spec = { endpoint: 'local' as const, groupBy: 'concurrent' };
    try {
      expect((await service.call('openStudy', { path: file })).ok).toBe(true);
      expect((await service.call('exportTable', { spec, table: 'table1', format: 'csv', path: path.join(secretDir, 't1.csv') })).ok).toBe(true);
      expect((await service.call('exportFigure', { spec, format: 'svg', path: path.join(secretDir, 'km.svg') })).ok).toBe(true);
      expect((await service.call('writeStudyReport', { outDir: path.join(secretDir, 'report') })).ok).toBe(true);
      service.session.close();
      expect((await service.call('openStudy', { path: file, readOnly: true })).ok).toBe(true);
      expect((await service.call('exportTable', { spec, table: 'cox', format: 'csv', path: path.join(secretDir, 'cox.csv') })).ok).toBe(true);
    } finally {
      service.session.dispose();
    }
    const exports = events(file, 'export');
    expect(exports.map((e) => e.entity)).toEqual(['study.table', 'study.figure', 'study.report']);
    expect(JSON.parse(exports[0].after_json)).toMatchObject({ table: 'table1', format: 'csv' });
    for (const e of exports) {
      expect(e.after_json).not.toMatch(/Jane|private|\//);
      expect(e.who).toBe(currentUser());
    }
  });
});
