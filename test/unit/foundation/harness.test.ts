// The loopback harness over real HTTP: token on every request, loopback Host only, static files
// confined to the renderer folder, the API with NDJSON progress and cancellation.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineMethod, returns } from '../../../shared/api/contract';
import { servedContract, type Handlers } from '../../../electron/services/api/index';
import { startHarness, type Harness } from '../../../electron/harness/server';
import { writePatientSheet } from '../host/patientSheet';

let dir: string;
let harness: Harness;
let jobHarness: Harness;

const jobMethods = {
  slowCount: defineMethod({ input: z.object({ n: z.number().int() }), result: returns<number>(), long: true }),
};
let gate: Promise<void> = Promise.resolve();
let openGate: () => void = () => {};
const jobHandlers: Handlers<typeof jobMethods> = {
  async slowCount(input, ctx) {
    for (let i = 1; i <= input.n; i++) {
      ctx.throwIfCancelled();
      ctx.progress((100 * i) / input.n, `item ${i}`);
      if (i === 1) await gate;
    }
    return input.n;
  },
};

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtcw-harness-test-'));
  const rendererDir = path.join(dir, 'renderer');
  fs.mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><html><head><title>t</title></head><body></body></html>');
  fs.writeFileSync(path.join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  fs.writeFileSync(path.join(dir, 'secret.txt'), 'outside the renderer');
  harness = await startHarness({ rendererDir, userDataDir: path.join(dir, 'user') });
  jobHarness = await startHarness({ rendererDir, userDataDir: path.join(dir, 'user2'), contract: servedContract(jobMethods, jobHandlers) });
});
afterAll(async () => {
  await harness?.close();
  await jobHarness?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Raw HTTP (not fetch) so the Host header can be forged. */
function request(
  target: Harness,
  pathname: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: target.port, path: pathname, method: options.method ?? 'GET', headers: options.headers },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const apiHeaders = (token: string) => ({ 'content-type': 'application/json', 'x-rtcw-token': token });
const cookieOf = (h: Harness) => ({ cookie: `rtcw_token=${h.token}` });

function ndjson(body: string): { type: string; progress?: { pct: number; message: string }; response?: { ok: boolean; result?: unknown; error?: { code: string } } }[] {
  return body
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

describe('harness token', () => {
  it('listens on the loopback address with a long random token', () => {
    expect(harness.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64}$/);
    expect(harness.token).not.toBe(jobHarness.token);
  });

  it('refuses every request without the token', async () => {
    for (const pathname of ['/', '/index.html', '/assets/app.js', '/__rtcw/bridge.js', '/__rtcw/events']) {
      expect((await request(harness, pathname)).status).toBe(403);
    }
    const api = await request(harness, '/__rtcw/api/currentStudy', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(api.status).toBe(403);
  });

  it('refuses a wrong token in the query, cookie or header', async () => {
    const wrong = 'f'.repeat(64);
    expect((await request(harness, `/?token=${wrong}`)).status).toBe(403);
    expect((await request(harness, '/assets/app.js', { headers: { cookie: `rtcw_token=${wrong}` } })).status).toBe(403);
    const api = await request(harness, '/__rtcw/api/currentStudy', { method: 'POST', headers: apiHeaders(wrong), body: '{}' });
    expect(api.status).toBe(403);
    // Another harness's token is not this one's.
    expect((await request(harness, `/?token=${jobHarness.token}`)).status).toBe(403);
  });

  it('does not accept the cookie alone for API calls (cross-site form posts carry cookies)', async () => {
    const api = await request(harness, '/__rtcw/api/currentStudy', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...cookieOf(harness) },
      body: '{}',
    });
    expect(api.status).toBe(403);
  });

  it('refuses a non-loopback Host header (DNS rebinding)', async () => {
    const reply = await request(harness, `/?token=${harness.token}`, { headers: { host: `evil.example:${harness.port}` } });
    expect(reply.status).toBe(403);
  });
});

describe('harness pages', () => {
  it('serves the page with the token, sets the cookie, injects the bridge and the strict CSP', async () => {
    const reply = await request(harness, `/?token=${harness.token}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toContain('<script src="/__rtcw/bridge.js"></script>');
    expect(String(reply.headers['set-cookie'])).toMatch(/rtcw_token=[0-9a-f]{64}; HttpOnly; SameSite=Strict/);
    const csp = String(reply.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).not.toContain('unsafe-inline');
  });

  it('serves assets and the bridge with the cookie; the bridge defines exactly the contract methods', async () => {
    expect((await request(harness, '/assets/app.js', { headers: cookieOf(harness) })).body).toBe('console.log(1)');
    const bridge = await request(harness, '/__rtcw/bridge.js', { headers: cookieOf(harness) });
    expect(bridge.status).toBe(200);
    expect(bridge.body).toContain('"createStudy",false');
    expect(bridge.body).not.toMatch(/invoke/);
    const jobBridge = await request(jobHarness, '/__rtcw/bridge.js', { headers: cookieOf(jobHarness) });
    expect(jobBridge.body).toContain('[["slowCount",true]]');
  });

  it('never serves files outside the renderer folder', async () => {
    for (const pathname of ['/%2e%2e/secret.txt', '/assets/%2e%2e/%2e%2e/secret.txt', '/..%2fsecret.txt']) {
      const reply = await request(harness, pathname, { headers: cookieOf(harness) });
      expect(reply.status).toBeGreaterThanOrEqual(400);
      expect(reply.body).not.toContain('outside the renderer');
    }
  });
});

describe('harness API', () => {
  it('runs study methods and returns typed errors', async () => {
    const file = path.join(dir, 'web.rtcw');
    const created = ndjson(
      (await request(harness, '/__rtcw/api/createStudy', { method: 'POST', headers: apiHeaders(harness.token), body: JSON.stringify({ input: { path: file } }) })).body,
    );
    expect(created.at(-1)?.response).toMatchObject({ ok: true, result: { path: file, counts: { patients: 0, lesions: 0, courses: 0 } } });
    const invalid = ndjson(
      (await request(harness, '/__rtcw/api/openStudy', { method: 'POST', headers: apiHeaders(harness.token), body: JSON.stringify({ input: { path: 7 } }) })).body,
    );
    expect(invalid.at(-1)?.response).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
  });

  it('streams progress of a long job and cancels it', async () => {
    gate = new Promise((resolve) => (openGate = resolve));
    const running = request(jobHarness, '/__rtcw/api/slowCount', {
      method: 'POST',
      headers: apiHeaders(jobHarness.token),
      body: JSON.stringify({ input: { n: 4 }, jobId: 'web-job' }),
    });
    for (let i = 0; i < 400 && jobHarness.service.runningJobs().length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    const cancel = await request(jobHarness, '/__rtcw/cancel', { method: 'POST', headers: apiHeaders(jobHarness.token), body: JSON.stringify({ jobId: 'web-job' }) });
    expect(JSON.parse(cancel.body)).toEqual({ cancelled: true });
    openGate();
    const lines = ndjson((await running).body);
    expect(lines[0]).toEqual({ type: 'progress', progress: { jobId: 'web-job', pct: 25, message: 'item 1' } });
    expect(lines.at(-1)?.response).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
  });

  it('completes a long job with its progress lines', async () => {
    gate = Promise.resolve();
    const reply = await request(jobHarness, '/__rtcw/api/slowCount', { method: 'POST', headers: apiHeaders(jobHarness.token), body: JSON.stringify({ input: { n: 2 } }) });
    const lines = ndjson(reply.body);
    expect(lines.map((l) => l.type)).toEqual(['progress', 'progress', 'result']);
    expect(lines[2].response).toEqual({ ok: true, result: 2 });
  });
});

describe('harness jobs', () => {
  it('runs the same worker jobs as the service host: a 20,000-row import leaves the HTTP thread free', async () => {
    // Web mode serves the handlers in-process; their long jobs (import, analyses, exports) run in
    // worker threads all the same (electron/services/host/workerJob.ts), so other calls are answered.
    const file = path.join(dir, 'web-import.rtcw');
    await request(harness, '/__rtcw/api/createStudy', { method: 'POST', headers: apiHeaders(harness.token), body: JSON.stringify({ input: { path: file } }) });
    const sheet = writePatientSheet(path.join(dir, 'web-patients.csv'), 20_000);
    const mapping = JSON.parse(fs.readFileSync(path.resolve('test/fixtures/import/patients-mapping.json'), 'utf8')) as unknown;
    let sawProgress!: () => void;
    const progressed = new Promise<void>((resolve) => (sawProgress = resolve));
    let finished = false;
    const importing = new Promise<string>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: harness.port, path: '/__rtcw/api/commitTableImport', method: 'POST', headers: apiHeaders(harness.token) },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            body += chunk;
            if (ndjson(body.slice(0, body.lastIndexOf('\n') + 1)).some((line) => (line.progress?.pct ?? 0) >= 10)) sawProgress();
          });
          res.on('end', () => {
            finished = true;
            resolve(body);
          });
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify({ input: { path: sheet, mapping }, jobId: 'web-import' }));
    });
    await progressed;
    const counts = ndjson((await request(harness, '/__rtcw/api/studyCounts', { method: 'POST', headers: apiHeaders(harness.token), body: '{}' })).body);
    expect(counts.at(-1)?.response).toMatchObject({ ok: true, result: { patients: 0 } });
    expect(finished).toBe(false);
    expect(ndjson(await importing).at(-1)?.response).toMatchObject({ ok: true, result: { committed: true } });
    const after = ndjson((await request(harness, '/__rtcw/api/studyCounts', { method: 'POST', headers: apiHeaders(harness.token), body: '{}' })).body);
    expect(after.at(-1)?.response).toMatchObject({ ok: true, result: { patients: 20_000 } });
  });
});
