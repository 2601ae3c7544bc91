// One writer per study (issue 12): the app and every writing `rtcw` command take this lock before
// opening a study read-write; a second writer is refused with who holds it.
//
// The lock is a tiny SQLite database next to the study (`X.rtcw.lock`) holding one row: which
// program (app | rtcw), pid, host and since when. Its holder keeps a write transaction (RESERVED
// lock) open on it for as long as the study is open. SQLite's file locks are released by the OS
// when a process dies, so a SIGKILLed import never leaves a lock behind that someone has to
// delete, and other programs can still READ the row while it is held (RESERVED admits readers).
// SQLite also serialises connections of one process on the same file, so two sessions in one
// process exclude each other too.
//
// The row must be committed (so others can read it) before the lock is held, which leaves a moment
// between COMMIT and BEGIN IMMEDIATE. A holder therefore checks, after winning, that the row read
// through a fresh connection on the path is its own (else it lets go and retries), and a loser that
// reads its own row retries instead of reporting — so the name in the refusal is always the holder.
// Release unlinks the path before letting go, so a waiter on the unlinked file re-checks the path
// (SQLite howtocorrupt.html §2.4: never unlink a database another connection still uses).
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ApiError } from '../../../shared/api/contract';

export type LockProgram = 'app' | 'rtcw';

export interface LockOwner {
  program: LockProgram;
  pid: number;
  host: string;
  since: string;
}

export interface StudyLock {
  readonly path: string;
  readonly owner: LockOwner;
  release(): void;
}

export interface AcquireOptions {
  program: LockProgram;
  /**
   * Keep trying this long while another `rtcw` command holds it (a short job; 0 = refuse at once).
   * A study open in the app is refused at once: waiting for a person to close it makes no sense.
   */
  waitMs?: number;
  /** Called about once a second while waiting (CLI progress line). */
  onWait?: (holder: LockOwner | null, waitedMs: number) => void;
}

export function lockPathFor(studyPath: string): string {
  return `${studyPath}.lock`;
}

/** A one-line description of a holder, as shown to the user. */
export function describeHolder(holder: LockOwner | null): string {
  if (!holder) return 'another program';
  return `${holder.program === 'app' ? 'RT Cohort Workstation' : 'rtcw'} (pid ${holder.pid} on ${holder.host})`;
}

export function acquireStudyLock(studyPath: string, options: AcquireOptions): StudyLock {
  const lockPath = lockPathFor(studyPath);
  const nonce = crypto.randomBytes(8).toString('hex');
  const owner: LockOwner = { program: options.program, pid: process.pid, host: os.hostname(), since: new Date().toISOString() };
  const started = Date.now();
  let lastReport = 0;
  for (let attempt = 0; ; attempt++) {
    const outcome = tryAcquire(lockPath, owner, nonce);
    if (outcome.kind === 'held') return outcome.lock;
    const waited = Date.now() - started;
    const holder = outcome.kind === 'busy' ? outcome.holder : null;
    // `retry`: a race with another starter that settles within milliseconds.
    if (outcome.kind === 'busy' && (waited >= (options.waitMs ?? 0) || holder?.program !== 'rtcw')) {
      throw new ApiError(
        'STUDY_LOCKED',
        `${path.basename(studyPath)} is open in ${describeHolder(holder)}; close it there first, or open it read-only.`,
      );
    }
    if (outcome.kind === 'busy' && options.onWait && waited - lastReport >= 1000) {
      lastReport = waited;
      options.onWait(holder, waited);
    }
    if (outcome.kind === 'retry' && attempt > 200) {
      throw new ApiError('STUDY_LOCKED', `${path.basename(studyPath)}: could not take the writer lock ${path.basename(lockPath)}; try again.`);
    }
    sleep(outcome.kind === 'retry' ? 5 + Math.random() * 20 : 100);
  }
}

type Outcome = { kind: 'held'; lock: StudyLock } | { kind: 'busy'; holder: LockOwner | null } | { kind: 'retry' };

function tryAcquire(lockPath: string, owner: LockOwner, nonce: string): Outcome {
  let db: Database.Database;
  try {
    db = new Database(lockPath, { timeout: 0 });
    // No fsync: the row only says who holds the lock, to processes reading it through the same OS
    // cache, and the lock itself (SQLite's file lock) dies with its process anyway. An fsync here
    // waits behind the disk's write-back — 44 ms measured while a 210 MB study was being written,
    // on the service host's thread (test/bench/serviceHost.bench.ts, scenario `open`).
    db.pragma('synchronous = OFF');
  } catch (error) {
    throw new ApiError('IO_ERROR', `Cannot create the lock file ${path.basename(lockPath)}: ${(error as Error).message}`, { cause: error });
  }
  let keep = false;
  try {
    if (!tryBegin(db)) return busyOrRetry(db, nonce);
    db.exec('CREATE TABLE IF NOT EXISTS holder (id INTEGER PRIMARY KEY CHECK (id = 1), json TEXT NOT NULL, nonce TEXT NOT NULL)');
    db.prepare('INSERT OR REPLACE INTO holder (id, json, nonce) VALUES (1, ?, ?)').run(JSON.stringify(owner), nonce);
    db.exec('COMMIT');
    if (!tryBegin(db)) return busyOrRetry(db, nonce);
    // Won: make sure the row on the PATH (not an unlinked file) is ours.
    if (readOwnerAt(lockPath)?.nonce !== nonce) {
      db.exec('ROLLBACK');
      return { kind: 'retry' };
    }
    keep = true;
    let released = false;
    return {
      kind: 'held',
      lock: {
        path: lockPath,
        owner,
        release() {
          if (released) return;
          released = true;
          fs.rmSync(lockPath, { force: true });
          try {
            db.exec('ROLLBACK');
          } finally {
            db.close();
          }
        },
      },
    };
  } catch (error) {
    if (isBusy(error)) return busyOrRetry(db, nonce);
    throw new ApiError('IO_ERROR', `Cannot use the lock file ${path.basename(lockPath)}: ${(error as Error).message}`, { cause: error });
  } finally {
    if (!keep) {
      if (db.inTransaction) db.exec('ROLLBACK');
      db.close();
    }
  }
}

function tryBegin(db: Database.Database): boolean {
  try {
    db.exec('BEGIN IMMEDIATE');
    return true;
  } catch (error) {
    if (isBusy(error)) return false;
    throw error;
  }
}

function busyOrRetry(db: Database.Database, nonce: string): Outcome {
  if (db.inTransaction) db.exec('ROLLBACK');
  db.pragma('busy_timeout = 2000');
  const row = readOwner(db);
  // Our own row means a racing starter won after we committed: it will re-check and settle.
  if (!row || row.nonce === nonce) return { kind: 'retry' };
  return { kind: 'busy', holder: row.owner };
}

function readOwnerAt(lockPath: string): { owner: LockOwner; nonce: string } | null {
  let db: Database.Database | null = null;
  try {
    db = new Database(lockPath, { readonly: true, fileMustExist: true, timeout: 2000 });
    return readOwner(db);
  } catch {
    return null;
  } finally {
    db?.close();
  }
}

function readOwner(db: Database.Database): { owner: LockOwner; nonce: string } | null {
  try {
    const row = db.prepare('SELECT json, nonce FROM holder WHERE id = 1').get() as { json: string; nonce: string } | undefined;
    return row ? { owner: JSON.parse(row.json) as LockOwner, nonce: row.nonce } : null;
  } catch {
    return null;
  }
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));
/** Synchronous wait: the lock is taken in synchronous open paths (better-sqlite3 is synchronous). */
function sleep(ms: number): void {
  Atomics.wait(sleepCell, 0, 0, ms);
}
