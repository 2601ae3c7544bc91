// No environment variable names code to load (issue 15): the packaged app's fuses disable
// ELECTRON_RUN_AS_NODE, NODE_OPTIONS and --inspect; a variable that points a worker at any file
// would reopen that hole. Workers' files are set by functions tests call (setWorkerFile,
// setScanWorkerFile, setServiceHostFile). Only data locations and ports may come from the environment.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/** Each variable read under electron/, and why it is not code. */
const ALLOWED: Record<string, string> = {
  RTCW_USER_DATA: 'web mode and CLI: folder for the recent list, demo study and study keys (electron/harness/serve.ts, identity/studyKey.ts)',
  APPDATA: 'CLI on Windows: the per-user data folder for study keys (electron/services/identity/studyKey.ts)',
  XDG_CONFIG_HOME: 'CLI on Linux: the per-user data folder for study keys (electron/services/identity/studyKey.ts)',
  PORT: 'web mode: the loopback port (electron/harness/serve.ts)',
  RTCW_ELECTRON_OUTDIR: 'build script output folder (electron/build.mjs), never read by the app',
};

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.(ts|mjs|cjs|js)$/.test(entry.name) ? [full] : [];
  });
}

function environmentReads(text: string): string[] {
  const names = [...text.matchAll(/process\.env(?:\.([A-Za-z_][A-Za-z0-9_]*)|\[\s*['"]([^'"]+)['"]\s*\])/g)].map((m) => m[1] ?? m[2]);
  // A computed name (process.env[x]) or the whole object handed on could read anything.
  const dynamic = [...text.matchAll(/process\.env(?!\.|\[\s*['"])/g)].length;
  return dynamic > 0 ? [...names, '<dynamic>'] : names;
}

describe('environment variables', () => {
  it('the app reads only data locations from the environment, never a file of code', () => {
    const reads = new Map<string, string[]>();
    for (const file of sourceFiles(path.resolve('electron'))) {
      for (const name of environmentReads(fs.readFileSync(file, 'utf8'))) reads.set(name, [...(reads.get(name) ?? []), path.relative(process.cwd(), file)]);
    }
    expect([...reads.keys()].filter((name) => !(name in ALLOWED))).toEqual([]);
    expect(reads.has('RTCW_DICOM_WORKER')).toBe(false);
  });

  it('the check sees a variable that would name a worker file', () => {
    expect(environmentReads("let file = process.env.RTCW_DICOM_WORKER ?? null;")).toEqual(['RTCW_DICOM_WORKER']);
    expect(environmentReads("const f = process.env['RTCW_X'];")).toEqual(['RTCW_X']);
    expect(environmentReads('spawn(x, { env: process.env })')).toContain('<dynamic>');
  });
});
