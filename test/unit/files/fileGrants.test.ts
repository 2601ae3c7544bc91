// File grants scoped to purpose (issue 12), through the real API service as both transports use
// it: web mode (typed paths) and a dialog chooser like the desktop app's. Reuse of a grant for
// another purpose, writing over the open study, the wrong extension, and overwriting.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiResponse } from '../../../shared/api/contract';
import { createApiRuntime, FileGrants, type ApiService, type ChosenPath } from '../../../electron/services/api/index';
import { checkChosenPath } from '../../../electron/services/api/fileGrants';
import { typedPathChooser } from '../../../electron/harness/server';
import { createStudy } from '../../../electron/services/db/studyFile';
import { populateDemoStudy } from '../../../electron/services/analysis/demoStudy';
import { sha256 } from './studyProcesses';

const spec = { endpoint: 'local' as const, groupBy: 'concurrent' };
let dir: string;
let studyPath: string;
let userData: string;
let web: ApiService;
/** The next path the "dialog" returns (as electron/main's chooser does after a native dialog). */
let dialogPick: string | null = null;
let desktop: ApiService;

const failure = (r: ApiResponse) => (r.ok ? null : r.error);

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtcw-grants-'));
  userData = path.join(dir, 'user-data');
  studyPath = path.join(dir, 'cohort.rtcw');
  createStudy(studyPath, { initialize: (db) => populateDemoStudy(db) }).close();
  web = createApiRuntime({ userDataDir: userData, choosePath: typedPathChooser(path.join(dir, 'downloads')), logError: () => {} });
  expect((await web.call('openStudy', { path: studyPath })).ok).toBe(true);
});
afterAll(() => {
  web.session.dispose();
  desktop?.session.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('grants are scoped to a purpose', () => {
  it('a read grant is reusable only for its own purpose; a write grant never', () => {
    const grants = new FileGrants();
    const sheet = path.join(dir, 'sheet.xlsx');
    grants.record({ purpose: 'importTable' }, sheet);
    expect(grants.allows({ purpose: 'importTable' }, sheet)).toBe(true);
    expect(grants.allows({ purpose: 'openStudy' }, sheet)).toBe(false);
    expect(grants.allows({ purpose: 'exportTable' }, sheet)).toBe(false);
    const out = path.join(dir, 'table1.csv');
    grants.record({ purpose: 'exportTable' }, out);
    expect(grants.allows({ purpose: 'exportTable' }, out)).toBe(false);
    expect(grants.allows({ purpose: 'exportFigure' }, out)).toBe(false);
    expect(() => grants.record({ purpose: 'somethingElse' }, out)).toThrow(/No file access is defined/);
  });

  it('an unknown purpose is refused before any path is used', () => {
    expect(() => checkChosenPath({ purpose: 'deleteEverything', mode: 'save-file', title: 'x' }, { path: path.join(dir, 'x'), source: 'dialog' }, { openStudyPath: null, appDirs: [] })).toThrow(
      /No file access is defined for "deleteEverything"/,
    );
  });
});

describe('exports never write over the study or the app', () => {
  it('exportTable to the open study is refused and the study is untouched', async () => {
    const before = { size: fs.statSync(studyPath).size, hash: sha256(studyPath) };
    const r = await web.call('exportTable', { spec, table: 'table1', format: 'csv', path: studyPath });
    expect(failure(r)).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('cohort.rtcw belongs to the open study') });
    expect({ size: fs.statSync(studyPath).size, hash: sha256(studyPath) }).toEqual(before);
    const wal = await web.call('exportTable', { spec, table: 'table1', format: 'csv', path: `${studyPath}-wal` });
    expect(failure(wal)).toMatchObject({ code: 'FORBIDDEN' });
    const db = new Database(studyPath, { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
  });

  it('another database file is never replaced, even through the dialog', async () => {
    const other = path.join(dir, 'other.rtcw');
    createStudy(other).close();
    const otherCsv = path.join(dir, 'other-study.csv');
    fs.copyFileSync(other, otherCsv); // a study renamed .csv is still a study
    const before = sha256(otherCsv);
    desktop = createApiRuntime({ userDataDir: path.join(dir, 'desktop-data'), choosePath: async (request) => (request.requested ? { path: request.requested, source: 'grant' } : dialogPick ? ({ path: dialogPick, source: 'dialog' } satisfies ChosenPath) : null), logError: () => {} });
    expect((await desktop.call('openStudy', { path: studyPath })).ok).toBe(false); // held by `web`: one writer
    expect(await desktop.call('openStudy', { path: studyPath, readOnly: true })).toMatchObject({ ok: true, result: { readOnly: true } });
    dialogPick = otherCsv;
    const r = await desktop.call('exportTable', { spec, table: 'table1', format: 'csv' });
    expect(failure(r)).toMatchObject({ code: 'FORBIDDEN', message: expect.stringMatching(/is a study or database file/) });
    expect(sha256(otherCsv)).toBe(before);
  });

  it('the app folder is not a report folder', async () => {
    for (const outDir of [userData, path.join(userData, 'reports')]) {
      const r = await web.call('writeStudyReport', { outDir });
      expect(failure(r)).toMatchObject({ code: 'FORBIDDEN' });
    }
    expect(fs.existsSync(path.join(userData, 'table1.csv'))).toBe(false);
  });
});

describe('the installed app is not an export target', () => {
  it('a file inside the installation folder is refused', async () => {
    const install = path.join(dir, 'install');
    fs.mkdirSync(install);
    const packaged = createApiRuntime({ userDataDir: path.join(dir, 'packaged-data'), choosePath: typedPathChooser(dir), appDirs: [install], logError: () => {} });
    try {
      expect((await packaged.call('openStudy', { path: studyPath, readOnly: true })).ok).toBe(true);
      const r = await packaged.call('exportTable', { spec, table: 'table1', format: 'csv', path: path.join(install, 'resources', 't1.csv') });
      expect(failure(r)).toMatchObject({ code: 'FORBIDDEN' });
      expect(fs.readdirSync(install)).toEqual([]);
    } finally {
      packaged.session.dispose();
    }
  });
});

describe('the format follows the name; overwriting needs the dialog', () => {
  it('PNG data is never written into a .pdf name', async () => {
    const target = path.join(dir, 'km-wrong-ext.pdf');
    const r = await web.call('exportFigure', { spec, format: 'png', path: target });
    expect(failure(r)).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/km-wrong-ext\.pdf: the file is PNG image, so its name must end in \.png/) });
    expect(fs.existsSync(target)).toBe(false);
  });

  it('a name without extension gets the format; the same name again does not replace that file', async () => {
    const target = path.join(dir, 'table-one');
    const first = await web.call('exportTable', { spec, table: 'table1', format: 'csv', path: target });
    expect(first).toMatchObject({ ok: true, result: { path: `${target}.csv` } });
    const before = sha256(`${target}.csv`);
    const again = await web.call('exportTable', { spec, table: 'cox', format: 'csv', path: target });
    expect(failure(again)).toMatchObject({ code: 'ALREADY_EXISTS', message: expect.stringContaining('table-one.csv already exists') });
    expect(sha256(`${target}.csv`)).toBe(before);
  });

  it('a typed path never replaces a file; a path confirmed in the save dialog does', async () => {
    const keep = path.join(dir, 'keep.csv');
    fs.writeFileSync(keep, 'my own notes\n');
    const typed = await web.call('exportTable', { spec, table: 'table1', format: 'csv', path: keep });
    expect(failure(typed)).toMatchObject({ code: 'ALREADY_EXISTS' });
    expect(fs.readFileSync(keep, 'utf8')).toBe('my own notes\n');
    dialogPick = keep;
    const confirmed = await desktop.call('exportTable', { spec, table: 'table1', format: 'csv' });
    expect(failure(confirmed)).toBeNull();
    expect(confirmed).toMatchObject({ ok: true, result: { path: keep } });
    expect(fs.readFileSync(keep, 'utf8')).toMatch(/Table 1/);
  });
});
