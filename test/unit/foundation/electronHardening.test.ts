// The Electron main process configuration (security checklist), with the 'electron' module
// stubbed: window options, session and web-contents guards, the app:// protocol, IPC sender
// checks (against the real services and the real preload bridge), the menu, and the entry point's
// wiring.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

type Listener = (...args: unknown[]) => unknown;

/** Records what the entry point does with Electron. */
const electronCalls = vi.hoisted(() => {
  const listeners = new Map<string, Listener[]>();
  const record = {
    schemes: [] as unknown[],
    sandboxEnabled: false,
    singleInstanceRequested: false,
    quitCalled: false,
    protocolHandlers: new Map<string, (request: Request) => Response>(),
    ipcHandlers: new Map<string, Listener>(),
    windows: [] as { options: unknown; loadedUrl?: string }[],
    menus: [] as unknown[],
    utilityProcesses: [] as { modulePath: string; serviceName?: string }[],
    sessionHardened: { permissionHandler: null as Listener | null, beforeRequest: null as Listener | null, spellchecker: null as boolean | null },
    appListeners: listeners,
    ready: null as null | (() => void),
  };
  return record;
});

vi.mock('electron', async () => {
  const r = electronCalls;
  // utilityProcess.fork runs the real service host, as a forked Node process (the stub is only the
  // transport: postMessage / 'message' / 'exit', as Electron's UtilityProcess offers them).
  const { forkServiceHost } = await import('../../../electron/services/host/hostProcess');
  const utilityProcess = {
    fork: (modulePath: string, _args: string[], options: { serviceName?: string }) => {
      r.utilityProcesses.push({ modulePath, serviceName: options.serviceName });
      const host = forkServiceHost();
      return {
        postMessage: (message: never) => host.channel.post(message),
        on: (event: string, listener: Listener) => (event === 'message' ? host.channel.onMessage(listener) : host.process.on(event, listener)),
        once: (event: string, listener: Listener) => host.process.once(event, listener),
        kill: () => host.kill(),
      };
    },
  };
  const on = (event: string, listener: Listener) => {
    r.appListeners.set(event, [...(r.appListeners.get(event) ?? []), listener]);
  };
  const readyPromise = new Promise<void>((resolve) => (r.ready = resolve));
  const session = {
    setPermissionRequestHandler: (h: Listener) => (r.sessionHardened.permissionHandler = h),
    setPermissionCheckHandler: () => {},
    setDevicePermissionHandler: () => {},
    setSpellCheckerEnabled: (v: boolean) => (r.sessionHardened.spellchecker = v),
    on: () => {},
    webRequest: { onBeforeRequest: (h: Listener) => (r.sessionHardened.beforeRequest = h) },
    protocol: { handle: (scheme: string, handler: (request: Request) => Response) => r.protocolHandlers.set(scheme, handler) },
  };
  class BrowserWindow {
    webContents = { send: () => {} };
    private entry: { options: unknown; loadedUrl?: string };
    constructor(options: unknown) {
      this.entry = { options };
      r.windows.push(this.entry);
    }
    once() {}
    on() {}
    isDestroyed() {
      return false;
    }
    async loadURL(url: string) {
      this.entry.loadedUrl = url;
    }
  }
  return {
    app: {
      enableSandbox: () => (r.sandboxEnabled = true),
      requestSingleInstanceLock: () => ((r.singleInstanceRequested = true), true),
      quit: () => (r.quitCalled = true),
      on,
      whenReady: () => readyPromise,
      getPath: () => fs.mkdtempSync(path.join(os.tmpdir(), 'rtcw-electron-stub-')),
      getVersion: () => '0.0.0-test',
      getSystemLocale: () => 'de-CH',
      isPackaged: true,
    },
    protocol: { registerSchemesAsPrivileged: (schemes: unknown[]) => r.schemes.push(...schemes) },
    session: { defaultSession: session },
    ipcMain: { handle: (channel: string, h: Listener) => r.ipcHandlers.set(channel, h), removeHandler: () => {} },
    Menu: { buildFromTemplate: (t: unknown) => t, setApplicationMenu: (m: unknown) => r.menus.push(m) },
    BrowserWindow,
    dialog: { showOpenDialog: vi.fn(), showSaveDialog: vi.fn(), showErrorBox: vi.fn(), showMessageBox: vi.fn() },
    utilityProcess,
    // No OS keychain in the stub: the main process falls back to 0600 key files (identity/studyKey.ts).
    safeStorage: { isEncryptionAvailable: () => false, getSelectedStorageBackend: () => 'basic_text' },
  };
});

import { z } from 'zod';
import { defineMethod, returns, toApiError } from '../../../shared/api/contract';
import { methodNames } from '../../../shared/api/index';
import { createApiRuntime, servedContract, type ApiService, type Handlers } from '../../../electron/services/api/index';
import { typedPathChooser } from '../../../electron/harness/server';
import { IPC_CANCEL, IPC_PROGRESS, isTrustedSender, registerApiHandlers } from '../../../electron/main/ipc';
import { menuTemplate, type MenuActions } from '../../../electron/main/menu';
import {
  APP_ENTRY_URL,
  appProtocolHandler,
  hardenSession,
  hardenWebContents,
  isAllowedRequestUrl,
  mainWindowOptions,
} from '../../../electron/main/security';
import { buildRtcw, type RendererIpc } from '../../../electron/preload/rtcwBridge';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtcw-hardening-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('BrowserWindow options', () => {
  const options = mainWindowOptions('/app/preload/index.cjs', { devTools: false });
  it('isolates and sandboxes the renderer without Node', () => {
    expect(options.webPreferences).toMatchObject({
      preload: '/app/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      devTools: false,
    });
  });
});

describe('session hardening', () => {
  const handlers: Record<string, Listener> = {};
  const events: Record<string, Listener> = {};
  let spell: boolean | null = null;
  hardenSession({
    setPermissionRequestHandler: (h) => (handlers.permission = h as Listener),
    setPermissionCheckHandler: (h) => (handlers.check = h as Listener),
    setDevicePermissionHandler: (h) => (handlers.device = h as Listener),
    setSpellCheckerEnabled: (v) => (spell = v),
    on: ((event: string, h: Listener) => (events[event] = h)) as never,
    webRequest: { onBeforeRequest: ((h: Listener) => (handlers.request = h)) as never },
  });

  it('denies every permission request and check', () => {
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'fileSystem']) {
      const callback = vi.fn();
      handlers.permission({}, permission, callback, {});
      expect(callback).toHaveBeenCalledWith(false);
      expect(handlers.check({}, permission, 'app://rtcw', {})).toBe(false);
    }
    expect(handlers.device({})).toBe(false);
  });

  it('cancels every request that is not app:, devtools:, data: or blob:', () => {
    const verdict = (url: string) => {
      const callback = vi.fn();
      handlers.request({ url }, callback);
      return (callback.mock.calls[0][0] as { cancel: boolean }).cancel;
    };
    expect(verdict('app://rtcw/index.html')).toBe(false);
    expect(verdict('app://rtcw/assets/index.js')).toBe(false);
    expect(verdict('devtools://devtools/bundled/inspector.html')).toBe(false);
    expect(verdict('data:image/png;base64,AAAA')).toBe(false);
    expect(verdict('blob:app://rtcw/5b0c')).toBe(false);
    for (const url of ['https://example.com/', 'http://127.0.0.1:8080/', 'file:///etc/passwd', 'ws://localhost/', 'app://evil/x', 'ftp://x/', 'not a url']) {
      expect(verdict(url)).toBe(true);
    }
    expect(isAllowedRequestUrl('https://fonts.googleapis.com/css')).toBe(false);
  });

  it('turns the spellchecker off and blocks downloads', () => {
    expect(spell).toBe(false);
    const event = { preventDefault: vi.fn() };
    events['will-download'](event);
    expect(event.preventDefault).toHaveBeenCalled();
  });
});

describe('web contents guards', () => {
  const events: Record<string, Listener> = {};
  let openHandler: Listener = () => undefined;
  hardenWebContents({
    on: ((event: string, h: Listener) => (events[event] = h)) as never,
    setWindowOpenHandler: ((h: Listener) => (openHandler = h)) as never,
  });

  it('blocks navigation, redirects and webviews', () => {
    for (const name of ['will-navigate', 'will-frame-navigate', 'will-redirect', 'will-attach-webview']) {
      const event = { preventDefault: vi.fn() };
      events[name](event, 'https://example.com/');
      expect(event.preventDefault).toHaveBeenCalled();
    }
  });

  it('denies every new window', () => {
    expect(openHandler({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
    expect(openHandler({ url: 'app://rtcw/index.html' })).toEqual({ action: 'deny' });
  });
});

describe('app:// protocol', () => {
  let handler: (request: Request) => Response;
  beforeAll(() => {
    const rendererDir = path.join(dir, 'renderer');
    fs.mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
    fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>app</title>');
    fs.writeFileSync(path.join(rendererDir, 'assets', 'index.js'), 'export {}');
    fs.writeFileSync(path.join(dir, 'secret.txt'), 'secret');
    handler = appProtocolHandler(rendererDir);
  });

  it('serves the renderer with a strict CSP', async () => {
    const response = handler(new Request(APP_ENTRY_URL));
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<title>app</title>');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp.split('; ')).toEqual(expect.arrayContaining(["default-src 'self'", "script-src 'self'", "connect-src 'self'", "object-src 'none'"]));
    expect(csp).not.toMatch(/unsafe-eval|unsafe-inline|https?:/);
    expect(handler(new Request('app://rtcw/assets/index.js')).headers.get('content-type')).toMatch(/javascript/);
  });

  it('refuses other hosts and paths outside the renderer', async () => {
    expect(handler(new Request('app://other/index.html')).status).toBe(403);
    for (const url of ['app://rtcw/%2e%2e/secret.txt', 'app://rtcw/..%2fsecret.txt', 'app://rtcw/assets/..%2f..%2fsecret.txt']) {
      const escaped = handler(new Request(url));
      expect(escaped.status).toBeGreaterThanOrEqual(400);
      expect(await escaped.text()).not.toContain('secret');
    }
    expect(handler(new Request('app://rtcw/..%2fsecret.txt')).status).toBe(403);
    expect(handler(new Request('app://rtcw/missing.js')).status).toBe(404);
  });
});

describe('IPC transport and preload bridge', () => {
  let service: ApiService;
  const handlers = new Map<string, Listener>();
  const sent: { channel: string; payload: unknown }[] = [];
  const trusted = { senderFrame: { url: 'app://rtcw/index.html', parent: null }, sender: { isDestroyed: () => false, send: (channel: string, payload: unknown) => sent.push({ channel, payload }) } };

  beforeAll(() => {
    service = createApiRuntime({ userDataDir: path.join(dir, 'ipc-user'), choosePath: typedPathChooser(dir) });
    registerApiHandlers({ handle: (channel: string, h: Listener) => handlers.set(channel, h), removeHandler: () => {} } as never, service);
  });
  afterAll(() => service.session.dispose());

  it('registers one channel per contract method plus cancel, and nothing generic', () => {
    expect([...handlers.keys()].sort()).toEqual([...methodNames.map((m) => `rtcw:${m}`), IPC_CANCEL].sort());
  });

  it('accepts only the top frame of the app:// origin', async () => {
    expect(isTrustedSender(trusted as never)).toBe(true);
    const untrusted = [
      { senderFrame: { url: 'https://evil.example/', parent: null } },
      { senderFrame: { url: 'app://rtcw/index.html', parent: {} } },
      { senderFrame: { url: 'file:///tmp/x.html', parent: null } },
      { senderFrame: null },
    ];
    for (const event of untrusted) {
      expect(isTrustedSender(event as never)).toBe(false);
      const reply = (await handlers.get('rtcw:currentStudy')!({ ...event, sender: trusted.sender }, { input: {} })) as { ok: boolean; error?: { code: string } };
      expect(reply).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    }
  });

  it('validates input and round-trips through the real preload bridge', async () => {
    // The stand-in ipcRenderer forwards to the registered ipcMain handlers, as Electron does.
    const ipc: RendererIpc = {
      invoke: async (channel, ...args) => handlers.get(channel)!(trusted, ...args),
      on: () => undefined,
    };
    const rtcw = buildRtcw(ipc) as Record<string, (...args: unknown[]) => Promise<unknown>>;
    expect(Object.keys(rtcw).sort()).toEqual([...methodNames, 'cancel', 'onStudyChanged'].sort());
    const file = path.join(dir, 'ipc.rtcw');
    await expect(rtcw.createStudy({ path: file })).resolves.toMatchObject({ path: file, counts: { patients: 0 } });
    await expect(rtcw.studyCounts()).resolves.toEqual({ patients: 0, lesions: 0, courses: 0 });
    const error = await rtcw.openStudy({ path: 123 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(toApiError(error).code).toBe('INVALID_INPUT');
  });

  it('delivers progress to the caller and cancels long jobs over IPC', async () => {
    let proceed: () => void = () => {};
    const methods = { longJob: defineMethod({ input: z.object({}), result: returns<string>(), long: true }) };
    const jobHandlers: Handlers<typeof methods> = {
      async longJob(_input, ctx) {
        ctx.progress(10, 'started');
        await new Promise<void>((resolve) => (proceed = resolve));
        ctx.throwIfCancelled();
        return 'finished';
      },
    };
    const jobs = createApiRuntime({ userDataDir: path.join(dir, 'ipc-jobs'), choosePath: typedPathChooser(dir), contract: servedContract(methods, jobHandlers) });
    const mainHandlers = new Map<string, Listener>();
    registerApiHandlers({ handle: (c: string, h: Listener) => mainHandlers.set(c, h), removeHandler: () => {} } as never, jobs);
    const rendererListeners = new Map<string, Listener>();
    const sender = { isDestroyed: () => false, send: (channel: string, payload: unknown) => rendererListeners.get(channel)?.({}, payload) };
    const ipc: RendererIpc = {
      invoke: async (channel, ...args) => mainHandlers.get(channel)!({ ...trusted, sender }, ...args),
      on: (channel, listener) => rendererListeners.set(channel, listener as Listener),
    };
    const rtcw = buildRtcw(ipc, methods) as unknown as {
      longJob(input: object, options: { jobId: string; onProgress: (p: { pct: number; message: string }) => void }): Promise<string>;
      cancel(jobId: string): Promise<void>;
    };
    const progress: string[] = [];
    const running = rtcw.longJob({}, { jobId: 'ipc-job', onProgress: (p) => progress.push(`${p.pct}:${p.message}`) });
    for (let i = 0; i < 400 && progress.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(progress).toEqual(['10:started']);
    expect(rendererListeners.has(IPC_PROGRESS)).toBe(true);
    await rtcw.cancel('ipc-job');
    proceed();
    const error = await running.catch((e: unknown) => e);
    expect(toApiError(error).code).toBe('CANCELLED');
    jobs.session.dispose();
  });
});

describe('native menu', () => {
  const actions: MenuActions = {
    newStudy: vi.fn(),
    openStudy: vi.fn(),
    openRecent: vi.fn(),
    openDemoStudy: vi.fn(),
    exportStudyKey: vi.fn(),
    importStudyKey: vi.fn(),
    shareCopy: vi.fn(),
    reidList: vi.fn(),
    about: vi.fn(),
  };
  const template = menuTemplate(actions, [{ path: '/data/a.rtcw', fileName: 'a.rtcw', openedAt: '2026-01-01T00:00:00Z', exists: true }], 'linux');
  const items = (label: string) => (template.find((m) => m.label === label)?.submenu ?? []) as { label?: string; role?: string; click?: () => void; submenu?: unknown }[];

  it('has File (New, Open, Open Recent, Open Demo, Export/Import Study Key, Quit) and Help (About)', () => {
    expect(items('&File').map((i) => i.label ?? i.role).filter((l) => l !== undefined)).toEqual([
      'New Study…',
      'Open Study…',
      'Open Recent',
      'Open Demo Study',
      'Export Study Key…',
      'Import Study Key…',
      'Share a De-identified Copy…',
      'Re-identification List…',
      'Quit',
    ]);
    expect(items('&Help').map((i) => i.label)).toEqual(['About RT Cohort Workstation']);
  });

  it('wires the items to their actions', () => {
    items('&File')[0].click!();
    expect(actions.newStudy).toHaveBeenCalled();
    items('&File')[1].click!();
    expect(actions.openStudy).toHaveBeenCalled();
    (items('&File')[2].submenu as { click: () => void }[])[0].click();
    expect(actions.openRecent).toHaveBeenCalledWith('/data/a.rtcw');
    items('&File')[3].click!();
    expect(actions.openDemoStudy).toHaveBeenCalled();
    items('&File').find((i) => i.label === 'Export Study Key…')!.click!();
    expect(actions.exportStudyKey).toHaveBeenCalled();
    items('&File').find((i) => i.label === 'Import Study Key…')!.click!();
    expect(actions.importStudyKey).toHaveBeenCalled();
    const byLabel = (label: string) => items('&File').find((i) => i.label === label) as { click: () => void; enabled?: boolean };
    byLabel('Share a De-identified Copy…').click();
    expect(actions.shareCopy).toHaveBeenCalled();
    byLabel('Re-identification List…').click();
    expect(actions.reidList).toHaveBeenCalled();
  });

  it('offers sharing only with a study open, and no re-identification list in a shared copy', () => {
    const file = (study: { open: boolean; sharedCopy: boolean }) =>
      (menuTemplate(actions, [], 'linux', study).find((m) => m.label === '&File')?.submenu as { label?: string; enabled?: boolean }[]).filter((i) => /Share|Re-identification/.test(i.label ?? '')).map((i) => i.enabled);
    expect(file({ open: false, sharedCopy: false })).toEqual([false, false]);
    expect(file({ open: true, sharedCopy: false })).toEqual([true, true]);
    expect(file({ open: true, sharedCopy: true })).toEqual([true, false]);
    items('&Help')[0].click!();
    expect(actions.about).toHaveBeenCalled();
  });
});

describe('main entry point wiring', () => {
  it('applies the hardening at startup with electron stubbed', async () => {
    await import('../../../electron/main/index');
    const r = electronCalls;
    expect(r.schemes).toEqual([expect.objectContaining({ scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true }) })]);
    expect(r.sandboxEnabled).toBe(true);
    expect(r.singleInstanceRequested).toBe(true);
    expect(r.quitCalled).toBe(false);
    expect(r.appListeners.has('web-contents-created')).toBe(true);
    expect(r.appListeners.has('second-instance')).toBe(true);

    r.ready!();
    for (let i = 0; i < 200 && r.windows.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(r.windows).toHaveLength(1);
    expect(r.windows[0].options).toMatchObject({ webPreferences: { contextIsolation: true, sandbox: true, nodeIntegration: false } });
    expect(r.windows[0].loadedUrl).toBe('app://rtcw/index.html');
    expect(r.protocolHandlers.has('app')).toBe(true);
    expect(r.sessionHardened.spellchecker).toBe(false);
    expect(r.sessionHardened.permissionHandler).not.toBeNull();
    expect(r.sessionHardened.beforeRequest).not.toBeNull();
    expect([...r.ipcHandlers.keys()]).toContain('rtcw:createStudy');
    expect(r.menus.length).toBeGreaterThan(0);
    // The services run in one utilityProcess started from the built host next to main.
    expect(r.utilityProcesses).toHaveLength(1);
    expect(path.basename(r.utilityProcesses[0].modulePath)).toBe('serviceHost.cjs');
  });

  it('lets the renderer reach only files the user picked in the native dialog', async () => {
    // Runs after the test above: the entry point is loaded and its IPC handlers are registered.
    const { dialog } = await import('electron');
    const trustedEvent = { senderFrame: { url: 'app://rtcw/index.html', parent: null }, sender: { isDestroyed: () => false, send: () => {} } };
    const call = (method: string, input: object) =>
      electronCalls.ipcHandlers.get(`rtcw:${method}`)!(trustedEvent, { input }) as Promise<{ ok: boolean; error?: { code: string; message: string } }>;
    const picked = path.join(dir, 'picked.rtcw');
    // A path typed by the page (not chosen in a dialog this session) is refused, and nothing is created.
    expect(await call('createStudy', { path: picked })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN', message: expect.stringMatching(/file dialog/) } });
    expect(fs.existsSync(picked)).toBe(false);
    // Without a path, main shows the save dialog; the chosen file is created and then reachable.
    vi.mocked(dialog.showSaveDialog).mockResolvedValueOnce({ canceled: false, filePath: picked } as never);
    expect(await call('createStudy', {})).toMatchObject({ ok: true });
    expect(fs.existsSync(picked)).toBe(true);
    expect(await call('openStudy', { path: picked })).toMatchObject({ ok: true });
    // The OS's regional format reaches the service host, for the study's 'locale' date/number setting.
    expect(await call('getStudySettings', {})).toMatchObject({ ok: true, result: { locale: 'de-CH' } });
    // A cancelled dialog is a CANCELLED error, not a silent default.
    vi.mocked(dialog.showOpenDialog).mockResolvedValueOnce({ canceled: true, filePaths: [] } as never);
    expect(await call('openStudy', {})).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
    await call('closeStudy', {});
  });

  it('on quit, waits for the service host to close the study, then quits', async () => {
    const quitListeners = electronCalls.appListeners.get('will-quit') ?? [];
    expect(quitListeners).toHaveLength(1);
    let prevented = false;
    electronCalls.quitCalled = false;
    quitListeners[0]({ preventDefault: () => (prevented = true) });
    expect(prevented).toBe(true);
    await expect.poll(() => electronCalls.quitCalled).toBe(true);
  });
});
