// The study file on real temporary files: create, open, integrity, refusal (file untouched),
// migrations with backup, newer schema.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../../shared/api/contract';
import type { Migration } from '../../../electron/services/db/migrations/index';
import { migrations as appMigrations } from '../../../electron/services/db/migrations/index';
import {
  STUDY_APPLICATION_ID,
  createStudy,
  inspectStudy,
  latestSchemaVersion,
  openStudy,
} from '../../../electron/services/db/studyFile';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtcw-studyfile-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const sha256 = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** Directory listing + content hash of every file: proves a refused open changed nothing. */
function snapshot(): Record<string, string> {
  return Object.fromEntries(fs.readdirSync(dir).sort().map((name) => [name, sha256(path.join(dir, name))]));
}

async function expectRefusal(file: string, code: ApiError['code'], migrations?: Migration[]): Promise<ApiError> {
  const before = snapshot();
  const error = await openStudy(file, { migrations }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  expect((error as ApiError).code).toBe(code);
  expect(snapshot()).toEqual(before);
  return error as ApiError;
}

const m1: Migration = {
  version: 1,
  name: 'notes',
  up(db) {
    db.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
  },
};
const m2: Migration = {
  version: 2,
  name: 'note-tags',
  up(db) {
    db.exec('CREATE TABLE tags (id INTEGER PRIMARY KEY, note_id INTEGER NOT NULL REFERENCES notes(id), tag TEXT NOT NULL)');
    db.exec("INSERT INTO tags (note_id, tag) SELECT id, 'migrated' FROM notes");
  },
};

describe('createStudy', () => {
  it('creates a WAL database with foreign keys, our application id and the latest schema', () => {
    const file = path.join(dir, 'new.rtcw');
    const study = createStudy(file, { migrations: [m1, m2] });
    try {
      expect(study.path).toBe(file);
      expect(study.schemaVersion).toBe(2);
      expect(study.db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(study.db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(study.db.pragma('user_version', { simple: true })).toBe(2);
      expect(study.db.pragma('application_id', { simple: true })).toBe(STUDY_APPLICATION_ID);
      expect(() => study.db.prepare("INSERT INTO tags (note_id, tag) VALUES (99, 'x')").run()).toThrow(/FOREIGN KEY/);
    } finally {
      study.close();
    }
    // No temporary file is left behind.
    expect(fs.readdirSync(dir)).toEqual(['new.rtcw']);
  });

  it('creates the app schema (cohort tables with keys and checks)', () => {
    const study = createStudy(path.join(dir, 'app.rtcw'));
    try {
      expect(study.schemaVersion).toBe(latestSchemaVersion(appMigrations));
      expect(study.schemaVersion).toBeGreaterThanOrEqual(1);
      const tables = (study.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name);
      expect(tables).toEqual(expect.arrayContaining(['patients', 'lesions', 'rt_courses', 'audit_log']));
      expect(() => study.db.prepare("INSERT INTO lesions (patient_id, levels) VALUES (12345, 'L1')").run()).toThrow();
    } finally {
      study.close();
    }
  });

  it('runs `initialize` in the creating transaction', () => {
    const study = createStudy(path.join(dir, 'init.rtcw'), {
      migrations: [m1],
      initialize: (db) => db.prepare("INSERT INTO notes (body) VALUES ('hello')").run(),
    });
    expect(study.db.prepare('SELECT body FROM notes').pluck().get()).toBe('hello');
    study.close();
  });

  it('leaves no file when creation fails', () => {
    const file = path.join(dir, 'fails.rtcw');
    expect(() =>
      createStudy(file, {
        migrations: [m1],
        initialize: () => {
          throw new Error('boom');
        },
      }),
    ).toThrow(ApiError);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('refuses to overwrite an existing file', () => {
    const file = path.join(dir, 'exists.rtcw');
    fs.writeFileSync(file, 'precious');
    expect(() => createStudy(file, { migrations: [m1] })).toThrow(expect.objectContaining({ code: 'ALREADY_EXISTS' }));
    expect(fs.readFileSync(file, 'utf8')).toBe('precious');
  });
});

describe('openStudy', () => {
  it('reopens a study with its data, WAL and foreign keys on', async () => {
    const file = path.join(dir, 's.rtcw');
    const created = createStudy(file, { migrations: [m1] });
    created.db.prepare("INSERT INTO notes (body) VALUES ('kept')").run();
    created.close();
    const study = await openStudy(file, { migrations: [m1] });
    try {
      expect(study.db.prepare('SELECT body FROM notes').pluck().all()).toEqual(['kept']);
      expect(study.db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(study.db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(study.backupPath).toBeNull();
    } finally {
      study.close();
    }
    // Closed, a study is a single self-contained file.
    expect(fs.readdirSync(dir)).toEqual(['s.rtcw']);
  });

  it('reports a missing file as NOT_FOUND', async () => {
    await expect(openStudy(path.join(dir, 'missing.rtcw'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('refuses a non-SQLite file with a clear error and leaves it byte-identical', async () => {
    const file = path.join(dir, 'notes.rtcw');
    fs.writeFileSync(file, 'patient_id,sex\n1,F\n'.repeat(500));
    const error = await expectRefusal(file, 'NOT_A_STUDY');
    expect(error.message).toMatch(/notes\.rtcw is not a study file/);
  });

  it('refuses an empty file and leaves it untouched', async () => {
    const file = path.join(dir, 'empty.rtcw');
    fs.writeFileSync(file, '');
    await expectRefusal(file, 'NOT_A_STUDY');
    expect(fs.statSync(file).size).toBe(0);
  });

  it('refuses another application’s SQLite database', async () => {
    const file = path.join(dir, 'other.sqlite');
    const other = new Database(file);
    other.exec('CREATE TABLE t (x)');
    other.close();
    const error = await expectRefusal(file, 'NOT_A_STUDY');
    expect(error.message).toMatch(/not an RT Cohort Workstation study/);
  });

  it('refuses a corrupt study (integrity check) and leaves it byte-identical', async () => {
    const file = path.join(dir, 'corrupt.rtcw');
    const study = createStudy(file, { migrations: [m1] });
    const insert = study.db.prepare('INSERT INTO notes (body) VALUES (?)');
    study.db.transaction(() => {
      for (let i = 0; i < 3000; i++) insert.run(`note ${i} ${'x'.repeat(80)}`);
    })();
    study.db.exec('CREATE INDEX notes_body ON notes (body)');
    study.close();
    const pageSize = 4096;
    expect(fs.statSync(file).size).toBeGreaterThan(pageSize * 20);
    // Scribble over the middle of the file (b-tree pages), keeping the header intact.
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.alloc(pageSize * 4, 0x5a), 0, pageSize * 4, pageSize * 10);
    fs.closeSync(fd);
    const error = await expectRefusal(file, 'STUDY_CORRUPT', [m1]);
    expect(error.message).toMatch(/damaged/);
    expect(error.message).toMatch(/not modified/);
    // One readable line, however many findings integrity_check lists.
    expect(error.message).not.toMatch(/\n/);
    expect(error.message.length).toBeLessThan(400);
  });

  it('leaves no -wal/-shm side files when refusing a file left in WAL mode (e.g. after a crash)', async () => {
    const file = path.join(dir, 'wal.rtcw');
    createStudy(file, { migrations: [m1, m2] }).close();
    const raw = new Database(file);
    raw.pragma('journal_mode = WAL');
    raw.close();
    expect(fs.readFileSync(file)[18]).toBe(2); // header: WAL mode
    await expectRefusal(file, 'STUDY_TOO_NEW', [m1]);
    expect(fs.readdirSync(dir)).toEqual(['wal.rtcw']);
  });

  it('refuses a study from a newer schema and leaves it untouched', async () => {
    const file = path.join(dir, 'newer.rtcw');
    createStudy(file, { migrations: [m1, m2] }).close();
    const error = await expectRefusal(file, 'STUDY_TOO_NEW', [m1]);
    expect(error.message).toMatch(/schema 2.*up to 1/);
  });

  it('migrates an older study in one transaction after writing a backup next to it', async () => {
    const file = path.join(dir, 'old.rtcw');
    const old = createStudy(file, { migrations: [m1] });
    old.db.prepare("INSERT INTO notes (body) VALUES ('a'), ('b')").run();
    old.close();

    const study = await openStudy(file, { migrations: [m1, m2] });
    try {
      expect(study.schemaVersion).toBe(2);
      expect(study.db.pragma('user_version', { simple: true })).toBe(2);
      expect(study.db.prepare('SELECT count(*) FROM tags').pluck().get()).toBe(2);
      expect(study.backupPath).not.toBeNull();
      expect(path.dirname(study.backupPath!)).toBe(dir);
    } finally {
      study.close();
    }
    const backup = new Database(fs.readdirSync(dir).map((n) => path.join(dir, n)).find((p) => p.endsWith('.bak'))!, { readonly: true });
    try {
      expect(backup.pragma('user_version', { simple: true })).toBe(1);
      expect(backup.prepare('SELECT body FROM notes ORDER BY id').pluck().all()).toEqual(['a', 'b']);
      expect(backup.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'tags'").pluck().get()).toBe(0);
    } finally {
      backup.close();
    }
  });

  it('rolls a failing migration back completely (the study stays at its old version)', async () => {
    const file = path.join(dir, 'rollback.rtcw');
    createStudy(file, { migrations: [m1] }).close();
    const broken: Migration = {
      version: 2,
      name: 'broken',
      up(db) {
        db.exec('CREATE TABLE half_done (x)');
        throw new Error('migration bug');
      },
    };
    await expect(openStudy(file, { migrations: [m1, broken] })).rejects.toBeInstanceOf(ApiError);
    const study = await openStudy(file, { migrations: [m1] });
    try {
      expect(study.db.pragma('user_version', { simple: true })).toBe(1);
      expect(study.db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'half_done'").pluck().get()).toBe(0);
    } finally {
      study.close();
    }
  });

  it('inspectStudy validates without writing anything', () => {
    const file = path.join(dir, 'inspect.rtcw');
    createStudy(file, { migrations: [m1] }).close();
    const before = snapshot();
    expect(inspectStudy(file, [m1, m2])).toEqual({ userVersion: 1 });
    expect(snapshot()).toEqual(before);
  });

  it('rejects a migration list with gaps', () => {
    expect(() => createStudy(path.join(dir, 'gap.rtcw'), { migrations: [m1, { ...m2, version: 3 }] })).toThrow(/numbered/);
  });
});
