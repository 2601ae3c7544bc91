// Where a worker thread's code comes from (the DICOM scan, the spreadsheet import, analyses, exports).
// - Built app: electron/build.mjs bundles each worker to <name>.cjs next to the bundle that
//   starts it (dist/electron/main/), found relative to import.meta.url, and the worker is started
//   from that file. Never as an `eval` string: `new Worker(code, { eval: true })` copies the whole
//   bundle (1–9 MB) to the new thread on the caller's thread — 30–140 ms measured for these
//   bundles (test/bench/serviceHost.bench.ts), long enough to delay every other call to the service
//   host. From a file the worker thread reads and compiles it itself (< 5 ms for the caller).
//   Electron ≥ 19 loads worker files from inside app.asar (electron/electron#33216).
// - Development (`npm run web`), vitest, benchmarks of the sources: the worker's .ts file is bundled
//   with esbuild (a dev dependency) on first use, once per process — workers execute plain
//   JavaScript whichever loader the parent runs under — and written under node_modules/.cache
//   (named by its content, so processes share it; there its require() finds node_modules as the
//   sources do), then started from that file like the built app's. Only where that folder cannot be
//   written is the code run with `eval`. The code is wrapped so that
//   `__filename` (and the bundle's import.meta.url, derived from it as in electron/build.mjs) is the
//   worker's own file, not "[worker eval]": modules that find files next to themselves
//   (electron/services/export/figureFont.ts) work in workers too — as they do in a worker file.
// Tests point a worker at another file with setWorkerFile — never through an environment variable,
// which anyone could set to make the packaged app run their code.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** As electron/build.mjs: import.meta.url has no meaning in CommonJS, derive it from __filename. */
const IMPORT_META_URL = {
  define: { 'import.meta.url': '__rtcwImportMetaUrl' },
  banner: { js: "const __rtcwImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
};

function asFile(source: string, file: string): string {
  return `(function (__filename, __dirname) {\n${source}\n})(${JSON.stringify(file)}, ${JSON.stringify(dirname(file))});\n`;
}

/** A worker's code: its bundle's file (built app, tests of the bundle) or in-memory source (development). */
export type WorkerScript = { file: string } | { source: string };

const configured = new Map<string, string>();
const sources = new Map<string, Promise<WorkerScript>>();

/** Runs `name`'s worker from this CommonJS file instead (tests of the built bundles). */
export function setWorkerFile(name: string, file: string | null): void {
  if (file === null) configured.delete(name);
  else configured.set(name, file);
  sources.delete(name);
}

/** Worker `name`'s code; `entry` is its .ts file. Start it with `newWorker`. */
export function workerScript(name: string, entry: URL): Promise<WorkerScript> {
  let source = sources.get(name);
  if (!source) {
    source = (async () => {
      const file = configured.get(name);
      if (file) return { file };
      const prebuilt = fileURLToPath(new URL(`./${name}.cjs`, import.meta.url));
      if (existsSync(prebuilt)) return { file: prebuilt };
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
      return developmentScript(name, asFile(result.outputFiles[0].text, fileURLToPath(entry)));
    })();
    source.catch(() => sources.delete(name));
    sources.set(name, source);
  }
  return source;
}

/** The repository's node_modules/.cache folder for worker bundles (this file is electron/services/host/). */
const DEVELOPMENT_CACHE = fileURLToPath(new URL('../../../node_modules/.cache/rtcw-workers/', import.meta.url));

/** A development bundle as a file named by its content (written once, atomically), else as source. */
function developmentScript(name: string, source: string): WorkerScript {
  const file = join(DEVELOPMENT_CACHE, `${name}-${createHash('sha256').update(source).digest('hex').slice(0, 16)}.cjs`);
  try {
    if (!existsSync(file)) {
      mkdirSync(DEVELOPMENT_CACHE, { recursive: true });
      const partial = `${file}.${process.pid}.partial`;
      writeFileSync(partial, source);
      renameSync(partial, file);
    }
    return { file };
  } catch {
    return { source };
  }
}

/** Starts a worker thread running `script`. */
export function newWorker(script: WorkerScript, options: WorkerOptions = {}): Worker {
  return 'file' in script ? new Worker(script.file, options) : new Worker(script.source, { ...options, eval: true });
}

/** Starts worker `name` (`entry`: its .ts file). */
export async function startWorker(name: string, entry: URL, options: WorkerOptions = {}): Promise<Worker> {
  return newWorker(await workerScript(name, entry), options);
}
