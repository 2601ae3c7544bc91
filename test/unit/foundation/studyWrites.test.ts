// Writes of the service host's connection (StudySession.write, electron/services/api/studySession.ts)
// wait for another connection's write lock asynchronously: the calling thread keeps serving other
// calls, and the write is applied, in order, once the lock is free. Real study files, the real API
// service; the lock is held by a second connection, as a worker's import holds it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiResponse } from '../../../shared/api/contract';
import { createApiRuntime, type ApiService } from '../../../electron/services/api/index';
import { typedPathChooser } from '../../../electron/harness/server';

let dir: string;
let service: ApiService;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtcw-study-writes-'));
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

describe('writes while another connection holds the write lock', () => {
  it('wait without blocking the thread, then apply in the order issued', async () => {
    const file = path.join(dir, 'locked.rtcw');
    ok(await service.call('createStudy', { path: file, title: 'Before' }));
    const patient = ok<{ id: number }>(await service.call('createCohortRecord', { entity: 'patient', values: { pseudonym: 'P-1' } }));

    // Another connection takes the write lock (as an import's worker does) and keeps it.
    const other = new Database(file, { fileMustExist: true });
    other.pragma('busy_timeout = 0');
    other.exec('BEGIN IMMEDIATE');
    other.prepare("INSERT INTO provenance (kind, label, created_by) VALUES ('manual', 'other connection', 'test')").run();

    const answered: string[] = [];
    const setting = service.call('updateStudySettings', { title: 'After' }).then((r) => (answered.push('setting'), r));
    const edit = service.call('updateCohortRecord', { entity: 'patient', id: patient.id, changes: { pseudonym: 'P-1-EDITED' } }).then((r) => (answered.push('edit'), r));
    // This thread is free: a timer fires and reads are answered, from the last committed state.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const current = ok<{ title: string }>(await service.call('currentStudy', {}));
    expect(current.title).toBe('Before');
    expect(ok<{ pseudonym: string }>(await service.call('getCohortRecord', { entity: 'patient', id: patient.id })).pseudonym).toBe('P-1');
    expect(answered).toEqual([]);

    other.exec('COMMIT');
    other.close();
    expect(ok<{ title: string }>(await setting).title).toBe('After');
    expect(ok<{ pseudonym: string }>(await edit).pseudonym).toBe('P-1-EDITED');
    expect(answered).toEqual(['setting', 'edit']);

    // Applied after the other connection's commit, each audited.
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      const provenance = db.prepare("SELECT id FROM provenance WHERE label = 'other connection'").get() as { id: number } | undefined;
      expect(provenance).toBeDefined();
      const audit = db.prepare('SELECT entity, entity_id AS entityId, after_json AS after FROM audit_log ORDER BY id').all() as Array<{ entity: string; entityId: number; after: string | null }>;
      const settingAt = audit.findIndex((r) => (r.after ?? '').includes('"After"'));
      const editAt = audit.findIndex((r) => r.entity === 'patient' && (r.after ?? '').includes('P-1-EDITED'));
      expect(settingAt).toBeGreaterThan(-1);
      expect(editAt).toBeGreaterThan(settingAt);
    } finally {
      db.close();
    }
  });

  it('a write that fails inside its transaction leaves nothing and does not hold up the next', async () => {
    const file = path.join(dir, 'atomic.rtcw');
    ok(await service.call('createStudy', { path: file }));
    const other = new Database(file, { fileMustExist: true });
    other.exec('BEGIN IMMEDIATE');
    const bad = service.call('createCohortRecord', { entity: 'patient', values: { pseudonym: 'B-1', ecog: 9 } });
    const good = service.call('createCohortRecord', { entity: 'patient', values: { pseudonym: 'G-1' } });
    await new Promise((resolve) => setTimeout(resolve, 20)); // both have met the lock by now
    other.exec('COMMIT');
    other.close();
    expect(await bad).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(ok<{ pseudonym: string }>(await good).pseudonym).toBe('G-1');
    const patients = ok<Array<{ pseudonym: string }>>(await service.call('listCohortRecords', { entity: 'patient' }));
    expect(patients.map((p) => p.pseudonym)).toEqual(['G-1']);
  });
});
