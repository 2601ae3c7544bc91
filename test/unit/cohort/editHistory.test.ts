// Multi-level undo/redo through the real API service on a real study file (issue 16):
// edits, adds and deletes (with their cascade) undo and redo in order, the history survives
// reopening the study, a new edit clears the redo list, and a step whose row changed since is
// refused instead of overwriting newer data.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiResponse } from '../../../shared/api/contract';
import type { CohortRow, EditHistoryState } from '../../../shared/api/cohort';
import { createApiRuntime, type ApiService } from '../../../electron/services/api/index';
import { typedPathChooser } from '../../../electron/harness/server';

let dir: string;
let service: ApiService;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtcw-undo-'));
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

async function rows(entity: string): Promise<CohortRow[]> {
  return ok<CohortRow[]>(await service.call('listCohortRecords', { entity }));
}

describe('undo and redo backed by the audit log', () => {
  it('undoes and redoes edits, adds and cascading deletes in order, across reopening', async () => {
    const file = path.join(dir, 'u.rtcw');
    ok(await service.call('createStudy', { path: file }));
    const p = ok<CohortRow>(await service.call('createCohortRecord', { entity: 'patient', values: { pseudonym: 'P1', sex: 'F' }, label: 'add P1' }));
    const l = ok<CohortRow>(await service.call('createCohortRecord', { entity: 'lesion', values: { patientId: p.id, levels: 'T8', sins: 7 }, label: 'add T8' }));
    ok(await service.call('updateCohortRecord', { entity: 'lesion', id: l.id, changes: { sins: 9 }, label: 'SINS of P1 T8' }));
    ok(await service.call('updateCohortRecord', { entity: 'lesion', id: l.id, changes: { sins: 11 }, label: 'SINS again' }));
    ok(await service.call('deleteCohortRecord', { entity: 'patient', id: p.id, label: 'delete P1' }));
    expect(await rows('patient')).toHaveLength(0);
    expect(await rows('lesion')).toHaveLength(0);
    let state = ok<EditHistoryState>(await service.call('cohortEditHistory', {}));
    expect(state).toEqual({ undo: 'delete P1', redo: null, depth: 5 });

    // The history is in the study: close and reopen, then undo the delete (patient and lesion back, same ids).
    ok(await service.call('closeStudy', {}));
    ok(await service.call('openStudy', { path: file }));
    ok(await service.call('undoCohortEdit', {}));
    expect((await rows('patient')).map((r) => [r.id, r.pseudonym])).toEqual([[p.id, 'P1']]);
    expect((await rows('lesion')).map((r) => [r.id, r.sins])).toEqual([[l.id, 11]]);
    ok(await service.call('undoCohortEdit', {}));
    ok(await service.call('undoCohortEdit', {}));
    expect((await rows('lesion'))[0].sins).toBe(7);
    state = ok<EditHistoryState>(await service.call('cohortEditHistory', {}));
    expect(state).toEqual({ undo: 'add T8', redo: 'SINS of P1 T8', depth: 2 });

    // Redo goes forward again in order.
    ok(await service.call('redoCohortEdit', {}));
    expect((await rows('lesion'))[0].sins).toBe(9);

    // A new edit clears the redo list.
    ok(await service.call('updateCohortRecord', { entity: 'lesion', id: l.id, changes: { sins: 3 }, label: 'SINS to 3' }));
    state = ok<EditHistoryState>(await service.call('cohortEditHistory', {}));
    expect(state.redo).toBeNull();
    const redo = await service.call('redoCohortEdit', {});
    expect(redo.ok ? '' : redo.error.message).toBe('Nothing to redo.');

    // Undo an add removes the row; the audit log records the undo as a delete.
    ok(await service.call('undoCohortEdit', {}));
    ok(await service.call('undoCohortEdit', {}));
    ok(await service.call('undoCohortEdit', {}));
    expect(await rows('lesion')).toHaveLength(0);
    const audit = ok<Array<{ action: string; entity: string }>>(await service.call('listAuditLog', { entity: 'lesion' }));
    expect(audit[0].action).toBe('delete');
  });

  it('refuses to undo over a change made outside the history, and changes nothing', async () => {
    ok(await service.call('createStudy', { path: path.join(dir, 'c.rtcw') }));
    const p = ok<CohortRow>(await service.call('createCohortRecord', { entity: 'patient', values: { pseudonym: 'P2', sex: 'M' } }));
    ok(await service.call('updateCohortRecord', { entity: 'patient', id: p.id, changes: { sex: 'F' }, label: 'sex of P2' }));
    // Another writer (a spreadsheet import, the CLI) changes the same row directly in the study.
    const db = service.session.study.db;
    db.prepare("UPDATE patients SET sex = 'M' WHERE id = ?").run(p.id);
    const r = await service.call('undoCohortEdit', {});
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/Cannot undo or redo "sex of P2": the row has been changed/);
    expect((await rows('patient'))[0].sex).toBe('M');
    expect(ok<EditHistoryState>(await service.call('cohortEditHistory', {})).undo).toBe('sex of P2');
  });
});
