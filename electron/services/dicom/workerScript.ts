// Where the scan workers' code comes from.
// - Packaged app: electron/build.mjs bundles scanWorker.ts to scanWorker.cjs next to the main
//   bundle (found relative to import.meta.url); setScanWorkerFile / RTCW_DICOM_WORKER override.
// - Development, tsx CLI and vitest: scanWorker.ts is bundled in memory with esbuild (a dev
//   dependency) on first use, once per process, and run with `eval`. Workers then execute plain
//   JavaScript at full speed, whichever loader the main thread runs under.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

let configuredFile: string | null = process.env.RTCW_DICOM_WORKER ?? null;
let bundled: Promise<string> | null = null;

export function setScanWorkerFile(path: string): void {
  configuredFile = path;
  bundled = null;
}

/** CommonJS source of the worker (for `new Worker(source, { eval: true })`). */
export function scanWorkerSource(): Promise<string> {
  bundled ??= (async () => {
    if (configuredFile) return readFileSync(configuredFile, 'utf8');
    const prebuilt = fileURLToPath(new URL('./scanWorker.cjs', import.meta.url));
    if (existsSync(prebuilt)) return readFileSync(prebuilt, 'utf8');
    const esbuild = await import('esbuild');
    const result = await esbuild.build({
      entryPoints: [fileURLToPath(new URL('./scanWorker.ts', import.meta.url))],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      write: false,
      logLevel: 'silent',
    });
    return result.outputFiles[0].text;
  })();
  bundled.catch(() => {
    bundled = null;
  });
  return bundled;
}
