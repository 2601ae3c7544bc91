// The service host as the desktop app runs it: a separate process owning the study's SQLite
// connection, driven over messages (here child_process.fork; in Electron a utilityProcess). While
// a 20,000-row spreadsheet import and a 1200 dpi TIFF export run, other calls are answered; cancel
// stops each with nothing written. (Latency is measured in test/bench/serviceHost.bench.ts.)
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiResponse, JobProgress } from '../../../shared/api/contract';
import { api } from '../../../shared/api/index';
import type { ImportReport } from '../../../shared/domain/importReport';
import type { PathRequest } from '../../../electron/services/api/index';
import { forkServiceHost, startServiceHost } from '../../../electron/services/host/hostProcess';
import { connectServiceHost } from '../../../electron/services/host/hostClient';
import type { ServiceHostClient } from '../../../electron/services/host/hostClient';
import { writePatientSheet } from './patientSheet';
import { createStudy } from '../../../electron/services/db/studyFile';
import { migrations } from '../../../electron/services/db/migrations/index';
import { KeyFileStore, studyKeysDir } from '../../../electron/services/identity/studyKey';

let dir: string;
let host: ServiceHostClient;
const dialogAnswers: Array<string | null> = [];
const dialogRequests: PathRequest[] = [];
const mapping = JSON.parse(fs.readFileSync(path.resolve('test/fixtures/import/patients-mapping.json'), 'utf8')) as unknown;
let sheet: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtcw-host-'));
  sheet = writePatientSheet(path.join(dir, 'patients-20000.csv'), 20_000);
  // Stands in for main's native dialogs: typed paths pass, otherwise the next queued answer.
  host = await startServiceHost({
    methods: api,
    userDataDir: path.join(dir, 'user-data'),
    choosePath: async (request) => {
      dialogRequests.push(request);
      return request.requested ?? dialogAnswers.shift() ?? null;
    },
  });
});
afterAll(async () => {
  await host?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function result<T>(response: ApiResponse): T {
  if (!response.ok) throw new Error(`${response.error.code}: ${response.error.message}`);
  return response.result as T;
}

function patientsIn(file: string): number {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM patients').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/** A study of `patients` bulk patients at schema `schema` (older than the app's: opening upgrades it). */
function writeLargeStudy(file: string, patients: number, schema: number): void {
  const study = createStudy(file, { migrations: migrations.slice(0, schema), keyStore: new KeyFileStore(studyKeysDir(path.join(dir, 'user-data'))) });
  try {
    study.db.transaction(() => {
      study.db.prepare("INSERT INTO provenance (kind, label, created_by) VALUES ('manual', 'bulk', 'test')").run();
      study.db
        .prepare(
          `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
           INSERT INTO patients (pseudonym, sex, age_at_first_rt, ecog, vital_status, histology, provenance_id)
           SELECT 'BULK-' || i, 'F', 40 + i % 40, i % 3, 'alive', 'adenocarcinoma of the lung, bulk row ' || i, 1 FROM n`,
        )
        .run(patients);
    })();
  } finally {
    study.close();
  }
}

/** Resolves `started` at the first progress report of at least `startedPct`, with the call's own promise. */
function longCall(method: string, input: object, jobId: string, startedPct = 10) {
  const progress: JobProgress[] = [];
  let firstProgress!: () => void;
  const started = new Promise<void>((resolve) => (firstProgress = resolve));
  const done = host.call(method, input, {
    jobId,
    onProgress: (p) => {
      progress.push(p);
      if (p.pct >= startedPct) firstProgress();
    },
  });
  return { progress, started, done };
}

describe('service host process', () => {
  it('serves every contract method by name and asks main for file dialogs', async () => {
    expect(Object.keys(host.methods).sort()).toEqual(Object.keys(api).sort());
    const unknown = await host.call('noSuchMethod', {});
    expect(unknown).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });

    const file = path.join(dir, 'host-study.rtcw');
    dialogAnswers.push(file);
    const info = result<{ path: string }>(await host.call('createStudy', { title: 'Host study' }));
    expect(info.path).toBe(file);
    expect(dialogRequests.at(-1)).toMatchObject({ purpose: 'createStudy', mode: 'save-file' });
    // The host tells main about the new recent entry (File menu, path grants).
    await expect.poll(() => host.recent.has(file)).toBe(true);

    dialogAnswers.push(null);
    expect(await host.call('openStudy', {})).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
  });

  it('answers other calls while a 20,000-row import runs, then commits all of it', async () => {
    const file = path.join(dir, 'host-study.rtcw');
    const job = longCall('commitTableImport', { path: sheet, mapping }, 'import-full');
    let finished = false;
    void job.done.then(() => (finished = true));
    await job.started;
    // Answered mid-import, from the last committed state: the import is all or nothing.
    const counts = result<{ patients: number }>(await host.call('studyCounts', {}));
    expect(finished).toBe(false);
    expect(counts.patients).toBe(0);
    const report = result<ImportReport>(await job.done);
    expect(report.committed).toBe(true);
    expect(report.sheets[0].inserted).toBe(20_000);
    expect(job.progress.map((p) => p.pct)).toEqual([...job.progress.map((p) => p.pct)].sort((a, b) => a - b));
    expect(patientsIn(file)).toBe(20_000);
    expect(result<{ patients: number }>(await host.call('studyCounts', {})).patients).toBe(20_000);
  });

  it('cancel stops an import between rows and rolls all of it back', async () => {
    const file = path.join(dir, 'cancel-study.rtcw');
    result(await host.call('createStudy', { path: file }));
    const job = longCall('commitTableImport', { path: sheet, mapping }, 'import-cancel');
    await job.started;
    const lastBefore = job.progress.at(-1)!.pct;
    expect(lastBefore).toBeLessThan(95);
    expect(host.cancel('import-cancel')).toBe(true);
    expect(await job.done).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
    expect(patientsIn(file)).toBe(0);
    expect(result<{ patients: number }>(await host.call('studyCounts', {})).patients).toBe(0);
    // The study is usable afterwards: nothing holds a write lock.
    expect(result<{ id: number }>(await host.call('createCohortRecord', { entity: 'patient', values: { pseudonym: 'AFTER-CANCEL' } })).id).toBeGreaterThan(0);
  });

  it('answers while a 1200 dpi TIFF renders, and cancel leaves no file', async () => {
    result(await host.call('openDemoStudy', {}));
    const spec = { endpoint: 'local' as const, groupBy: 'concurrent' };
    const tiff = path.join(dir, 'figure-1200.tiff');
    const job = longCall('exportFigure', { spec, figure: 'survival', format: 'tiff', dpi: 1200, preset: 'double', path: tiff }, 'tiff-cancel');
    await expect.poll(() => job.progress.some((p) => /Rendering at 1200 dpi/.test(p.message)), { timeout: 30_000 }).toBe(true);
    let finished = false;
    void job.done.then(() => (finished = true));
    expect(result<{ patients: number }>(await host.call('studyCounts', {})).patients).toBeGreaterThan(0);
    expect(finished).toBe(false);
    host.cancel('tiff-cancel');
    expect(await job.done).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
    expect(fs.existsSync(tiff)).toBe(false);
  });

  it('a completed 1200 dpi TIFF export is written whole', async () => {
    const spec = { endpoint: 'local' as const, groupBy: 'concurrent' };
    const tiff = path.join(dir, 'figure-1200-done.tiff');
    const exported = result<{ widthPx: number; dpi: number; bytes: number }>(
      await host.call('exportFigure', { spec, figure: 'survival', format: 'tiff', dpi: 1200, preset: 'double', path: tiff }, { jobId: 'tiff-done' }),
    );
    expect(exported.dpi).toBe(1200);
    expect(fs.statSync(tiff).size).toBe(exported.bytes);
    expect(fs.readFileSync(tiff).subarray(0, 2).toString('latin1')).toMatch(/^(II|MM)$/);
  });

  it('an export finishing while an import commits records its audit entry after it, without holding up other calls', async () => {
    // The import's worker holds the write lock; the export's audit write waits for it asynchronously
    // (StudySession.trackWriterJob) instead of inside SQLite on the host's thread.
    const study = path.join(dir, 'export-during-import.rtcw');
    const demo = result<{ path: string }>(await host.call('openDemoStudy', {})).path;
    result(await host.call('closeStudy', {}));
    fs.copyFileSync(demo, study);
    result(await host.call('openStudy', { path: study }));
    const before = patientsIn(study);
    const figureExports = () => {
      const db = new Database(study, { readonly: true, fileMustExist: true });
      try {
        return (db.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'export' AND entity = 'study.figure'").get() as { n: number }).n;
      } finally {
        db.close();
      }
    };
    const exportsBefore = figureExports();
    // 60,000 rows: the import outlasts the SVG export, whose audit write then meets the write lock.
    const bigSheet = path.join(dir, 'patients-60000.csv');
    if (!fs.existsSync(bigSheet)) writePatientSheet(bigSheet, 60_000);
    const settled: string[] = [];
    const importing = longCall('commitTableImport', { path: bigSheet, mapping }, 'import-under-export');
    void importing.done.then(() => settled.push('import'));
    await importing.started;
    const svg = path.join(dir, 'during-import.svg');
    const exporting = host.call('exportFigure', { spec: { endpoint: 'local' }, format: 'svg', path: svg }, { jobId: 'svg-under-import' });
    void exporting.then(() => settled.push('export'));
    // The file is written just before the audit entry (exportHandlers.ts exportFigure).
    await expect.poll(() => fs.existsSync(svg), { timeout: 60_000, interval: 10 }).toBe(true);
    expect(settled).toEqual([]);
    // Answered now, from the last committed state — not after the import.
    expect(result<{ patients: number }>(await host.call('studyCounts', {})).patients).toBe(before);
    expect(settled).toEqual([]);
    expect(result<{ committed: boolean }>(await importing.done).committed).toBe(true);
    expect((await exporting).ok).toBe(true);
    expect(settled).toEqual(['import', 'export']);
    expect(fs.readFileSync(svg, 'utf8')).toContain('<svg');
    expect(figureExports()).toBe(exportsBefore + 1);
    expect(patientsIn(study)).toBe(before + 60_000);
  });

  it('edits and settings issued while an import commits are applied after it, in order and audited; a read issued with them is answered at once', async () => {
    // The import's worker holds the write lock; the host's writes wait for it asynchronously
    // (StudySession.write), so the read issued after them is not held up behind them.
    const study = path.join(dir, 'edit-during-import.rtcw');
    result(await host.call('createStudy', { path: study, title: 'Edits during import' }));
    const patient = result<{ id: number }>(await host.call('createCohortRecord', { entity: 'patient', values: { pseudonym: 'BEFORE-IMPORT' } }));
    const bigSheet = path.join(dir, 'patients-60000.csv');
    if (!fs.existsSync(bigSheet)) writePatientSheet(bigSheet, 60_000);
    const answered: string[] = [];
    // What the study file held when each write was answered (read here, by another connection).
    const committedAtAnswer: Record<string, number> = {};
    const importing = longCall('commitTableImport', { path: bigSheet, mapping }, 'import-under-edits');
    void importing.done.then(() => answered.push('import'));
    await importing.started; // rows are being written: the worker holds the write lock
    const edit = host.call('updateCohortRecord', { entity: 'patient', id: patient.id, changes: { pseudonym: 'EDITED-DURING-IMPORT' } });
    const setting = host.call('updateStudySettings', { title: 'Renamed during import' });
    const saved = host.call('saveAnalysis', { name: 'Saved during import', spec: { endpoint: 'local' } });
    for (const [name, call] of [['edit', edit], ['setting', setting], ['saved', saved]] as const) {
      void call.then(() => {
        answered.push(name);
        committedAtAnswer[name] = patientsIn(study);
      });
    }
    const counts = result<{ patients: number }>(await host.call('studyCounts', {}));
    answered.push('counts');
    // The read is answered first, from the last committed state; no write was answered yet.
    expect(counts.patients).toBe(1);
    expect(answered).toEqual(['counts']);

    expect(result<{ committed: boolean }>(await importing.done).committed).toBe(true);
    const edited = result<{ pseudonym: string }>(await edit);
    const settings = result<{ title: string }>(await setting);
    const analysis = result<{ id: number; name: string }>(await saved);
    // Each write was answered only once the import had committed, in the order issued.
    expect(committedAtAnswer).toEqual({ edit: 60_001, setting: 60_001, saved: 60_001 });
    expect(answered.filter((name) => name !== 'import')).toEqual(['counts', 'edit', 'setting', 'saved']);
    expect(edited.pseudonym).toBe('EDITED-DURING-IMPORT');
    expect(settings.title).toBe('Renamed during import');
    expect(analysis.name).toBe('Saved during import');

    // Applied and audited after the import's own entry, in the order issued.
    const db = new Database(study, { readonly: true, fileMustExist: true });
    try {
      const rows = db.prepare('SELECT id, action, entity, entity_id AS entityId, after_json AS after FROM audit_log ORDER BY id').all() as Array<{ id: number; action: string; entity: string; entityId: number; after: string | null }>;
      const importAt = rows.findIndex((r) => r.action === 'import' && r.entity === 'study.spreadsheet');
      expect(importAt).toBeGreaterThan(-1);
      const after = rows.slice(importAt + 1);
      const editAt = after.findIndex((r) => r.action === 'update' && r.entity === 'patient' && r.entityId === patient.id);
      expect(editAt).toBeGreaterThan(-1);
      expect(JSON.parse(after[editAt].after ?? '{}')).toMatchObject({ pseudonym: 'EDITED-DURING-IMPORT' });
      const settingAt = after.findIndex((r) => (r.after ?? '').includes('Renamed during import'));
      expect(settingAt).toBeGreaterThan(editAt);
      const savedAt = after.findIndex((r) => (r.after ?? '').includes('Saved during import'));
      expect(savedAt).toBeGreaterThan(settingAt);
      expect((db.prepare('SELECT pseudonym FROM patients WHERE id = ?').get(patient.id) as { pseudonym: string }).pseudonym).toBe('EDITED-DURING-IMPORT');
    } finally {
      db.close();
    }
    expect(patientsIn(study)).toBe(60_001);
  });

  it('opens a large study in a worker (check, backup, upgrade): other calls are answered meanwhile; damaged and newer files are refused as before', async () => {
    const studyDir = fs.mkdtempSync(path.join(dir, 'large-open-'));
    const large = path.join(studyDir, 'large.rtcw');
    const latest = migrations.length;
    writeLargeStudy(large, 400_000, latest - 1);
    const opened = path.join(dir, 'host-study.rtcw');
    result(await host.call('openStudy', { path: opened }));

    /** Opens `file`; `recentStudies` is asked as soon as the host takes the study's lock (inotify). */
    const openWhileAsking = async (file: string) => {
      const order: string[] = [];
      let recent: Promise<ApiResponse> | null = null;
      let close: Promise<ApiResponse> | null = null;
      const watcher = fs.watch(path.dirname(file), (_event, name) => {
        if (!recent && name === `${path.basename(file)}.lock`) {
          recent = host.call('recentStudies', {});
          void recent.then(() => order.push('recentStudies'));
          // Closing (or opening another) waits its turn: refused while this one opens.
          close = host.call('closeStudy', {});
        }
      });
      try {
        const response = await host.call('openStudy', { path: file });
        order.push('openStudy');
        expect(recent).not.toBeNull();
        expect((await recent!).ok).toBe(true);
        expect(await close!).toMatchObject({ ok: false, error: { code: 'CONFLICT', message: 'A study is being opened; wait for it to finish.' } });
        return { response, order };
      } finally {
        watcher.close();
      }
    };

    // Older schema: checked, backed up and upgraded in the worker; the host answered meanwhile.
    const upgrade = await openWhileAsking(large);
    expect(upgrade.order).toEqual(['recentStudies', 'openStudy']);
    const upgraded = result<{ schemaVersion: number; counts: { patients: number } }>(upgrade.response);
    expect(upgraded.schemaVersion).toBe(latest);
    expect(upgraded.counts.patients).toBe(400_000);
    const backups = fs.readdirSync(studyDir).filter((f) => f.startsWith(`large.rtcw.schema-v${latest - 1}.`) && f.endsWith('.bak'));
    expect(backups).toHaveLength(1);
    expect(patientsIn(path.join(studyDir, backups[0]))).toBe(400_000);
    // The upgrade is audited in the study, which the host's own connection now writes.
    const edited = result<{ pseudonym: string }>(await host.call('updateCohortRecord', { entity: 'patient', id: 1, changes: { pseudonym: 'BULK-1-EDITED' } }));
    expect(edited.pseudonym).toBe('BULK-1-EDITED');
    result(await host.call('openStudy', { path: opened }));
    {
      const db = new Database(large, { readonly: true, fileMustExist: true });
      try {
        expect(db.pragma('user_version', { simple: true })).toBe(latest);
        const migrate = db.prepare("SELECT after_json AS after FROM audit_log WHERE action = 'migrate'").all() as Array<{ after: string }>;
        expect(migrate.map((r) => JSON.parse(r.after))).toEqual([{ from: latest - 1, to: latest, backup: backups[0] }]);
      } finally {
        db.close();
      }
    }

    // Current schema: the integrity check alone, in the worker; the read is answered before the open.
    const reopen = await openWhileAsking(large);
    expect(reopen.order).toEqual(['recentStudies', 'openStudy']);
    expect(result<{ path: string; counts: { patients: number } }>(reopen.response)).toMatchObject({ path: large, counts: { patients: 400_000 } });
    result(await host.call('openStudy', { path: opened }));

    // Damaged: refused with its message, left byte-identical, no lock left, the open study stays open.
    const damaged = path.join(studyDir, 'damaged.rtcw');
    fs.copyFileSync(large, damaged);
    const fd = fs.openSync(damaged, 'r+');
    fs.writeSync(fd, Buffer.alloc(4096 * 4, 0x5a), 0, 4096 * 4, 4096 * 10);
    fs.closeSync(fd);
    const damagedBytes = fs.readFileSync(damaged);
    const refusedDamaged = await host.call('openStudy', { path: damaged });
    expect(refusedDamaged).toMatchObject({ ok: false, error: { code: 'STUDY_CORRUPT', message: expect.stringMatching(/^damaged\.rtcw is damaged \(.+\)\. It was not modified; restore it from a backup\.$/) } });
    expect(fs.readFileSync(damaged).equals(damagedBytes)).toBe(true);
    expect(fs.existsSync(`${damaged}.lock`)).toBe(false);
    expect(result<{ path: string }>(await host.call('currentStudy', {})).path).toBe(opened);
    // Read-only: checked in the worker too; no lock, no write.
    expect(await host.call('openStudy', { path: damaged, readOnly: true })).toMatchObject({ ok: false, error: { code: 'STUDY_CORRUPT' } });
    expect(fs.readFileSync(damaged).equals(damagedBytes)).toBe(true);
    const readOnly = result<{ readOnly: boolean; counts: { patients: number } }>(await host.call('openStudy', { path: large, readOnly: true }));
    expect(readOnly).toMatchObject({ readOnly: true, counts: { patients: 400_000 } });
    result(await host.call('openStudy', { path: opened }));

    // Newer schema: refused before any lock or worker, with its message.
    const newer = path.join(studyDir, 'newer.rtcw');
    createStudy(newer, { keyStore: new KeyFileStore(studyKeysDir(path.join(dir, 'user-data'))) }).close();
    const raw = new Database(newer);
    raw.pragma(`user_version = ${latest + 1}`);
    raw.close();
    const refusedNewer = await host.call('openStudy', { path: newer });
    expect(refusedNewer).toMatchObject({ ok: false, error: { code: 'STUDY_TOO_NEW', message: expect.stringMatching(new RegExp(`newer version of RT Cohort Workstation \\(schema ${latest + 1}; this version knows up to ${latest}\\)`)) } });
    expect(fs.existsSync(`${newer}.lock`)).toBe(false);
    expect(result<{ path: string }>(await host.call('currentStudy', {})).path).toBe(opened);
  });

  it('reads a spreadsheet for the import wizard in a worker: other calls are answered, cancel answers', async () => {
    const big = writePatientSheet(path.join(dir, 'patients-100000.csv'), 100_000);
    // 5 %: reported just before the worker starts reading (cohortHandlers.ts inspectSpreadsheet).
    const job = longCall('inspectSpreadsheet', { path: big }, 'inspect-full', 5);
    let finished = false;
    void job.done.then(() => (finished = true));
    await job.started;
    expect(result<{ patients: number }>(await host.call('studyCounts', {})).patients).toBeGreaterThanOrEqual(0);
    expect(finished).toBe(false);
    const preview = result<{ path: string; sheets: Array<{ headers: string[]; rowCount: number; sample: Array<Record<string, unknown>> }> }>(await job.done);
    expect(preview.path).toBe(big);
    expect(preview.sheets[0].rowCount).toBe(100_000);
    expect(preview.sheets[0].headers).toEqual(['record_id', 'study_id', 'sex', 'age', 'ecog', 'vital', 'death_date', 'last_fu']);
    expect(preview.sheets[0].sample.map((row) => row.study_id)).toEqual(['SYN-1', 'SYN-2', 'SYN-3', 'SYN-4', 'SYN-5']);

    const cancelled = longCall('inspectSpreadsheet', { path: big }, 'inspect-cancel', 5);
    await cancelled.started;
    expect(host.cancel('inspect-cancel')).toBe(true);
    expect(await cancelled.done).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
    // A file that is not a spreadsheet is named in the worker's message, with the API's code.
    const notSheet = path.join(dir, 'not-a-sheet.xlsx');
    fs.writeFileSync(notSheet, 'plain text');
    expect(await host.call('inspectSpreadsheet', { path: notSheet })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
  });

  it('writes a shared copy in a worker; cancelled while the file is being written, nothing is left', async () => {
    // The study of the 20,000-row import: large enough that the copy takes a while to write.
    const study = path.join(dir, 'host-study.rtcw');
    result(await host.call('openStudy', { path: study }));
    const outDir = fs.mkdtempSync(path.join(dir, 'share-'));
    const out = path.join(outDir, 'shared.rtcw');
    // Cancel as soon as the worker creates its partial file (inotify, not a timer).
    let sawPartial = false;
    const watcher = fs.watch(outDir, (_event, name) => {
      if (!sawPartial && name?.startsWith('shared.rtcw.partial-')) {
        sawPartial = true;
        host.cancel('share-cancel');
      }
    });
    try {
      const job = longCall('shareStudyCopy', { out }, 'share-cancel', 5);
      await job.started;
      expect(result<{ patients: number }>(await host.call('studyCounts', {})).patients).toBe(20_000);
      expect(await job.done).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
    } finally {
      watcher.close();
    }
    expect(sawPartial).toBe(true);
    // Removed once the worker has stopped (it finishes the SQLite statement it is in first).
    await expect.poll(() => fs.readdirSync(outDir), { timeout: 30_000 }).toEqual([]);
    expect(patientsIn(study)).toBe(20_000);

    const shared = result<{ path: string; patients: number }>(await host.call('shareStudyCopy', { out }, { jobId: 'share-done' }));
    expect(shared).toMatchObject({ path: out, patients: 20_000 });
    expect(patientsIn(out)).toBe(20_000);
    expect(fs.readdirSync(outDir)).toEqual(['shared.rtcw']);
  });

  it('cancel of a report leaves the folder as it was (files are staged, then moved in)', async () => {
    result(await host.call('openDemoStudy', {}));
    const outDir = path.join(dir, 'report-cancelled');
    fs.mkdirSync(outDir);
    fs.writeFileSync(path.join(outDir, 'keep.txt'), 'mine');
    // Cancelled as soon as the files start being written (the host yields while it writes them).
    let cancelled = false;
    const done = host.call('writeStudyReport', { outDir }, {
      jobId: 'report-cancel',
      onProgress: (p) => {
        if (p.pct >= 60 && !cancelled) cancelled = host.cancel('report-cancel');
      },
    });
    expect(await done).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
    expect(cancelled).toBe(true);
    // The write under way finishes in the hidden folder, which is then removed.
    await expect.poll(() => fs.readdirSync(outDir), { timeout: 60_000 }).toEqual(['keep.txt']);

    // Computed and written in a worker: answered meanwhile.
    const job = longCall('writeStudyReport', { outDir }, 'report-done');
    let finished = false;
    void job.done.then(() => (finished = true));
    await job.started;
    expect(result<{ patients: number }>(await host.call('studyCounts', {})).patients).toBeGreaterThan(0);
    expect(finished).toBe(false);
    const written = result<{ files: string[] }>(await job.done);
    expect(written.files).toContain('report.json');
    expect(written.files).toContain('dataset.csv');
    expect(fs.readdirSync(outDir).sort()).toEqual(['keep.txt', ...written.files].sort());
  });
});

describe('a service host that dies', () => {
  it('fails the calls in flight, and the next call is served by a new host', async () => {
    const children: ChildProcess[] = [];
    const client = connectServiceHost({
      methods: api,
      userDataDir: path.join(dir, 'crash-user-data'),
      choosePath: async (r) => r.requested ?? null,
      spawn: () => {
        const connection = forkServiceHost();
        children.push(connection.process);
        return connection;
      },
    });
    try {
      await client.ready;
      expect(await client.call('openDemoStudy', {})).toMatchObject({ ok: true });
      const inFlight = client.call('commitTableImport', { path: sheet, mapping }, { jobId: 'crash-import' });
      children[0].kill('SIGKILL');
      expect(await inFlight).toMatchObject({ ok: false, error: { code: 'INTERNAL', message: expect.stringMatching(/service process stopped/) } });
      // A new host: no study open (it was closed with the old process), but it answers.
      expect(await client.call('currentStudy', {})).toMatchObject({ ok: true, result: null });
      expect(children).toHaveLength(2);
    } finally {
      await client.close();
    }
  });
});
