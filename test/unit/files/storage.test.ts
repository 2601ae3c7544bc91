// Full disks and read-only media, on a real small tmpfs (issue 12): a failing write is one line
// and exit 2 with the study consistent; a failed checkpoint on close is reported and the data is
// kept in the -wal; a study on read-only media is read by `dataset`/`report` and refused by writers.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStudy, openStudy, openStudyReadOnly } from '../../../electron/services/db/studyFile';
import { migrations } from '../../../electron/services/db/migrations/index';
import { populateDemoStudy } from '../../../electron/services/analysis/demoStudy';
import { StudySession } from '../../../electron/services/api/studySession';
import { isOneLine, rtcwSync, sha256 } from './studyProcesses';
import { patientMapping, writePatientCsv } from './patientTable';
import { fillDisk, mountTmpfs, type Tmpfs } from './tmpfsMount';

let work: string;
let small: Tmpfs | string;
beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'rtcw-storage-'));
  small = mountTmpfs('3m');
});
afterAll(() => {
  if (typeof small !== 'string') small.unmount();
  fs.rmSync(work, { recursive: true, force: true });
});

const mounted = () => {
  if (typeof small === 'string') throw new Error(small);
  return small;
};
const skipReason = () => (typeof small === 'string' ? small : null);

const count = (file: string, table = 'patients') => {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
};
const integrity = (file: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return db.pragma('integrity_check', { simple: true });
  } finally {
    db.close();
  }
};

describe('a full disk', () => {
  it('an import that fills the disk is one line, exit 2, and the study is as it was', (ctx) => {
    if (skipReason()) return ctx.skip();
    const { dir } = mounted();
    const study = path.join(dir, 'full.rtcw');
    createStudy(study).close();
    const seed = writePatientCsv(path.join(work, 'seed.csv'), 1, 10);
    expect(rtcwSync('study', 'import-table', study, '--table', seed, '--mapping', patientMapping).code).toBe(0);
    const filler = fillDisk(dir);
    fs.truncateSync(filler, Math.max(0, fs.statSync(filler).size - 256 * 1024)); // room to open, not to import
    // Far more than the free space.
    const big = writePatientCsv(path.join(work, 'big.csv'), 100, 20_000, (id) => `P-${id}-${'x'.repeat(50)}`);
    const r = rtcwSync('study', 'import-table', study, '--table', big, '--mapping', patientMapping);
    expect(r.code).toBe(2);
    expect(isOneLine(r.stderr)).toBe(true);
    expect(r.stderr).toMatch(/disk is full/);
    fs.rmSync(filler);
    expect(integrity(study)).toBe('ok');
    expect(count(study)).toBe(10);
    expect(fs.existsSync(`${study}.lock`)).toBe(false);
    fs.rmSync(study);
  });

  it('a checkpoint that fails on close is reported; the changes stay in the -wal and come back', async (ctx) => {
    if (skipReason()) return ctx.skip();
    const { dir } = mounted();
    const file = path.join(dir, 'checkpoint.rtcw');
    createStudy(file).close();
    const study = await openStudy(file);
    study.db.pragma('wal_autocheckpoint = 0'); // keep every committed page in the WAL until close
    study.db.exec('CREATE TABLE test_bulk (x TEXT)');
    study.db.transaction(() => {
      const insert = study.db.prepare('INSERT INTO test_bulk (x) VALUES (?)');
      for (let i = 0; i < 3000; i++) insert.run(`CK-${i}-${'y'.repeat(100)}`);
    })();
    const filler = fillDisk(dir); // the main file cannot grow to take the WAL's pages
    let restored = false;
    const restore = () => {
      if (!restored) fs.rmSync(filler);
      restored = true;
    };
    ctx.onTestFinished(restore);
    let failure: unknown = null;
    try {
      study.close();
    } catch (error) {
      failure = error;
    }
    expect(failure).toMatchObject({ code: 'IO_ERROR', message: expect.stringMatching(/checkpoint\.rtcw could not be finalised \(the disk is full\).*checkpoint\.rtcw-wal, which must stay beside it/) });
    expect(fs.statSync(`${file}-wal`).size).toBeGreaterThan(0);
    restore();
    const again = await openStudy(file);
    expect((again.db.prepare('SELECT count(*) AS n FROM test_bulk').get() as { n: number }).n).toBe(3000);
    again.close();
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
    expect(integrity(file)).toBe('ok');
    fs.rmSync(file);
  });
});

describe('read-only copies', () => {
  it('dataset and report read a study on read-only media; writers are refused with one line', async (ctx) => {
    if (skipReason()) return ctx.skip();
    const media = mounted();
    const source = path.join(work, 'demo.rtcw');
    createStudy(source, { initialize: (db) => populateDemoStudy(db) }).close();
    const study = path.join(media.dir, 'demo.rtcw');
    fs.copyFileSync(source, study);
    media.remountReadOnly();
    try {
      const before = sha256(study);
      const dataset = rtcwSync('dataset', '--study', study);
      expect(dataset.stderr).toBe('');
      expect(dataset.code).toBe(0);
      expect(dataset.stdout.trim().split('\n').length).toBeGreaterThan(10);
      const report = rtcwSync('report', '--study', study, '--out', path.join(work, 'report'));
      expect(report.code).toBe(0);
      expect(fs.existsSync(path.join(work, 'report', 'table1.csv'))).toBe(true);

      const table = writePatientCsv(path.join(work, 'ro.csv'), 900, 2);
      const write = rtcwSync('study', 'import-table', study, '--table', table, '--mapping', patientMapping);
      expect(write.code).toBe(2);
      expect(isOneLine(write.stderr)).toBe(true);
      expect(write.stderr).toMatch(/demo\.rtcw is on a read-only disk or folder: it can only be opened read-only/);

      const session = new StudySession({ userDataDir: path.join(work, 'ud') });
      await expect(session.open(study)).rejects.toMatchObject({ code: 'READ_ONLY' });
      expect(await session.open(study, { readOnly: true })).toMatchObject({ readOnly: true, counts: { patients: 24 } });
      session.dispose();
      expect(sha256(study)).toBe(before);
      expect(fs.readdirSync(media.dir)).toEqual(['demo.rtcw']);
    } finally {
      media.remountWritable();
      fs.rmSync(study, { force: true });
    }
  });

  it('reading commands never change a byte of a study, and never migrate one', () => {
    const study = path.join(work, 'bytes.rtcw');
    createStudy(study, { initialize: (db) => populateDemoStudy(db) }).close();
    const before = sha256(study);
    expect(rtcwSync('dataset', '--study', study).code).toBe(0);
    expect(rtcwSync('report', '--study', study, '--out', path.join(work, 'report2')).code).toBe(0);
    expect(sha256(study)).toBe(before);

    const old = path.join(work, 'old.rtcw');
    createStudy(old, { migrations: migrations.slice(0, 3) }).close();
    const oldBytes = sha256(old);
    const r = rtcwSync('dataset', '--study', old);
    expect(r.code).toBe(2);
    expect(isOneLine(r.stderr)).toBe(true);
    expect(r.stderr).toContain(`older file format (schema 3; this version uses ${migrations.length})`);
    expect(sha256(old)).toBe(oldBytes);
    expect(fs.readdirSync(work).filter((f) => f.startsWith('old.rtcw'))).toEqual(['old.rtcw']);
    expect(() => openStudyReadOnly(old)).toThrow(/must be upgraded/);
  });
});
