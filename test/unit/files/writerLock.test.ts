// One writer per study (issue 12), with real processes: the CLI and an "app" process holding a
// study, two imports started together, a SIGKILLed holder, read-only opening while another writes,
// BEGIN IMMEDIATE, stale -wal/-shm files and the rollback journal used on network file systems.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../../shared/api/contract';
import { createStudy, isNetworkFileSystem, openStudy, openStudyReadOnly } from '../../../electron/services/db/studyFile';
import { StudySession } from '../../../electron/services/api/studySession';
import { createApiService } from '../../../electron/services/api/apiService';
import { api } from '../../../shared/api/index';
import { handlers } from '../../../electron/services/api/index';
import { typedPathChooser } from '../../../electron/harness/server';
import { childScript, collect, isOneLine, rtcwAsync, rtcwProcess, rtcwSync, sha256, waitForOutput } from './studyProcesses';
import { patientMapping, writePatientCsv } from './patientTable';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtcw-writer-lock-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const patientCount = (file: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM patients').get() as { n: number }).n;
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

describe('one writer per study, across processes', () => {
  it('two imports started together both succeed, one after the other, and nothing is lost', async () => {
    const study = path.join(dir, 'together.rtcw');
    createStudy(study).close();
    const a = writePatientCsv(path.join(dir, 'a.csv'), 1, 400);
    const b = writePatientCsv(path.join(dir, 'b.csv'), 1001, 400);
    const [ra, rb] = await Promise.all([
      rtcwAsync('study', 'import-table', study, '--table', a, '--mapping', patientMapping),
      rtcwAsync('study', 'import-table', study, '--table', b, '--mapping', patientMapping),
    ]);
    for (const r of [ra, rb]) {
      expect(r.stderr).not.toMatch(/database is locked|internal error|SqliteError/);
      expect(r.code).toBe(0);
    }
    expect(patientCount(study)).toBe(800);
    expect(integrity(study)).toBe('ok');
    expect(fs.existsSync(`${study}.lock`)).toBe(false);
  });

  it('a CLI writer waits for another rtcw command, saying so on stderr, then runs', async () => {
    const study = path.join(dir, 'queued.rtcw');
    createStudy(study).close();
    const table = writePatientCsv(path.join(dir, 'queued.csv'), 1, 7);
    const holder = childScript('holdStudyChild.ts', study, 'rtcw');
    const holderDone = collect(holder);
    await waitForOutput(holder, 'holding');
    const waiter = rtcwProcess('study', 'import-table', study, '--table', table, '--mapping', patientMapping);
    const waiterDone = collect(waiter);
    await waitForOutput(waiter, `queued.rtcw is in use by rtcw (pid ${holder.pid} on ${os.hostname()}); waiting`, 'stderr');
    expect(patientCount(study)).toBe(0);
    holder.stdin?.end(); // the other command finishes
    expect((await holderDone).stdout).toContain('closed');
    const result = await waiterDone;
    expect(result.code).toBe(0);
    expect(patientCount(study)).toBe(7);
  });

  it('a study open in the app refuses a CLI writer with who holds it; reading still works; a SIGKILLed holder frees it', async () => {
    const study = path.join(dir, 'held.rtcw');
    createStudy(study).close();
    const table = writePatientCsv(path.join(dir, 'held.csv'), 1, 5);
    const holder = childScript('holdStudyChild.ts', study);
    const done = collect(holder);
    await waitForOutput(holder, 'holding');

    const refused = rtcwSync('study', 'import-table', study, '--table', table, '--mapping', patientMapping);
    expect(refused.code).toBe(2);
    expect(isOneLine(refused.stderr)).toBe(true);
    expect(refused.stderr).toContain(`held.rtcw is open in RT Cohort Workstation (pid ${holder.pid} on ${os.hostname()})`);
    expect(refused.stderr).toMatch(/open it read-only/);

    // In this process too (another "app" window, or the harness): refused, but read-only works.
    await expect(openStudy(study, { program: 'app' })).rejects.toMatchObject({ code: 'STUDY_LOCKED' });
    const reader = openStudyReadOnly(study);
    expect(reader.readOnly).toBe(true);
    expect(() => reader.db.exec('CREATE TABLE test_scratch (x)')).toThrow(/readonly/i);
    reader.close();
    const dataset = rtcwSync('dataset', '--study', study);
    expect(dataset.code).toBe(0);
    expect(dataset.stdout.split('\n')[0]).toMatch(/^patient,lesion,/);

    holder.kill('SIGKILL'); // no cleanup: the OS drops its file locks
    expect((await done).signal).toBe('SIGKILL');
    const after = rtcwSync('study', 'import-table', study, '--table', table, '--mapping', patientMapping);
    expect(after.stderr).toBe('');
    expect(after.code).toBe(0);
    expect(patientCount(study)).toBe(5);
  });

  it('the app (two sessions in one process) refuses the second writer and offers read-only; writes there are READ_ONLY', async () => {
    const study = path.join(dir, 'sessions.rtcw');
    createStudy(study).close();
    const first = new StudySession({ userDataDir: path.join(dir, 'ud1') });
    await first.open(study);
    const second = new StudySession({ userDataDir: path.join(dir, 'ud2') });
    await expect(second.open(study)).rejects.toMatchObject({ code: 'STUDY_LOCKED', message: expect.stringContaining(`pid ${process.pid}`) });
    const service = createApiService({ session: second, methods: api, handlers, choosePath: typedPathChooser(dir) });
    const opened = await service.call('openStudy', { path: study, readOnly: true });
    expect(opened).toMatchObject({ ok: true, result: { readOnly: true } });
    const edit = await service.call('createCohortRecord', { entity: 'patient', values: { pseudonym: 'X-1' } });
    expect(edit).toMatchObject({ ok: false, error: { code: 'READ_ONLY' } });
    second.dispose();
    first.dispose();
    expect(patientCount(study)).toBe(0);
  });

  it('every write transaction begins IMMEDIATE, so the writer lock is taken before the first read', () => {
    const study = createStudy(path.join(dir, 'immediate.rtcw'));
    try {
      study.db.transaction(() => {
        study.db.prepare('SELECT count(*) FROM patients').get();
        const other = new Database(study.path, { timeout: 0 });
        try {
          expect(() => other.exec('BEGIN IMMEDIATE')).toThrow(/locked|busy/i);
        } finally {
          other.close();
        }
      })();
    } finally {
      study.close();
    }
  });
});

describe('closing folds the WAL back into the file', () => {
  it('with a reader still connected, the closed study alone (copied without side files) holds every change', async () => {
    const file = path.join(dir, 'fold.rtcw');
    createStudy(file).close();
    const writer = await openStudy(file);
    const reader = openStudyReadOnly(file);
    writer.db.exec('CREATE TABLE test_fold (x); INSERT INTO test_fold VALUES (1), (2), (3)');
    expect(() => writer.close()).not.toThrow();
    const copy = path.join(dir, 'fold-copy.rtcw');
    fs.copyFileSync(file, copy); // only the main file, as a user would mail it
    reader.close();
    const db = new Database(copy, { readonly: true });
    expect((db.prepare('SELECT count(*) AS n FROM test_fold').get() as { n: number }).n).toBe(3);
    db.close();
  });
});

describe('side files that do not belong to the study', () => {
  /** A real, non-empty WAL from another database. */
  function foreignWal(): Buffer {
    const other = path.join(dir, `other-${Date.now()}.db`);
    const db = new Database(other);
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0');
    db.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1), (2)');
    const wal = fs.readFileSync(`${other}-wal`);
    db.close();
    expect(wal.length).toBeGreaterThan(0);
    return wal;
  }

  it('a new study next to a stale, non-empty -wal is refused and the -wal is left alone', () => {
    const file = path.join(dir, 'stale-new.rtcw');
    fs.writeFileSync(`${file}-wal`, foreignWal());
    const before = sha256(`${file}-wal`);
    const cli = rtcwSync('study', 'create', file);
    expect(cli.code).toBe(2);
    expect(isOneLine(cli.stderr)).toBe(true);
    expect(cli.stderr).toMatch(/stale-new\.rtcw-wal is left over/);
    expect(fs.existsSync(file)).toBe(false);
    expect(sha256(`${file}-wal`)).toBe(before);
  });

  it('empty -wal and -shm leftovers are removed when a study is created', () => {
    const file = path.join(dir, 'stale-empty.rtcw');
    fs.writeFileSync(`${file}-wal`, '');
    fs.writeFileSync(`${file}-shm`, Buffer.alloc(32768, 7));
    createStudy(file).close();
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
    expect(fs.existsSync(`${file}-shm`)).toBe(false);
    expect(integrity(file)).toBe('ok');
  });

  it('a -wal beside a closed (rollback-mode) study is never replayed into it', async () => {
    const file = path.join(dir, 'stale-open.rtcw');
    createStudy(file).close();
    const before = sha256(file);
    fs.writeFileSync(`${file}-wal`, foreignWal());
    const error = await openStudy(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).message).toMatch(/stale-open\.rtcw-wal is left over from another copy/);
    expect(sha256(file)).toBe(before);
    fs.rmSync(`${file}-wal`);
    (await openStudy(file)).close();
  });
});

describe('network file systems', () => {
  it('uses a rollback journal instead of WAL (no -wal/-shm while open)', async () => {
    const file = path.join(dir, 'network.rtcw');
    createStudy(file).close();
    const study = await openStudy(file, { fileSystem: 'network' });
    try {
      expect(study.journalMode).toBe('delete');
      expect(study.db.pragma('journal_mode', { simple: true })).toBe('delete');
      study.db.exec('CREATE TABLE test_scratch (x); INSERT INTO test_scratch VALUES (1)');
      expect(fs.existsSync(`${file}-wal`)).toBe(false);
    } finally {
      study.close();
    }
    expect(integrity(file)).toBe('ok');
  });

  it('recognises local disks as local', () => {
    expect(isNetworkFileSystem(dir)).toBe(false);
  });
});
