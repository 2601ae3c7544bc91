// The shipped artifacts: electron/build.mjs bundles main and preload; both load with 'electron'
// stubbed, the preload exposes exactly the contract as window.rtcw, the main process starts hardened.
import { execFileSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import os from 'node:os';
import { api, methodNames } from '../../../shared/api/index';
import { setServiceHostFile, startServiceHost } from '../../../electron/services/host/hostProcess';

let outdir: string;
beforeAll(() => {
  // Inside the repository so the bundles resolve node_modules as in dist/electron.
  fs.mkdirSync('test-artifacts', { recursive: true });
  outdir = fs.mkdtempSync(path.resolve('test-artifacts', 'electron-bundle-'));
  execFileSync(process.execPath, ['electron/build.mjs'], { env: { ...process.env, RTCW_ELECTRON_OUTDIR: outdir }, stdio: 'pipe' });
});
afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

/** Loads a CommonJS bundle in a fresh Node with require('electron') answered by `stub` (JS source). */
function loadWithStub(bundle: string, stub: string, report: string): unknown {
  const script = `
    const Module = require('node:module');
    const calls = [];
    const electron = (${stub})(calls);
    const load = Module._load;
    Module._load = function (request, ...rest) { return request === 'electron' ? electron : load.call(this, request, ...rest); };
    require(${JSON.stringify(bundle)});
    setTimeout(() => { process.stdout.write(JSON.stringify((${report})(calls))); process.exit(0); }, 300);
  `;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', cwd: outdir }));
}

describe('electron bundles', () => {
  it('writes main, the service host, its workers and preload; only native modules stay external', () => {
    const main = fs.readFileSync(path.join(outdir, 'main', 'index.cjs'), 'utf8');
    for (const file of ['serviceHost.cjs', 'scanWorker.cjs', 'deriveWorker.cjs', 'dicomCommitWorker.cjs', 'tableImportWorker.cjs', 'figureExportWorker.cjs', 'reportDocumentsWorker.cjs', 'analysisWorker.cjs', 'spreadsheetInspectWorker.cjs', 'studyShareWorker.cjs', 'tableExportWorker.cjs', 'studyFileWorker.cjs']) {
      expect(fs.existsSync(path.join(outdir, 'main', file))).toBe(true);
    }
    // Main routes IPC and dialogs only: none of the services (SQLite, rasterisers) is in its bundle.
    expect(main).not.toMatch(/require\("(better-sqlite3|sharp|@resvg\/resvg-js|pdfkit)"\)/);
    const host = fs.readFileSync(path.join(outdir, 'main', 'serviceHost.cjs'), 'utf8');
    const required = new Set([...host.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]).filter((m) => !m.startsWith('node:') && !builtinModules.includes(m)));
    expect([...required].sort()).toEqual(expect.arrayContaining(['better-sqlite3']));
    expect(required.has('electron')).toBe(false);
    // esbuild: only on the development path of the DICOM worker (the bundle ships scanWorker.cjs).
    // pdfkit: its standard-font data is loaded through package imports, which break when bundled.
    for (const name of required) expect(['electron', 'better-sqlite3', 'sharp', '@resvg/resvg-js', 'pdfkit', 'esbuild']).toContain(name);
    const preload = fs.readFileSync(path.join(outdir, 'preload', 'index.cjs'), 'utf8');
    expect([...preload.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1])).toEqual(['electron']);
  });

  it('the preload exposes exactly the contract methods as window.rtcw', () => {
    const exposed = loadWithStub(
      path.join(outdir, 'preload', 'index.cjs'),
      `(calls) => ({
        contextBridge: { exposeInMainWorld: (key, api) => calls.push({ key, names: Object.keys(api), types: Object.values(api).map((v) => typeof v) }) },
        ipcRenderer: { invoke: async () => ({ ok: true, result: null }), on: () => {} },
      })`,
      '(calls) => calls',
    ) as { key: string; names: string[]; types: string[] }[];
    expect(exposed).toHaveLength(1);
    expect(exposed[0].key).toBe('rtcw');
    expect(exposed[0].names.sort()).toEqual([...methodNames, 'cancel', 'onStudyChanged'].sort());
    expect(new Set(exposed[0].types)).toEqual(new Set(['function']));
  });

  it('the main bundle starts hardened: privileged app: scheme, sandbox, single instance, window on app://', () => {
    const calls = loadWithStub(
      path.join(outdir, 'main', 'index.cjs'),
      `(calls) => {
        const noop = () => {};
        const session = { setPermissionRequestHandler: () => calls.push('permissions'), setPermissionCheckHandler: noop,
          setDevicePermissionHandler: noop, setSpellCheckerEnabled: (v) => calls.push('spellchecker:' + v), on: noop,
          webRequest: { onBeforeRequest: () => calls.push('webRequest') }, protocol: { handle: (s) => calls.push('protocol:' + s) } };
        class BrowserWindow { constructor(o) { calls.push({ window: o.webPreferences }); this.webContents = { send: noop }; }
          once() {} on() {} loadURL(u) { calls.push('load:' + u); return Promise.resolve(); } }
        return {
          app: { enableSandbox: () => calls.push('sandbox'), requestSingleInstanceLock: () => (calls.push('lock'), true), quit: noop, on: noop,
            whenReady: () => Promise.resolve(), getPath: () => require('node:fs').mkdtempSync(require('node:os').tmpdir() + '/rtcw-bundle-user-'), getVersion: () => '0', getSystemLocale: () => 'en-GB', isPackaged: true },
          protocol: { registerSchemesAsPrivileged: (s) => calls.push({ schemes: s }) },
          session: { defaultSession: session },
          ipcMain: { handle: (c) => calls.push('ipc:' + c), removeHandler: noop },
          Menu: { buildFromTemplate: (t) => t, setApplicationMenu: () => calls.push('menu') },
          BrowserWindow, dialog: {}, safeStorage: { isEncryptionAvailable: () => false },
          utilityProcess: { fork: (modulePath) => {
            calls.push('utilityProcess:' + require('node:path').relative(process.cwd(), modulePath));
            return { postMessage: noop, on: noop, once: noop, kill: noop };
          } },
        };
      }`,
      '(calls) => calls',
    ) as unknown[];
    expect(calls).toContainEqual({ schemes: [expect.objectContaining({ scheme: 'app' })] });
    for (const step of ['sandbox', 'lock', 'permissions', 'spellchecker:false', 'webRequest', 'protocol:app', 'menu', 'ipc:rtcw:createStudy', 'load:app://rtcw/index.html', `utilityProcess:${path.join('main', 'serviceHost.cjs')}`]) {
      expect(calls).toContain(step);
    }
    expect(calls).toContainEqual({ window: expect.objectContaining({ contextIsolation: true, sandbox: true, nodeIntegration: false }) });
    expect(calls.indexOf('permissions')).toBeLessThan(calls.findIndex((c) => typeof c === 'object' && c !== null && 'window' in c));
  });

  it('the built service host answers over a fork channel, with its prebuilt workers', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtcw-built-host-'));
    setServiceHostFile(path.join(outdir, 'main', 'serviceHost.cjs'));
    // User data in its own subfolder: the app's own folders are never an export target (fileGrants.ts).
    const host = await startServiceHost({ methods: api, userDataDir: path.join(dir, 'user-data'), choosePath: async (r) => r.requested ?? null });
    try {
      expect(await host.call('openDemoStudy', {})).toMatchObject({ ok: true, result: { synthetic: true } });
      // exportFigure runs figureExportWorker.cjs from beside the host (fonts found from its own path).
      const svg = path.join(dir, 'curves.svg');
      const exported = await host.call('exportFigure', { spec: { endpoint: 'local' }, format: 'svg', path: svg }, { jobId: 'bundle-svg' });
      expect(exported).toMatchObject({ ok: true, result: { format: 'svg' } });
      expect(fs.readFileSync(svg, 'utf8')).toContain('<svg');
      // The other workers start from their bundle files too (workerSource.ts: no eval'd copy).
      const sheet = path.join(dir, 'patients.csv');
      fs.copyFileSync(path.resolve('test/fixtures/import/patients.csv'), sheet);
      const preview = await host.call('inspectSpreadsheet', { path: sheet });
      expect(preview).toMatchObject({ ok: true, result: { fileName: 'patients.csv' } });
      const dataset = await host.call('cohortDataset', { unit: 'patient' });
      expect(dataset).toMatchObject({ ok: true, result: { unit: 'patient' } });
      const shared = path.join(dir, 'shared.rtcw');
      expect(await host.call('shareStudyCopy', { out: shared })).toMatchObject({ ok: true, result: { path: shared } });
      expect(fs.existsSync(shared)).toBe(true);
      // The DICOM scan, derivation and commit workers (scanWorker, deriveWorker, dicomCommitWorker).
      expect(await host.call('createStudy', { path: path.join(dir, 'dicom.rtcw') })).toMatchObject({ ok: true });
      const scan = await host.call('scanDicomFolder', { dir: path.resolve('test/fixtures/dicom/cohort-a') });
      expect(scan).toMatchObject({ ok: true, result: { lesions: expect.arrayContaining([expect.objectContaining({ inCohort: false })]) } });
      const ids = scan.ok ? (scan.result as { lesions: Array<{ proposalId: string }> }).lesions.map((l) => l.proposalId) : [];
      expect(await host.call('commitDicomProposals', { proposalIds: ids, includeReviewed: true })).toMatchObject({ ok: true, result: { coursesAdded: ids.length } });
      const listed = await host.call('listDicomProposals', {});
      expect(listed.ok && (listed.result as { lesions: Array<{ inCohort: boolean }> }).lesions.every((l) => l.inCohort)).toBe(true);
    } finally {
      await host.close();
      setServiceHostFile(null);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
