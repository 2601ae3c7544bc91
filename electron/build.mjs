// Bundles the Electron main process and preload with esbuild into dist/electron/.
//   main/index.cjs     CommonJS (Electron's main entry in package.json); native modules external
//   main/*.mjs         worker-thread entries, next to main so new URL('./x.mjs', import.meta.url) resolves
//   preload/index.cjs  CommonJS, self-contained: sandboxed preloads can only require 'electron'
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

rmSync(outdir, { recursive: true, force: true });

await build({
  ...common,
  entryPoints: { index: 'electron/main/index.ts' },
  outdir: `${outdir}/main`,
  outExtension: { '.js': '.cjs' },
  format: 'cjs',
  // esbuild: only the development path of the DICOM worker loads it (never in the packaged app).
  external: [...nativeExternals, 'esbuild'],
  plugins: [noTsxAtRuntime],
  // import.meta.url has no meaning in CommonJS: derive it from __filename.
  define: { 'import.meta.url': '__rtcwImportMetaUrl' },
  banner: { js: "const __rtcwImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
});

// The DICOM scan worker (plain CommonJS, run by electron/services/dicom/workerScript.ts from
// dist/electron/main/scanWorker.cjs; in development it is bundled in memory with esbuild instead).
await build({
  ...common,
  entryPoints: { scanWorker: 'electron/services/dicom/scanWorker.ts' },
  outdir: `${outdir}/main`,
  outExtension: { '.js': '.cjs' },
  format: 'cjs',
  external: nativeExternals,
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

console.log(`Built ${outdir}/main/index.cjs, ${outdir}/main/scanWorker.cjs, ${outdir}/preload/index.cjs`);
