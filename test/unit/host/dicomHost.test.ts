// DICOM import in the service host process (issue 15): the header scan, the index writes and the
// RT course derivation of a folder of 300 courses (8,400 real DICOM files) run while other calls
// are answered — the derivation in a worker thread on its own read-only connection — and give the
// same proposals as the derivation on the calling thread. Cancel during a derivation answers
// CANCELLED with nothing half-written. (Latency: test/bench/dicomHost.bench.ts.)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiResponse, JobProgress } from '../../../shared/api/contract';
import type { DicomCommitResult, DicomScanResult } from '../../../shared/api/dicom';
import { api } from '../../../shared/api/index';
import { readIndex, type ScannedIdentity } from '../../../electron/services/dicom/dicomIndex';
import { deriveProposals } from '../../../electron/services/dicom/rtDerivation';
import { markInCohort, studyDeriveOptions } from '../../../electron/services/dicom/studyDerivation';
import { startServiceHost } from '../../../electron/services/host/hostProcess';
import type { ServiceHostClient } from '../../../electron/services/host/hostClient';
import { writeDicomCohortFolder } from './dicomCohortFolder';
import { writePatientSheet } from './patientSheet';

const PATIENTS = 300;
let dir: string;
let dicomDir: string;
let files: number;
let host: ServiceHostClient;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtcw-host-dicom-'));
  dicomDir = path.join(dir, 'dicom');
  files = writeDicomCohortFolder(dicomDir, PATIENTS);
  host = await startServiceHost({ methods: api, userDataDir: path.join(dir, 'user-data'), choosePath: async (request) => request.requested ?? null });
});
afterAll(async () => {
  await host?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function result<T>(response: ApiResponse): T {
  if (!response.ok) throw new Error(`${response.error.code}: ${response.error.message}`);
  return response.result as T;
}

function readStudy<T>(file: string, read: (db: Database.Database) => T): T {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

const count = (file: string, table: string) => readStudy(file, (db) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n);

/** A long call; `onProgress` sees each report (with the job id, to cancel it). */
function longCall(method: string, input: object, jobId: string, onProgress: (p: JobProgress) => void = () => {}) {
  const progress: JobProgress[] = [];
  let finished = false;
  const done = host
    .call(method, input, {
      jobId,
      onProgress: (p) => {
        progress.push(p);
        onProgress(p);
      },
    })
    .finally(() => (finished = true));
  return { progress, done, finished: () => finished };
}

const DERIVING = /Reading the DICOM index/;

describe('DICOM import in the service host', () => {
  it('answers other calls while it indexes and derives 300 courses; the proposals are those derived in-process', async () => {
    const file = path.join(dir, 'scan.rtcw');
    result(await host.call('createStudy', { path: file }));
    const answered: Array<{ phase: string; patients: number; scanFinished: boolean }> = [];
    const asks: Array<Promise<void>> = [];
    const ask = (phase: string) =>
      asks.push(host.call('studyCounts', {}).then((r) => void answered.push({ phase, patients: result<{ patients: number }>(r).patients, scanFinished: scan.finished() })));
    let askedReading = false;
    let askedDeriving = false;
    const scan = longCall('scanDicomFolder', { dir: dicomDir }, 'scan-large', (p) => {
      if (!askedReading && /Reading headers/.test(p.message) && p.pct >= 40) {
        askedReading = true;
        ask('reading');
      }
      if (!askedDeriving && DERIVING.test(p.message)) {
        askedDeriving = true;
        ask('deriving');
      }
    });
    const scanned = result<DicomScanResult>(await scan.done);
    await Promise.all(asks);
    // Both answered before the scan's answer: neither the index writes nor the derivation held the host.
    expect(answered.map((a) => a.phase).sort()).toEqual(['deriving', 'reading']);
    expect(answered.every((a) => !a.scanFinished && a.patients === 0)).toBe(true);
    expect(scan.progress.map((p) => p.pct)).toEqual([...scan.progress.map((p) => p.pct)].sort((a, b) => a - b));

    expect(scanned.files).toMatchObject({ total: files, dicom: files, duplicates: 0 });
    expect(scanned.lesions).toHaveLength(PATIENTS);
    // Each course: a plan of 10 × 3 Gy re-planned after 5 fractions (5 more × 3 Gy), a CT before it.
    expect(new Set(scanned.lesions.map((l) => JSON.stringify([l.totalDoseGy, l.fractionsDelivered, l.phases.length, l.preRtImaging.CT, l.needsReview])))).toEqual(
      new Set([JSON.stringify([30, 10, 2, true, false])]),
    );
    expect(new Set(scanned.lesions.map((l) => l.sourcePatientId)).size).toBe(PATIENTS);
    // The worker saw the host's in-memory birth dates: every age was computed and kept.
    expect(scanned.patients.every((p) => p.ageAtFirstRT !== null)).toBe(true);
    expect(readStudy(file, (db) => db.prepare('SELECT count(*) AS n FROM dicom_patient WHERE age_at_first_rt IS NOT NULL').get())).toEqual({ n: PATIENTS });

    // The same derivation on this thread, from the committed index and the IDs the scan showed.
    const inProcess = readStudy(file, (db) => {
      const ids = db.prepare('SELECT id, pseudonym FROM dicom_patient').all() as Array<{ id: number; pseudonym: string }>;
      const shown = new Map(scanned.patients.map((p) => [p.pseudonym, p.sourcePatientId]));
      const scannedIds = new Map<number, ScannedIdentity>(ids.map((r) => [r.id, { pseudonym: r.pseudonym, sourcePatientId: shown.get(r.pseudonym) ?? '', birthDate: null }]));
      return markInCohort(db, deriveProposals(readIndex(db, scannedIds), studyDeriveOptions(db)));
    });
    expect(scanned.lesions).toEqual(inProcess.lesions);
    expect(scanned.patients).toEqual(inProcess.patients);
    // Opening the review again derives the same, in the worker.
    const listed = longCall('listDicomProposals', {}, 'list-large');
    expect(result<Pick<DicomScanResult, 'patients' | 'lesions'>>(await listed.done)).toEqual({ patients: scanned.patients, lesions: scanned.lesions });
    expect(listed.progress.some((p) => DERIVING.test(p.message))).toBe(true);
  });

  it('cancel during the commit’s derivation writes nothing; the commit then adds every course in one go', async () => {
    const file = path.join(dir, 'scan.rtcw');
    const auditBefore = count(file, 'audit_log');
    const { lesions } = result<Pick<DicomScanResult, 'lesions'>>(await host.call('listDicomProposals', {}));
    const input = { proposalIds: lesions.map((l) => l.proposalId) };
    let cancelled = false;
    const commit = longCall('commitDicomProposals', input, 'commit-cancel', (p) => {
      if (!cancelled && DERIVING.test(p.message)) cancelled = host.cancel(p.jobId);
    });
    expect(await commit.done).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
    expect(cancelled).toBe(true);
    expect([count(file, 'patients'), count(file, 'lesions'), count(file, 'rt_courses'), count(file, 'audit_log')]).toEqual([0, 0, 0, auditBefore]);

    const committed = result<DicomCommitResult>(await longCall('commitDicomProposals', input, 'commit-full').done);
    expect(committed).toMatchObject({ patientsAdded: PATIENTS, lesionsAdded: PATIENTS, coursesAdded: PATIENTS, alreadyPresent: 0, notCommitted: [] });
    expect([count(file, 'patients'), count(file, 'rt_courses'), count(file, 'rt_course_phases')]).toEqual([PATIENTS, PATIENTS, 2 * PATIENTS]);
    // Listed again, every proposal is marked as in the cohort (read by the worker's connection).
    const again = result<Pick<DicomScanResult, 'lesions'>>(await host.call('listDicomProposals', {}));
    expect(again.lesions.every((l) => l.inCohort)).toBe(true);
  });

  it('cancel during a scan’s derivation answers CANCELLED: the indexed batches are kept, nothing else is written', async () => {
    const file = path.join(dir, 'scan-cancel.rtcw');
    result(await host.call('createStudy', { path: file }));
    let cancelled = false;
    const scan = longCall('scanDicomFolder', { dir: dicomDir }, 'scan-cancel', (p) => {
      if (!cancelled && DERIVING.test(p.message)) cancelled = host.cancel(p.jobId);
    });
    expect(await scan.done).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
    expect(cancelled).toBe(true);
    // The index is a cache of the files, written batch by batch: all of it was committed before
    // the derivation began; the ages the derivation would have given were not written, nor the cohort.
    expect(count(file, 'dicom_instance')).toBe(files);
    expect(readStudy(file, (db) => db.prepare('SELECT count(*) AS n FROM dicom_patient WHERE age_at_first_rt IS NOT NULL').get())).toEqual({ n: 0 });
    expect([count(file, 'patients'), count(file, 'rt_courses')]).toEqual([0, 0]);
    // The study is usable: the proposals are derived from the whole index.
    expect(result<Pick<DicomScanResult, 'lesions'>>(await host.call('listDicomProposals', {})).lesions).toHaveLength(PATIENTS);
  });

  it('cancel while the commit writes rolls the whole transaction back; the study stays writable', async () => {
    const file = path.join(dir, 'scan-cancel.rtcw'); // indexed by the test above, cohort empty
    const auditBefore = count(file, 'audit_log');
    const { lesions } = result<Pick<DicomScanResult, 'lesions'>>(await host.call('listDicomProposals', {}));
    let cancelled = false;
    const commit = longCall('commitDicomProposals', { proposalIds: lesions.map((l) => l.proposalId) }, 'commit-write-cancel', (p) => {
      // Reported inside the write transaction, after the first 50 courses were inserted.
      if (!cancelled && /Adding to the cohort \(50\//.test(p.message)) cancelled = host.cancel(p.jobId);
    });
    expect(await commit.done).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
    expect(cancelled).toBe(true);
    expect([count(file, 'patients'), count(file, 'lesions'), count(file, 'rt_courses'), count(file, 'patient_hospital_id'), count(file, 'audit_log')]).toEqual([
      0,
      0,
      0,
      0,
      auditBefore,
    ]);
    // No write lock is left behind: a write on the host's connection goes through at once.
    expect(result<{ id: number }>(await host.call('createCohortRecord', { entity: 'patient', values: { pseudonym: 'AFTER-CANCEL' } })).id).toBeGreaterThan(0);

    // Opened read-only, the study refuses the commit (its worker has a connection of its own).
    result(await host.call('openStudy', { path: file, readOnly: true }));
    expect(await longCall('commitDicomProposals', { proposalIds: lesions.map((l) => l.proposalId) }, 'commit-read-only').done).toMatchObject({
      ok: false,
      error: { code: 'READ_ONLY' },
    });
    expect(count(file, 'rt_courses')).toBe(0);
  });

  it('a scan meeting an import that is committing from its worker waits for it without holding up other calls', async () => {
    const file = path.join(dir, 'scan-during-import.rtcw');
    result(await host.call('createStudy', { path: file }));
    const sheet = writePatientSheet(path.join(dir, 'patients-60000.csv'), 60_000);
    const mapping = JSON.parse(fs.readFileSync(path.resolve('test/fixtures/import/patients-mapping.json'), 'utf8')) as unknown;
    let writing!: () => void;
    const importWriting = new Promise<void>((resolve) => (writing = resolve));
    // From its first row on, the import's worker holds the study's write lock until it commits.
    const importJob = longCall('commitTableImport', { path: sheet, mapping }, 'import-during-scan', (p) => p.pct >= 10 && writing());
    await importWriting;
    let reading!: () => void;
    const scanReading = new Promise<void>((resolve) => (reading = resolve));
    const scan = longCall('scanDicomFolder', { dir: dicomDir }, 'scan-during-import', (p) => /Reading headers/.test(p.message) && reading());
    await scanReading;
    // Long enough for the scan's first batches to be parsed and due for the index (the import,
    // 60,000 rows, writes for seconds more).
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Answered at once, from the last committed state: the host's thread waits for the lock in an
    // await, not asleep in SQLite's busy handler. The scan has written nothing yet.
    const counts = result<{ patients: number }>(await host.call('studyCounts', {}));
    expect(importJob.finished()).toBe(false);
    expect(counts.patients).toBe(0);
    expect(scan.progress.at(-1)?.message).toMatch(/^Reading headers \(0\//);
    expect(result<{ committed: boolean }>(await importJob.done).committed).toBe(true);
    const scanned = result<DicomScanResult>(await scan.done);
    expect(scanned.files.dicom).toBe(files);
    expect([count(file, 'patients'), count(file, 'dicom_instance')]).toEqual([60_000, files]);
  });
});
