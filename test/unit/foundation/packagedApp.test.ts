// What the installer would contain (issue 15): electron-builder packs the app unpacked (--dir) with
// a stand-in Electron distribution (no Electron binary can be downloaded here: see
// /work/shared/notes/packaging-without-electron.md, summarised in standInElectron below), and the
// result is listed: the built main, service host, workers, preload, renderer, fonts and the native
// modules — and nothing from test/, the harness, TypeScript sources, source maps or dev tools.
// Also: runtime dependencies are exactly the modules the bundles load from node_modules.
import { execFileSync } from 'node:child_process';
import { builtinModules, createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureRendererBuilt } from '../../e2e/appSession';

const require = createRequire(import.meta.url);
const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
const electronVersion = (JSON.parse(fs.readFileSync(require.resolve('electron/package.json'), 'utf8')) as { version: string }).version;

// @electron/fuses finds the fuse wire after this sentinel: version byte 1, a length, one byte per fuse.
const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const FUSES = ['runAsNode', 'enableCookieEncryption', 'enableNodeOptionsEnvironmentVariable', 'enableNodeCliInspectArguments', 'enableEmbeddedAsarIntegrityValidation', 'onlyLoadAppFromAsar', 'loadBrowserProcessSpecificV8Snapshot', 'grantFileProtocolExtraPrivileges', 'enableWasmTrapHandlers'];

/** A folder electron-builder accepts as `electronDist`: version file, empty resources/, a fuse wire. */
function standInElectron(dir: string): void {
  fs.mkdirSync(path.join(dir, 'resources'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'version'), electronVersion);
  const wire = Buffer.concat([Buffer.from('stand-in electron\n'), Buffer.from(FUSE_SENTINEL, 'latin1'), Buffer.from([1, FUSES.length]), Buffer.from('1'.repeat(FUSES.length), 'latin1')]);
  fs.writeFileSync(path.join(dir, 'electron'), wire, { mode: 0o755 });
}

let work: string;
let resources: string;
let asarFiles: string[];

beforeAll(async () => {
  await ensureRendererBuilt();
  execFileSync(process.execPath, ['electron/build.mjs'], { stdio: 'pipe' });
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'rtcw-pack-'));
  standInElectron(path.join(work, 'electron-dist'));
  const builder = require.resolve('electron-builder/cli.js');
  execFileSync(
    process.execPath,
    [
      builder, '--linux', 'dir', '--x64', '--config', 'electron-builder.yml',
      `-c.electronDist=${path.join(work, 'electron-dist')}`, '-c.npmRebuild=false', `-c.electronVersion=${electronVersion}`,
      `-c.directories.output=${path.join(work, 'out')}`,
    ],
    { stdio: 'pipe', env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' } },
  );
  resources = path.join(work, 'out', 'linux-unpacked', 'resources');
  const asar = require('@electron/asar') as { listPackage(file: string, options: object): string[] };
  asarFiles = asar.listPackage(path.join(resources, 'app.asar'), {}).map((f) => f.replace(/\\/g, '/'));
}, 600_000);
afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

function unpackedFiles(dir = path.join(resources, 'app.asar.unpacked'), prefix = ''): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? unpackedFiles(path.join(dir, e.name), `${prefix}/${e.name}`) : [`${prefix}/${e.name}`],
  );
}

function bytesUnder(dir: string): number {
  return fs.readdirSync(dir, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? bytesUnder(path.join(dir, e.name)) : fs.statSync(path.join(dir, e.name)).size), 0);
}

describe('the packaged app (electron-builder --dir with a stand-in Electron)', () => {
  it('holds the built main, service host, workers, preload, renderer and fonts', () => {
    for (const file of ['index.cjs', 'serviceHost.cjs', 'scanWorker.cjs', 'deriveWorker.cjs', 'dicomCommitWorker.cjs', 'tableImportWorker.cjs', 'figureExportWorker.cjs', 'reportDocumentsWorker.cjs', 'analysisWorker.cjs', 'spreadsheetInspectWorker.cjs', 'studyShareWorker.cjs', 'tableExportWorker.cjs', 'studyFileWorker.cjs']) {
      expect(asarFiles).toContain(`/dist/electron/main/${file}`);
    }
    expect(asarFiles).toContain('/dist/electron/preload/index.cjs');
    expect(asarFiles).toContain('/dist/renderer/index.html');
    expect(asarFiles.some((f) => /^\/dist\/renderer\/assets\/.+\.js$/.test(f))).toBe(true);
    expect(asarFiles).toContain('/package.json');
    // Fonts are read by path by resvg: unpacked beside the archive.
    const unpacked = unpackedFiles();
    expect(unpacked).toContain('/shared/charts/fonts/LiberationSans-Regular.ttf');
    expect(unpacked).toContain('/shared/charts/fonts/LiberationSans-Bold.ttf');
  });

  it('ships the native modules unpacked, for this platform only', () => {
    const unpacked = unpackedFiles();
    const natives = unpacked.filter((f) => f.endsWith('.node'));
    expect(natives).toContain('/node_modules/better-sqlite3/prebuilds/linux-x64.node');
    expect(natives.some((f) => f.startsWith('/node_modules/@img/sharp-linux-x64/'))).toBe(true);
    expect(natives.some((f) => f.startsWith('/node_modules/@resvg/resvg-js-linux-x64'))).toBe(true);
    expect(natives.filter((f) => /prebuilds\/(?!linux-x64\.node)/.test(f))).toEqual([]);
    expect(unpacked.filter((f) => f.startsWith('/node_modules/better-sqlite3/deps/'))).toEqual([]);
  });

  it('contains nothing from test/, the harness, sources, source maps, the CLI or dev tools', () => {
    const everything = [...asarFiles, ...unpackedFiles()];
    expect(everything.filter((f) => /^\/(test|electron|renderer|test-artifacts|out)\//.test(f))).toEqual([]);
    expect(everything.filter((f) => f.endsWith('.map') || (f.endsWith('.ts') && !f.endsWith('.d.ts')))).toEqual([]);
    expect(everything.filter((f) => f.startsWith('/dist/electron/cli'))).toEqual([]);
    const devTools = ['node', 'tsx', 'esbuild', 'electron', 'electron-builder', 'vite', 'vitest', 'typescript', 'eslint', 'playwright-core', 'react', 'react-dom', 'echarts', 'zod'];
    const modules = new Set(everything.filter((f) => f.startsWith('/node_modules/')).map((f) => f.split('/').slice(2, f.split('/')[2].startsWith('@') ? 4 : 3).join('/')));
    expect(devTools.filter((name) => modules.has(name))).toEqual([]);
    for (const bundle of ['index.cjs', 'serviceHost.cjs']) {
      const text = fs.readFileSync(path.join('dist', 'electron', 'main', bundle), 'utf8');
      // The harness (electron/harness) serves the API over HTTP: never in the app.
      expect(text).not.toContain('/__rtcw/api/');
    }
  });

  it('flips the fuses that would let the packaged binary run as Node or take NODE_OPTIONS/--inspect', () => {
    const binary = fs.readFileSync(path.join(work, 'out', 'linux-unpacked', 'rt-cohort-workstation'));
    const at = binary.indexOf(Buffer.from(FUSE_SENTINEL, 'latin1')) + FUSE_SENTINEL.length;
    const wire = binary.subarray(at + 2, at + 2 + binary[at + 1]).toString('latin1');
    const fuse = (name: string) => wire[FUSES.indexOf(name)];
    expect(fuse('runAsNode')).toBe('0');
    expect(fuse('enableNodeOptionsEnvironmentVariable')).toBe('0');
    expect(fuse('enableNodeCliInspectArguments')).toBe('0');
    expect(fuse('onlyLoadAppFromAsar')).toBe('1');
  });

  it('weighs what the app needs (reported; the old layout weighed 299 MB)', () => {
    const mb = Math.round(bytesUnder(resources) / 1e5) / 10;
    console.log(`packaged resources: ${mb} MB`);
    expect(mb).toBeGreaterThan(1);
    expect(mb).toBeLessThan(150);
  });
});

describe('runtime dependencies', () => {
  it('are exactly the modules the built bundles load from node_modules (everything else is bundled)', () => {
    const required = new Set<string>();
    for (const file of fs.readdirSync(path.join('dist', 'electron', 'main'))) {
      const text = fs.readFileSync(path.join('dist', 'electron', 'main', file), 'utf8');
      for (const m of text.matchAll(/require\("([^"]+)"\)/g)) {
        const name = m[1].startsWith('@') ? m[1].split('/').slice(0, 2).join('/') : m[1].split('/')[0];
        if (!m[1].startsWith('node:') && !builtinModules.includes(name) && name !== 'electron' && name !== 'esbuild') required.add(name);
      }
    }
    expect(Object.keys(pkg.dependencies).sort()).toEqual([...required].sort());
    for (const tool of ['node', 'tsx', 'esbuild', 'electron', 'electron-builder', 'react', 'react-dom']) {
      expect(pkg.dependencies[tool]).toBeUndefined();
      expect(pkg.devDependencies[tool]).toBeDefined();
    }
  });
});
