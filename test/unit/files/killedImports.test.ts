// A kill during each kind of import (issue 12): spreadsheet, DICOM and the schema migration that
// opening an older study runs. Each child is SIGKILLed inside its transaction; afterwards the
// study is consistent and as it was, the writer lock is free at once (the OS released it), and
// the same import then runs to completion.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStudy, inspectStudy, openStudy } from '../../../electron/services/db/studyFile';
import { migrations } from '../../../electron/services/db/migrations/index';
import { populateDemoStudy } from '../../../electron/services/analysis/demoStudy';
import { childScript, collect, rtcwSync } from './studyProcesses';
import { patientMapping, writePatientCsv } from './patientTable';

const dicomFolder = path.resolve(__dirname, '../../fixtures/dicom/cohort-a');
let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtcw-killed-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function snapshot(file: string) {
  const db = new Database(file, { readonly: true });
  try {
    const n = (t: string) => (db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n;
    return {
      integrity: db.pragma('integrity_check', { simple: true }),
      schema: db.pragma('user_version', { simple: true }),
      patients: n('patients'),
      lesions: n('lesions'),
      courses: n('rt_courses'),
      audit: n('audit_log'),
    };
  } finally {
    db.close();
  }
}

/** The writer lock is free: a writer gets it without waiting. */
async function lockIsFree(file: string) {
  (await openStudy(file, { lockWaitMs: 0 })).close();
}

describe('a kill during each kind of import', () => {
  it('spreadsheet import', async () => {
    const study = path.join(dir, 'table.rtcw');
    createStudy(study).close();
    const table = writePatientCsv(path.join(dir, 'patients.csv'), 1, 500);
    const before = snapshot(study);
    const child = await collect(childScript('killedTableImportChild.ts', study, table, patientMapping, '250'));
    expect(child.signal).toBe('SIGKILL');
    expect(child.stdout).toContain('killing after 250 rows');
    expect(snapshot(study)).toEqual(before);
    await lockIsFree(study);
    const again = rtcwSync('study', 'import-table', study, '--table', table, '--mapping', patientMapping);
    expect(again.code).toBe(0);
    expect(snapshot(study)).toMatchObject({ integrity: 'ok', patients: 500 });
  });

  it('DICOM import', async () => {
    const study = path.join(dir, 'dicom.rtcw');
    createStudy(study).close();
    const before = snapshot(study);
    const killer = fileURLToPath(new URL('../dicom/killedImportChild.ts', import.meta.url));
    const { spawn } = await import('node:child_process');
    const child = await collect(spawn(process.execPath, ['--import', 'tsx', killer, study, dicomFolder, '3']));
    expect(child.signal).toBe('SIGKILL');
    expect(child.stdout).toMatch(/killing at 3\//);
    expect(snapshot(study)).toEqual(before);
    await lockIsFree(study);
    const again = rtcwSync('study', 'import-dicom', study, '--dir', dicomFolder);
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    expect(snapshot(study).courses).toBeGreaterThan(3);
  });

  it('schema migration on open', async () => {
    const study = path.join(dir, 'old.rtcw');
    createStudy(study, { migrations: migrations.slice(0, 3), initialize: (db) => populateDemoStudy(db) }).close();
    const before = snapshot(study);
    expect(before.schema).toBe(3);
    const child = await collect(childScript('killedMigrationChild.ts', study));
    expect(child.signal).toBe('SIGKILL');
    expect(child.stdout).toContain('killing inside the migration');
    expect(snapshot(study)).toEqual(before);
    expect(inspectStudy(study).userVersion).toBe(3);
    await lockIsFree(study); // … and this open migrates it
    expect(snapshot(study)).toMatchObject({ integrity: 'ok', schema: migrations.length, patients: before.patients, audit: before.audit + 1 });
  });
});
