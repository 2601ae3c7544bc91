// Real processes for the files-are-sacred tests (issue 12): the `rtcw` bin and small child scripts,
// each its own OS process with its own SQLite connection and file locks.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const rtcwBin = path.join(repoRoot, 'electron/cli/rtcw.mjs');

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `rtcw …` as a separate process and waits for it. */
export function rtcwSync(...argv: string[]): RunResult {
  const r = spawnSync(process.execPath, [rtcwBin, ...argv], { encoding: 'utf8', cwd: repoRoot });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Starts `rtcw …` without waiting. */
export function rtcwAsync(...argv: string[]): Promise<RunResult> {
  return collect(spawn(process.execPath, [rtcwBin, ...argv], { cwd: repoRoot }));
}

/** Runs a TypeScript child script of this folder (through tsx) without waiting. */
export function childScript(name: string, ...args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL(`./${name}`, import.meta.url)), ...args], { cwd: repoRoot });
}

export function collect(child: ChildProcess): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => (stdout += String(d)));
  child.stderr?.on('data', (d) => (stderr += String(d)));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Starts `rtcw …` and returns the process (to watch its output while it runs). */
export function rtcwProcess(...argv: string[]): ChildProcess {
  return spawn(process.execPath, [rtcwBin, ...argv], { cwd: repoRoot });
}

/** Resolves once the child printed `marker` on stdout (or stderr, e.g. "holding"). */
export function waitForOutput(child: ChildProcess, marker: string, stream: 'stdout' | 'stderr' = 'stdout'): Promise<void> {
  const source = stream === 'stdout' ? child.stdout : child.stderr;
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (d: Buffer) => {
      seen += String(d);
      if (seen.includes(marker)) {
        source?.off('data', onData);
        resolve();
      }
    };
    source?.on('data', onData);
    child.on('close', (code) => reject(new Error(`child exited (${code}) before printing "${marker}": ${seen}`)));
  });
}

export function sha256(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** Exactly one line on stderr (the CLI's bad-input contract), without a stack trace. */
export function isOneLine(stderr: string): boolean {
  return stderr.trim().split('\n').length === 1 && !/\n\s+at /.test(stderr) && !/internal error/.test(stderr);
}
