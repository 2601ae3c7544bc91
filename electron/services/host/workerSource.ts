// Where a worker thread's code comes from (the DICOM scan, the spreadsheet import).
// - Built app: electron/build.mjs bundles each worker to <name>.cjs next to the bundle that
//   starts it (dist/electron/main/), found relative to import.meta.url.
// - Development, vitest, benchmarks: the worker's .ts file is bundled in memory with esbuild (a dev
//   dependency) on first use, once per process, and run with `eval`: workers execute plain
//   JavaScript whichever loader the parent runs under.
// Either way the code is wrapped so that `__filename` (and the bundle's import.meta.url, derived
// from it as in electron/build.mjs) is the worker's own file, not "[worker eval]": modules that find
// files next to themselves (electron/services/export/figureFont.ts) work in workers too.
// Tests point a worker at another file with setWorkerFile — never through an environment variable,
// which anyone could set to make the packaged app run their code.
import { existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** As electron/build.mjs: import.meta.url has no meaning in CommonJS, derive it from __filename. */
const IMPORT_META_URL = {
  define: { 'import.meta.url': '__rtcwImportMetaUrl' },
  banner: { js: "const __rtcwImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
};

function asFile(source: string, file: string): string {
  return `(function (__filename, __dirname) {\n${source}\n})(${JSON.stringify(file)}, ${JSON.stringify(dirname(file))});\n`;
}

const configured = new Map<string, string>();
const sources = new Map<string, Promise<string>>();

/** Runs `name`'s worker from this CommonJS file instead (tests of the built bundles). */
export function setWorkerFile(name: string, file: string | null): void {
  if (file === null) configured.delete(name);
  else configured.set(name, file);
  sources.delete(name);
}

/** CommonJS source of worker `name` (for `new Worker(source, { eval: true })`); `entry` is its .ts file. */
export function workerSource(name: string, entry: URL): Promise<string> {
  let source = sources.get(name);
  if (!source) {
    source = (async () => {
      const file = configured.get(name);
      if (file) return asFile(readFileSync(file, 'utf8'), file);
      const prebuilt = fileURLToPath(new URL(`./${name}.cjs`, import.meta.url));
      if (existsSync(prebuilt)) return asFile(readFileSync(prebuilt, 'utf8'), prebuilt);
      const esbuild = await import('esbuild');
      const result = await esbuild.build({
        entryPoints: [fileURLToPath(entry)],
        bundle: true,
        platform: 'node',
        format: 'cjs',
        target: 'node20',
        write: false,
        logLevel: 'silent',
        // Native addons and pdfkit's package imports stay in node_modules (as in electron/build.mjs).
        external: ['better-sqlite3', 'sharp', '@resvg/resvg-js', 'pdfkit', 'esbuild'],
        ...IMPORT_META_URL,
      });
      return asFile(result.outputFiles[0].text, fileURLToPath(entry));
    })();
    source.catch(() => sources.delete(name));
    sources.set(name, source);
  }
  return source;
}
