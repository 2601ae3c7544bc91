// The API service both transports share: validation, typed errors, the study session, long jobs
// with progress and cancellation. Real services on real temporary study files.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { api, areas } from '../../../shared/api/index';
import { defineMethod, encodeApiErrorMessage, returns, toApiError, ApiError, type ApiResponse } from '../../../shared/api/contract';
import { createApiRuntime, handlers, servedContract, type ApiService, type Handlers } from '../../../electron/services/api/index';
import { typedPathChooser } from '../../../electron/harness/server';

let dir: string;
let service: ApiService;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtcw-api-'));
  service = createApiRuntime({ userDataDir: path.join(dir, 'user-data'), choosePath: typedPathChooser(dir), logError: () => {} });
});
afterEach(() => {
  service.session.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

function expectOk<T>(response: ApiResponse): T {
  if (!response.ok) throw new Error(`expected ok, got ${response.error.code}: ${response.error.message}`);
  return response.result as T;
}
function expectError(response: ApiResponse, code: string): string {
  expect(response.ok).toBe(false);
  if (response.ok) return '';
  expect(response.error.code).toBe(code);
  return response.error.message;
}

describe('contract', () => {
  it('declares every method once across areas, each with a handler', () => {
    const names = Object.values(areas).flatMap((record) => Object.keys(record));
    expect(new Set(names).size).toBe(names.length);
    expect(Object.keys(api).sort()).toEqual([...names].sort());
    expect(Object.keys(handlers).sort()).toEqual([...names].sort());
    for (const name of names) expect(typeof (handlers as Record<string, unknown>)[name]).toBe('function');
  });

  it('round-trips typed errors through the "[CODE] message" form transports reject with', () => {
    const message = encodeApiErrorMessage({ code: 'STUDY_CORRUPT', message: 'x.rtcw is damaged' });
    // What the renderer sees after Electron's IPC wrapping:
    const wrapped = new Error(`Error invoking remote method 'rtcw:openStudy': Error: ${message}`);
    expect(toApiError(wrapped).toJSON()).toEqual({ code: 'STUDY_CORRUPT', message: 'x.rtcw is damaged' });
    expect(toApiError(new Error('plain')).code).toBe('INTERNAL');
    expect(toApiError({ code: 'NO_STUDY', message: 'm' }).code).toBe('NO_STUDY');
  });
});

describe('study methods through the service', () => {
  it('rejects unknown methods and invalid input with typed errors', async () => {
    expectError(await service.call('dropEverything', {}), 'NOT_FOUND');
    const message = expectError(await service.call('openStudy', { path: 42 }), 'INVALID_INPUT');
    expect(message).toMatch(/path/);
  });

  it('answers NO_STUDY before a study is open, and null for currentStudy', async () => {
    expectError(await service.call('studyCounts', {}), 'NO_STUDY');
    expect(expectOk(await service.call('currentStudy', undefined))).toBeNull();
  });

  it('creates, closes and reopens a study, listing it in recent studies', async () => {
    const file = path.join(dir, 'cohort.rtcw');
    const created = expectOk<{ path: string; title: string; counts: object; schemaVersion: number }>(
      await service.call('createStudy', { path: file, title: 'Spine SBRT' }),
    );
    expect(created.path).toBe(file);
    expect(created.title).toBe('Spine SBRT');
    expect(created.counts).toEqual({ patients: 0, lesions: 0, courses: 0 });
    expect(expectOk(await service.call('studyCounts', {}))).toEqual({ patients: 0, lesions: 0, courses: 0 });

    // Rows written by the cohort area show up in the counts.
    const db = service.session.study.db;
    const provenance = db.prepare("INSERT INTO provenance (kind, label, created_by) VALUES ('manual', 'test', 'test')").run().lastInsertRowid;
    const patient = db.prepare('INSERT INTO patients (pseudonym, provenance_id) VALUES (?, ?)').run('P01', provenance).lastInsertRowid;
    db.prepare("INSERT INTO lesions (patient_id, levels, provenance_id) VALUES (?, 'L1', ?)").run(patient, provenance);
    expect(expectOk(await service.call('studyCounts', {}))).toMatchObject({ patients: 1, lesions: 1 });

    expectOk(await service.call('closeStudy', {}));
    expect(expectOk(await service.call('currentStudy', {}))).toBeNull();
    const recent = expectOk<{ path: string; exists: boolean }[]>(await service.call('recentStudies', {}));
    expect(recent).toEqual([expect.objectContaining({ path: file, exists: true })]);

    const reopened = expectOk<{ counts: object }>(await service.call('openStudy', { path: file }));
    expect(reopened.counts).toEqual({ patients: 1, lesions: 1, courses: 0 });
    expect(expectOk(await service.call('forgetRecentStudy', { path: file }))).toEqual([]);
  });

  it('keeps the current study open when another file is refused', async () => {
    const good = path.join(dir, 'good.rtcw');
    const bad = path.join(dir, 'bad.rtcw');
    fs.writeFileSync(bad, 'not a database');
    expectOk(await service.call('createStudy', { path: good }));
    expectError(await service.call('openStudy', { path: bad }), 'NOT_A_STUDY');
    expect(expectOk<{ path: string }>(await service.call('currentStudy', {})).path).toBe(good);
    expect(fs.readFileSync(bad, 'utf8')).toBe('not a database');
  });

  it('refuses to create over an existing file', async () => {
    const file = path.join(dir, 'taken.rtcw');
    fs.writeFileSync(file, 'x');
    expectError(await service.call('createStudy', { path: file }), 'ALREADY_EXISTS');
  });

  it('in web mode opens only a typed path, and creates new studies in the default folder', async () => {
    expect(expectError(await service.call('openStudy', {}), 'INVALID_INPUT')).toMatch(/type the full path/);
    const first = expectOk<{ path: string }>(await service.call('createStudy', { title: 'Spine SBRT 2009–2015' }));
    expect(first.path).toBe(path.join(dir, 'spine-sbrt-2009-2015.rtcw'));
    const second = expectOk<{ path: string }>(await service.call('createStudy', { title: 'Spine SBRT 2009–2015' }));
    expect(second.path).toBe(path.join(dir, 'spine-sbrt-2009-2015-2.rtcw'));
  });

  it('builds the demo study with the provided filler and marks nothing in the recent list', async () => {
    const demoService = createApiRuntime({
      userDataDir: path.join(dir, 'demo-data'),
      choosePath: typedPathChooser(dir),
      populateDemo: (db) => {
        db.prepare("UPDATE study_settings SET title = 'Demo', synthetic = 1").run();
      },
    });
    try {
      const demo = expectOk<{ title: string; synthetic: boolean; path: string }>(await demoService.call('openDemoStudy', {}));
      expect(demo).toMatchObject({ title: 'Demo', synthetic: true });
      expect(fs.existsSync(demo.path)).toBe(true);
      expect(expectOk(await demoService.call('recentStudies', {}))).toEqual([]);
    } finally {
      demoService.session.dispose();
    }
  });
});

describe('long jobs', () => {
  const methods = {
    countTo: defineMethod({ input: z.object({ n: z.number().int().min(1) }), result: returns<number>(), long: true }),
    quick: defineMethod({ input: z.object({}), result: returns<string>() }),
  };
  let release: () => void = () => {};
  const jobHandlers: Handlers<typeof methods> = {
    async countTo(input, ctx) {
      for (let i = 1; i <= input.n; i++) {
        ctx.throwIfCancelled();
        ctx.progress((100 * i) / input.n, `step ${i}`);
        if (i === 2) await new Promise<void>((resolve) => (release = resolve));
      }
      return input.n;
    },
    quick: (_input, ctx) => {
      ctx.progress(50, 'ignored for short methods');
      return 'done';
    },
  };
  const jobService = () =>
    createApiRuntime({
      userDataDir: path.join(dir, 'jobs'),
      choosePath: typedPathChooser(dir),
      contract: servedContract(methods, jobHandlers),
    });

  it('reports progress and cancels on request', async () => {
    const jobs = jobService();
    const seen: number[] = [];
    const running = jobs.call('countTo', { n: 5 }, { jobId: 'job-1', onProgress: (p) => seen.push(p.pct) });
    await waitUntil(() => seen.length === 2);
    expect(jobs.runningJobs()).toEqual(['job-1']);
    // The study cannot be swapped underneath a running job.
    expect(() => jobs.session.close()).toThrow(expect.objectContaining({ code: 'CONFLICT' }));
    expect(jobs.cancel('job-1')).toBe(true);
    release();
    expectError(await running, 'CANCELLED');
    expect(seen).toEqual([20, 40]);
    expect(jobs.runningJobs()).toEqual([]);
    expect(jobs.cancel('job-1')).toBe(false);
  });

  it('runs to completion with progress when not cancelled', async () => {
    const jobs = jobService();
    const seen: string[] = [];
    const running = jobs.call('countTo', { n: 3 }, { onProgress: (p) => seen.push(p.message) });
    await waitUntil(() => seen.length === 2);
    release();
    expect(expectOk(await running)).toBe(3);
    expect(seen).toEqual(['step 1', 'step 2', 'step 3']);
  });

  it('does not report progress for short methods', async () => {
    const jobs = jobService();
    const seen: unknown[] = [];
    expect(expectOk(await jobs.call('quick', {}, { onProgress: (p) => seen.push(p) }))).toBe('done');
    expect(seen).toEqual([]);
  });

  it('maps unexpected handler failures to INTERNAL without crashing the service', async () => {
    const logged: string[] = [];
    const broken = createApiRuntime({
      userDataDir: path.join(dir, 'broken'),
      choosePath: typedPathChooser(dir),
      logError: (method) => logged.push(method),
      contract: servedContract(
        { boom: defineMethod({ input: z.object({}), result: returns<null>() }) },
        {
          boom: () => {
            throw new TypeError('undefined is not a function');
          },
        },
      ),
    });
    const message = expectError(await broken.call('boom', {}), 'INTERNAL');
    expect(message).toMatch(/boom failed unexpectedly/);
    expect(logged).toEqual(['boom']);
    expect(new ApiError('NOT_FOUND', 'x').toJSON()).toEqual({ code: 'NOT_FOUND', message: 'x' });
  });
});

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  if (!condition()) throw new Error('condition not reached');
}
