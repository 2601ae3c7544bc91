// A small tmpfs for the disk-full and read-only tests (issue 12). Mounting needs root (or
// CAP_SYS_ADMIN); where it is impossible the tests that need it are skipped with the reason.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Tmpfs {
  dir: string;
  remountReadOnly(): void;
  remountWritable(): void;
  unmount(): void;
}

/** Mounts a tmpfs of `size` (e.g. "2m"); returns the reason instead when this machine cannot. */
export function mountTmpfs(size: string): Tmpfs | string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtcw-tmpfs-'));
  const run = (...args: string[]) => spawnSync(args[0], args.slice(1), { encoding: 'utf8' });
  const mounted = run('mount', '-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir);
  if (mounted.status !== 0) {
    fs.rmSync(dir, { recursive: true, force: true });
    return `cannot mount a tmpfs here (${(mounted.stderr || mounted.error?.message || `exit ${mounted.status}`).trim()})`;
  }
  const must = (...args: string[]) => {
    const r = run(...args);
    if (r.status !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
  };
  return {
    dir,
    remountReadOnly: () => must('mount', '-o', 'remount,ro', dir),
    remountWritable: () => must('mount', '-o', 'remount,rw', dir),
    unmount: () => {
      must('umount', dir);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Fills the file system holding `dir` until a write fails with ENOSPC; returns the filler's path. */
export function fillDisk(dir: string): string {
  const filler = path.join(dir, 'filler.bin');
  const fd = fs.openSync(filler, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) fs.writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
    // top up the last partial chunk
    try {
      for (;;) fs.writeSync(fd, chunk, 0, 512);
    } catch {
      // full
    }
  } finally {
    fs.closeSync(fd);
  }
  return filler;
}
