// Where a worker thread's code comes from (the DICOM scan, the spreadsheet import).
// - Built app: electron/build.mjs bundles each worker to <name>.cjs next to the bundle that
//   starts it (dist/electron/main/), found relative to import.meta.url.
// - Development, vitest, benchmarks: the worker's .ts file is bundled in memory with esbuild (a dev
//   dependency) on first use, once per process, and run with `eval`: workers execute plain
//   JavaScript whichever loader the parent runs under.
// Tests point a worker at another file with setWorkerFile — never through an environment variable,
// which anyone could set to make the packaged app run their code.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

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
      if (file) return readFileSync(file, 'utf8');
      const prebuilt = fileURLToPath(new URL(`./${name}.cjs`, import.meta.url));
      if (existsSync(prebuilt)) return readFileSync(prebuilt, 'utf8');
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
        external: ['better-sqlite3', 'sharp', '@resvg/resvg-js', 'pdfkit'],
      });
      return result.outputFiles[0].text;
    })();
    source.catch(() => sources.delete(name));
    sources.set(name, source);
  }
  return source;
}
