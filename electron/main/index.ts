// Electron main process: lifecycle, the hardened window, the app:// protocol, IPC wiring, the
// native menu and file dialogs. The services (the study's SQLite connection, imports, analyses,
// exports) run in the service host, a utilityProcess (electron/services/host/): main only routes
// IPC to it and answers its requests for native dialogs, so the window never waits on a long job.
import path from 'node:path';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, safeStorage, session, utilityProcess, type OpenDialogOptions, type SaveDialogOptions } from 'electron';
import { ApiError, toApiError } from '../../shared/api/contract';
import { api } from '../../shared/api/index';
import type { ReidListResult, SharedCopyResult } from '../../shared/api/study';
import type { PathChooser } from '../services/api/apiService';
import { FileGrants } from '../services/api/fileGrants';
import { connectServiceHost, type HostConnection, type ServiceHostClient } from '../services/host/hostClient';
import { WRAPPING_KEY_FILE, type HostKeyStoreConfig } from '../services/host/hostKeyStore';
import type { FromHost, ToHost } from '../services/host/hostProtocol';
import { studyKeysDir, writePrivateFile } from '../services/identity/studyKey';
import { IPC_STUDY_CHANGED, registerApiHandlers } from './ipc';
import { menuTemplate } from './menu';
import {
  APP_ENTRY_URL,
  APP_SCHEME,
  APP_SCHEME_PRIVILEGES,
  appProtocolHandler,
  hardenSession,
  hardenWebContents,
  mainWindowOptions,
} from './security';

// Before anything else: the privileged scheme, and one instance per user.
protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);
app.enableSandbox();
if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  start();
}

function start(): void {
  let window: BrowserWindow | null = null;
  // dist/electron/main/index.cjs → dist/renderer and dist/electron/preload/index.cjs
  const distDir = path.resolve(__dirname, '..', '..');
  const rendererDir = path.join(distDir, 'renderer');
  const preloadPath = path.join(distDir, 'electron', 'preload', 'index.cjs');

  // What the dialogs granted this session, by purpose (electron/services/api/fileGrants.ts): the
  // renderer may name a path again only for the same purpose and only to read it; a path to be
  // written always comes from a fresh dialog. The services check every path once more.
  const grants = new FileGrants();
  const choosePath: PathChooser = async (request) => {
    if (request.requested) {
      const resolved = path.resolve(request.requested);
      const recentStudy = request.purpose === 'openStudy' && service.recent.has(resolved);
      if (recentStudy || grants.allows(request, resolved)) return { path: resolved, source: 'grant' };
      throw new ApiError('FORBIDDEN', 'In the desktop app files are chosen in the file dialog.');
    }
    const parent = window ?? undefined;
    let chosen: string | undefined;
    if (request.mode === 'save-file') {
      // The name carries the extension and the filter names the format, so the dialog (not the app,
      // afterwards) asks before replacing a file.
      const options: SaveDialogOptions = {
        title: request.title,
        defaultPath: request.defaultName,
        filters: request.filters,
        properties: ['showOverwriteConfirmation', 'createDirectory'],
      };
      const result = parent ? await dialog.showSaveDialog(parent, options) : await dialog.showSaveDialog(options);
      chosen = result.canceled ? undefined : result.filePath;
    } else {
      const options: OpenDialogOptions = {
        title: request.title,
        filters: request.filters,
        properties: [request.mode === 'open-directory' ? 'openDirectory' : 'openFile'],
      };
      const result = parent ? await dialog.showOpenDialog(parent, options) : await dialog.showOpenDialog(options);
      chosen = result.canceled ? undefined : result.filePaths[0];
    }
    if (!chosen) return null;
    grants.record(request, chosen);
    return { path: chosen, source: 'dialog' };
  };

  // Study keys (issue 11): protected by the OS keychain through safeStorage. Where the platform
  // offers none (Linux without a secret service: safeStorage would use a hard-coded password), the
  // 0600 key files of web mode and the CLI are the honest choice. safeStorage exists only here, so
  // the service host gets the keychain-unwrapped wrapping key (electron/services/host/hostKeyStore.ts).
  const keychain = safeStorage.isEncryptionAvailable() && (process.platform !== 'linux' || safeStorage.getSelectedStorageBackend() !== 'basic_text');
  const keyStore: HostKeyStoreConfig = keychain ? { kind: 'keychain', wrappingKey: keychainWrappingKey(studyKeysDir(app.getPath('userData'))) } : { kind: 'files' };
  const service: ServiceHostClient = connectServiceHost({
    methods: api,
    userDataDir: app.getPath('userData'),
    choosePath,
    keyStore,
    // The installed app is never an export target (in development the "app" is the repository).
    appDirs: app.isPackaged ? [path.dirname(app.getPath('exe')), process.resourcesPath] : [],
    locale: app.getSystemLocale(),
    spawn: () => spawnServiceHost(path.join(__dirname, 'serviceHost.cjs')),
  });

  const runFromMenu = async (
    method: 'createStudy' | 'openStudy' | 'openDemoStudy' | 'exportStudyKey' | 'importStudyKey' | 'shareStudyCopy' | 'writeReidList',
    input: object,
    done?: (result: unknown) => string,
  ) => {
    const response = await service.call(method, input);
    if (!response.ok && response.error.code !== 'CANCELLED') {
      dialog.showErrorBox('RT Cohort Workstation', toApiError(response.error).message);
    } else if (response.ok && done) {
      void dialog.showMessageBox({ type: 'info', title: 'RT Cohort Workstation', message: done(response.result) });
    } else if (response.ok && method === 'exportStudyKey') {
      const { file } = response.result as { file: string };
      void dialog.showMessageBox({
        type: 'info',
        title: 'Study key exported',
        message: 'The study key was written.',
        detail: `${file}\n\nWhoever holds this file and the study can link hospital IDs to the study's patients. Keep it as you keep the identified source data; import it on the other workstation with File → Import Study Key….`,
      });
    } else if (response.ok && method === 'importStudyKey') {
      void dialog.showMessageBox({ type: 'info', title: 'Study key imported', message: 'This workstation can now link new identified data (DICOM, hospital-ID sheets) to the open study.' });
    }
  };
  let studyState = { open: false, sharedCopy: false };
  const rebuildMenu = () => {
    const template = menuTemplate(
      {
        newStudy: () => void runFromMenu('createStudy', {}),
        openStudy: () => void runFromMenu('openStudy', {}),
        openRecent: (studyPath) => void runFromMenu('openStudy', { path: studyPath }),
        openDemoStudy: () => void runFromMenu('openDemoStudy', {}),
        shareCopy: () =>
          void runFromMenu('shareStudyCopy', {}, (r) => {
            const copy = r as SharedCopyResult;
            return `De-identified copy written: ${copy.path}\n${copy.patients} patients, dates shifted per patient, no key, no DICOM index. It may be shared.`;
          }),
        reidList: () =>
          void runFromMenu('writeReidList', {}, (r) => {
            const list = r as ReidListResult;
            return `Re-identification list written: ${list.path} (${list.listed} patients). It identifies patients: keep it at the site.`;
          }),
        exportStudyKey: () => void runFromMenu('exportStudyKey', {}),
        importStudyKey: () => void runFromMenu('importStudyKey', {}),
        about: () =>
          void dialog.showMessageBox({
            type: 'info',
            title: 'About RT Cohort Workstation',
            message: `RT Cohort Workstation ${app.getVersion()}`,
            detail: `Offline research workstation for radiotherapy outcomes studies.\nNo data leaves this computer.\n\nElectron ${process.versions.electron} · Chromium ${process.versions.chrome} · Node ${process.versions.node}`,
          }),
      },
      service.recent.list(),
      process.platform,
      studyState,
    );
    Menu.setApplicationMenu(Menu.buildFromTemplate(template));
  };
  service.onStudyChanged(() => {
    // The study lives in the service host: ask it what is open (the menu greys out items that
    // need a study, and those a shared copy refuses).
    void service.call('currentStudy', {}).then((response) => {
      const info = response.ok ? (response.result as { sharedCopy?: boolean } | null) : null;
      studyState = { open: info !== null, sharedCopy: Boolean(info?.sharedCopy) };
      rebuildMenu();
    });
    if (window && !window.isDestroyed()) window.webContents.send(IPC_STUDY_CHANGED);
  });

  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));

  app.on('second-instance', () => {
    if (!window) return;
    if (window.isMinimized()) window.restore();
    window.focus();
  });

  app.on('window-all-closed', () => app.quit());
  // Let the host close the study cleanly (WAL checkpoint) before the app exits.
  let hostClosed = false;
  app.on('will-quit', (event) => {
    if (hostClosed) return;
    event.preventDefault();
    void service.close().finally(() => {
      hostClosed = true;
      app.quit();
    });
  });

  void app.whenReady().then(() => {
    hardenSession(session.defaultSession);
    session.defaultSession.protocol.handle(APP_SCHEME, appProtocolHandler(rendererDir));
    registerApiHandlers(ipcMain, service);
    rebuildMenu();
    void service.ready.then(rebuildMenu);
    window = new BrowserWindow(mainWindowOptions(preloadPath, { devTools: !app.isPackaged }));
    window.once('ready-to-show', () => window?.show());
    window.on('closed', () => {
      window = null;
    });
    void window.loadURL(APP_ENTRY_URL);
  });
}

/** The random wrapping key of the study-key files, stored encrypted by the OS keychain. */
function keychainWrappingKey(keysDir: string): Uint8Array {
  const file = path.join(keysDir, WRAPPING_KEY_FILE);
  if (fs.existsSync(file)) return Buffer.from(safeStorage.decryptString(fs.readFileSync(file)), 'hex');
  const key = crypto.randomBytes(32);
  fs.mkdirSync(keysDir, { recursive: true });
  writePrivateFile(file, safeStorage.encryptString(key.toString('hex')));
  return key;
}

/** The service host as a utilityProcess (dist/electron/main/serviceHost.cjs, electron/build.mjs). */
function spawnServiceHost(modulePath: string): HostConnection {
  const child = utilityProcess.fork(modulePath, [], { serviceName: 'RT Cohort Workstation services', stdio: 'inherit' });
  let alive = true;
  child.once('exit', () => (alive = false));
  return {
    channel: {
      post: (message: ToHost) => {
        if (alive) child.postMessage(message);
      },
      onMessage: (listener: (message: FromHost) => void) => child.on('message', (message: unknown) => listener(message as FromHost)),
    },
    onExit: (listener) => child.once('exit', () => listener()),
    kill: () => {
      if (alive) child.kill();
    },
  };
}
