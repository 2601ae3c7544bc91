// Bundles the Electron main process, the service host and preload with esbuild into dist/electron/.
//   main/index.cjs        CommonJS (Electron's main entry in package.json): window, IPC routing, dialogs
//   main/serviceHost.cjs  the service host main starts as a utilityProcess (electron/services/host/)
//   main/<worker>.cjs     worker-thread entries, next to the host so new URL('./x.cjs', import.meta.url)
//                         resolves (electron/services/host/workerSource.ts)
//   preload/index.cjs     CommonJS, self-contained: sandboxed preloads can only require 'electron'
//   cli/rtcw.mjs          the rtcw command (electron/cli/rtcw.mjs runs it): ESM with one chunk per
//                         command, so `rtcw --help` loads a few kilobytes, not every engine; the
//                         workers are built beside it too. Never packaged (electron-builder.yml).
// The renderer is built separately by Vite (dist/renderer).
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// RTCW_ELECTRON_OUTDIR: tests build into a temporary folder.
const outdir = process.env.RTCW_ELECTRON_OUTDIR ?? `${root}dist/electron`;

// Compiled code, native addons and the like stay in node_modules (unpacked from the asar).
// pdfkit loads its standard-font data through package "imports" (#standard-fonts/…), which break
// when bundled (export area).
const nativeExternals = ['electron', 'better-sqlite3', 'sharp', '@resvg/resvg-js', 'pdfkit'];

// In the bundle there is no TypeScript to load at run time: workers that register tsx get a no-op.
const noTsxAtRuntime = {
  name: 'no-tsx-at-runtime',
  setup(b) {
    b.onResolve({ filter: /^tsx(\/.*)?$/ }, (args) => ({ path: args.path, namespace: 'no-tsx' }));
    b.onLoad({ filter: /.*/, namespace: 'no-tsx' }, () => ({ contents: 'export function register() {}', loader: 'js' }));
  },
};

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
  absWorkingDir: root,
};

// import.meta.url has no meaning in CommonJS: derive it from __filename.
const importMetaUrlFromFilename = {
  define: { 'import.meta.url': '__rtcwImportMetaUrl' },
  banner: { js: "const __rtcwImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
};

const workerEntries = {
  scanWorker: 'electron/services/dicom/scanWorker.ts',
  deriveWorker: 'electron/services/dicom/deriveWorker.ts',
  dicomCommitWorker: 'electron/services/dicom/dicomCommitWorker.ts',
  tableImportWorker: 'electron/services/import/tableImportWorker.ts',
  figureExportWorker: 'electron/services/export/figureExportWorker.ts',
  reportDocumentsWorker: 'electron/services/export/reportDocumentsWorker.ts',
  analysisWorker: 'electron/services/analysis/analysisWorker.ts',
  spreadsheetInspectWorker: 'electron/services/import/spreadsheetInspectWorker.ts',
  studyShareWorker: 'electron/services/identity/studyShareWorker.ts',
  tableExportWorker: 'electron/services/export/tableExportWorker.ts',
  studyFileWorker: 'electron/services/db/studyFileWorker.ts',
};

rmSync(outdir, { recursive: true, force: true });

await build({
  ...common,
  entryPoints: { index: 'electron/main/index.ts' },
  outdir: `${outdir}/main`,
  outExtension: { '.js': '.cjs' },
  format: 'cjs',
  external: nativeExternals,
  ...importMetaUrlFromFilename,
});

// The service host, and the worker threads it starts (plain CommonJS, found by
// electron/services/host/workerSource.ts next to the host; in development they are bundled in
// memory with esbuild instead).
await build({
  ...common,
  entryPoints: { serviceHost: 'electron/services/host/hostEntry.ts', ...workerEntries },
  outdir: `${outdir}/main`,
  outExtension: { '.js': '.cjs' },
  format: 'cjs',
  // esbuild: only the development path of workerSource.ts loads it (never in the packaged app).
  external: [...nativeExternals, 'esbuild'],
  plugins: [noTsxAtRuntime],
  ...importMetaUrlFromFilename,
});

// The CLI: no TypeScript compiled at each start (issue 15).
await build({
  ...common,
  // kmTableWorker: the thread that formats half of km's long tables (electron/cli/kmTableWorker.ts).
  entryPoints: { rtcw: 'electron/cli/main.ts', kmTableWorker: 'electron/cli/kmTableWorker.ts' },
  outdir: `${outdir}/cli`,
  outExtension: { '.js': '.mjs' },
  format: 'esm',
  splitting: true,
  // Flat, beside the workers: modules find files relative to import.meta.url (figureFont, workerSource).
  chunkNames: '[name]-[hash]',
  external: [...nativeExternals, 'esbuild'],
  plugins: [noTsxAtRuntime],
  // Bundled CommonJS libraries call require/__dirname; ESM has neither.
  banner: {
    js: [
      "import { createRequire as __rtcwCreateRequire } from 'node:module';",
      "import { fileURLToPath as __rtcwFileURLToPath } from 'node:url';",
      'const require = __rtcwCreateRequire(import.meta.url);',
      'const __filename = __rtcwFileURLToPath(import.meta.url);',
      "const __dirname = __filename.replace(/[\\\\/][^\\\\/]*$/, '');",
    ].join('\n'),
  },
});
await build({
  ...common,
  entryPoints: workerEntries,
  outdir: `${outdir}/cli`,
  outExtension: { '.js': '.cjs' },
  format: 'cjs',
  external: [...nativeExternals, 'esbuild'],
  ...importMetaUrlFromFilename,
});

await build({
  ...common,
  entryPoints: { index: 'electron/preload/index.ts' },
  outdir: `${outdir}/preload`,
  outExtension: { '.js': '.cjs' },
  format: 'cjs',
  platform: 'browser',
  external: ['electron'],
});

console.log(`Built ${outdir}/main/{index,serviceHost,<workers>}.cjs, ${outdir}/preload/index.cjs and ${outdir}/cli/rtcw.mjs`);
