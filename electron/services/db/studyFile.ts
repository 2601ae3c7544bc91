// The study file: one SQLite database per study (better-sqlite3).
//
// Opening is two-phase so that a file we refuse is never written to: first a read-only
// connection checks the header, our application_id, the schema version and PRAGMA integrity_check;
// only then is the file opened read-write (WAL while open, foreign keys) and migrated. Pending migrations run
// in one transaction after a backup copy (db.backup) next to the file — the Signal-Desktop pattern.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ApiError } from '../../../shared/api/contract';
import { migrations as allMigrations, type Migration, type MigrationContext } from './migrations/index';

/** PRAGMA application_id of every study file: ASCII "RTCW". Lets us refuse other SQLite files. */
export const STUDY_APPLICATION_ID = 0x52544357;
const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

export interface StudyFile {
  readonly db: Database.Database;
  /** Absolute path. */
  readonly path: string;
  /** PRAGMA user_version after migrations. */
  readonly schemaVersion: number;
  /** Path of the backup written before migrating, if a migration ran. */
  readonly backupPath: string | null;
  /**
   * Older backup copies next to the file that a migration removing identifiers rewrote without
   * them (file names), and those it could not rewrite and deleted instead (issue 11 item 1).
   */
  readonly backupsRewritten: readonly string[];
  readonly backupsRemoved: readonly string[];
  close(): void;
}

export interface StudyFileOptions {
  /** Defaults to the app's migrations; tests pass their own. */
  migrations?: readonly Migration[];
  /** Where migrations put the study key (migration 6); default: defaultKeyStore(). */
  keyStore?: MigrationContext['keyStore'];
}

export function latestSchemaVersion(migrations: readonly Migration[] = allMigrations): number {
  return migrations.reduce((max, m) => Math.max(max, m.version), 0);
}

/**
 * Creates a new study file at `filePath` (must not exist) with the full schema.
 * Built under a temporary name and renamed, so a crash never leaves a half-made study.
 * `initialize` runs inside the creating transaction (e.g. to set the study title).
 */
export function createStudy(
  filePath: string,
  options: StudyFileOptions & { initialize?: (db: Database.Database) => void } = {},
): StudyFile {
  const target = path.resolve(filePath);
  const migrations = sortedMigrations(options.migrations ?? allMigrations);
  if (fs.existsSync(target)) throw new ApiError('ALREADY_EXISTS', `A file named ${path.basename(target)} already exists.`);
  const dir = path.dirname(target);
  if (!fs.existsSync(dir)) throw new ApiError('IO_ERROR', `The folder ${dir} does not exist.`);
  const partial = `${target}.partial-${process.pid}-${Date.now()}`;
  let db: Database.Database | null = null;
  try {
    db = new Database(partial);
    db.pragma('foreign_keys = ON');
    db.pragma(`application_id = ${STUDY_APPLICATION_ID}`);
    const conn = db;
    conn.transaction(() => {
      applyMigrations(conn, migrations, 0, { keyStore: options.keyStore });
      options.initialize?.(conn);
    })();
    db.close();
    db = null;
    if (fs.existsSync(target)) throw new ApiError('ALREADY_EXISTS', `A file named ${path.basename(target)} already exists.`);
    fs.renameSync(partial, target);
  } catch (error) {
    db?.close();
    fs.rmSync(partial, { force: true });
    throw asStudyError(error, target);
  }
  return wrap(openReadWrite(target), target, latestSchemaVersion(migrations), null, noBackups);
}

const noBackups = { rewritten: [] as string[], removed: [] as string[] };

/**
 * Opens an existing study, checking it first and migrating it if needed.
 * Errors (ApiError): NOT_FOUND, NOT_A_STUDY, STUDY_CORRUPT, STUDY_TOO_NEW, IO_ERROR.
 */
export async function openStudy(filePath: string, options: StudyFileOptions = {}): Promise<StudyFile> {
  const target = path.resolve(filePath);
  const migrations = sortedMigrations(options.migrations ?? allMigrations);
  const { userVersion } = inspectStudy(target, migrations);
  const latest = latestSchemaVersion(migrations);
  const db = openReadWrite(target);
  let backupPath: string | null = null;
  let backups = noBackups;
  const context: MigrationContext = { keyStore: options.keyStore };
  try {
    if (userVersion < latest) {
      backupPath = backupPathFor(target, userVersion);
      await db.backup(backupPath);
      db.transaction(() => applyMigrations(db, migrations, userVersion, context))();
      const scrubbedUpTo = migrations.filter((m) => m.removesIdentifiers && m.version > userVersion).reduce((v, m) => Math.max(v, m.version), 0);
      if (scrubbedUpTo > 0) {
        // The dropped identifiers still sit in freed pages and WAL frames: rebuild the file and
        // empty the WAL; then give the older backups (this one included) the same treatment.
        db.exec('VACUUM');
        db.pragma('wal_checkpoint(TRUNCATE)');
        backups = rewriteBackups(target, migrations, context, scrubbedUpTo);
      }
    }
  } catch (error) {
    db.close();
    throw asStudyError(error, target);
  }
  return wrap(db, target, latest, backupPath, backups);
}

/**
 * Read-only checks; never writes to the file. Returns the schema version found.
 * Exported for tests and for `rtcw` commands that only need to validate a file.
 */
export function inspectStudy(
  filePath: string,
  migrations: readonly Migration[] = allMigrations,
): { userVersion: number } {
  const target = path.resolve(filePath);
  const name = path.basename(target);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(target);
  } catch {
    throw new ApiError('NOT_FOUND', `The study file ${name} does not exist.`);
  }
  if (!stat.isFile()) throw new ApiError('NOT_A_STUDY', `${name} is not a file.`);
  const header = Buffer.alloc(SQLITE_HEADER.length);
  const fd = fs.openSync(target, 'r');
  let bytesRead: number;
  try {
    bytesRead = fs.readSync(fd, header, 0, header.length, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (bytesRead < header.length || !header.equals(SQLITE_HEADER)) {
    throw new ApiError('NOT_A_STUDY', `${name} is not a study file (it is not a SQLite database).`);
  }

  // A study left in WAL mode by a crash makes even a read-only connection create -wal/-shm side
  // files; remove the ones this inspection created so a refused file leaves no trace.
  const sideFiles = ['-wal', '-shm'].map((suffix) => target + suffix).filter((file) => !fs.existsSync(file));
  let db: Database.Database | null = null;
  try {
    db = new Database(target, { readonly: true, fileMustExist: true });
    const applicationId = db.pragma('application_id', { simple: true }) as number;
    if (applicationId !== STUDY_APPLICATION_ID) {
      throw new ApiError('NOT_A_STUDY', `${name} is a SQLite database but not an RT Cohort Workstation study.`);
    }
    const userVersion = db.pragma('user_version', { simple: true }) as number;
    const latest = latestSchemaVersion(migrations);
    if (userVersion > latest) {
      throw new ApiError(
        'STUDY_TOO_NEW',
        `${name} was written by a newer version of RT Cohort Workstation (schema ${userVersion}; this version knows up to ${latest}). Update the application to open it.`,
      );
    }
    const problems = (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check);
    if (problems.length !== 1 || problems[0] !== 'ok') {
      throw new ApiError(
        'STUDY_CORRUPT',
        // SQLite may pack many findings into one row: keep the message to the first three lines.
        `${name} is damaged (SQLite integrity check: ${problems.join('\n').split('\n').filter((l) => l.trim() !== '').slice(0, 3).join('; ')}). It was not modified; restore it from a backup.`,
      );
    }
    return { userVersion };
  } catch (error) {
    throw asStudyError(error, target);
  } finally {
    db?.close();
    for (const file of sideFiles) fs.rmSync(file, { force: true });
  }
}

function openReadWrite(target: string): Database.Database {
  try {
    const db = new Database(target, { fileMustExist: true });
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    // Deleted rows are overwritten with zeros, not left in free pages (identifiers removed by a
    // migration or an edit must not survive in the file).
    db.pragma('secure_delete = ON');
    return db;
  } catch (error) {
    throw asStudyError(error, target);
  }
}

function sortedMigrations(migrations: readonly Migration[]): Migration[] {
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  sorted.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`Migrations must be numbered 1, 2, 3…; found ${m.version} at position ${i + 1}.`);
  });
  return sorted;
}

/** Runs the migrations above `fromVersion`; the caller wraps this in a transaction. */
function applyMigrations(db: Database.Database, migrations: readonly Migration[], fromVersion: number, context: MigrationContext): void {
  for (const migration of migrations) {
    if (migration.version <= fromVersion) continue;
    migration.up(db, context);
    db.pragma(`user_version = ${migration.version}`);
  }
  const violations = db.pragma('foreign_key_check') as unknown[];
  if (violations.length > 0) {
    throw new ApiError('STUDY_CORRUPT', `Migration left ${violations.length} foreign-key violation(s); nothing was changed.`);
  }
}

function backupPathFor(target: string, fromVersion: number): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
  let candidate = `${target}.schema-v${fromVersion}.${stamp}.bak`;
  for (let n = 2; fs.existsSync(candidate); n++) candidate = `${target}.schema-v${fromVersion}.${stamp}-${n}.bak`;
  return candidate;
}

/**
 * Rewrites each `<study>.schema-v<N>.*.bak` next to `target` with N below `belowVersion` by running
 * the migrations on it (so it loses its identifiers like the study did, and keeps its data), then
 * VACUUM. A backup that cannot be rewritten (damaged, foreign, locked) is deleted — the caller lists
 * both in StudyFile so the user is told.
 */
function rewriteBackups(
  target: string,
  migrations: readonly Migration[],
  context: MigrationContext,
  belowVersion: number,
): { rewritten: string[]; removed: string[] } {
  const dir = path.dirname(target);
  const prefix = `${path.basename(target)}.schema-v`;
  const rewritten: string[] = [];
  const removed: string[] = [];
  for (const name of fs.readdirSync(dir).sort()) {
    if (!name.startsWith(prefix) || !name.endsWith('.bak')) continue;
    const version = Number.parseInt(name.slice(prefix.length), 10);
    if (!(version < belowVersion)) continue;
    const file = path.join(dir, name);
    let db: Database.Database | null = null;
    try {
      db = new Database(file, { fileMustExist: true });
      db.pragma('secure_delete = ON');
      db.pragma('foreign_keys = ON');
      if ((db.pragma('application_id', { simple: true }) as number) !== STUDY_APPLICATION_ID) throw new Error('not a study');
      const from = db.pragma('user_version', { simple: true }) as number;
      const conn = db;
      if (from < latestSchemaVersion(migrations)) conn.transaction(() => applyMigrations(conn, migrations, from, context))();
      db.exec('VACUUM');
      db.pragma('journal_mode = DELETE');
      db.close();
      db = null;
      rewritten.push(name);
    } catch {
      db?.close();
      for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(file + suffix, { force: true });
      removed.push(name);
    }
  }
  return { rewritten, removed };
}

function wrap(
  db: Database.Database,
  target: string,
  schemaVersion: number,
  backupPath: string | null,
  backups: { rewritten: string[]; removed: string[] },
): StudyFile {
  let closed = false;
  return {
    db,
    path: target,
    schemaVersion,
    backupPath,
    backupsRewritten: backups.rewritten,
    backupsRemoved: backups.removed,
    close() {
      if (closed) return;
      closed = true;
      // At rest a study is one self-contained file (rollback journal, no -wal/-shm): copying the
      // file copies the whole study, and a later read-only inspection creates no side files.
      // (It holds no direct identifier and no key — migration 0005 — but it is still a limited
      // data set with real clinical dates: share the de-identified copy, not this file.)
      try {
        db.pragma('wal_checkpoint(TRUNCATE)');
        db.pragma('journal_mode = DELETE');
      } catch {
        // Another connection still holds the file (e.g. a CLI run); it stays in WAL mode, which is fine.
      } finally {
        db.close();
      }
    },
  };
}

/** Maps SQLite/filesystem failures to the typed errors the UI and CLI show. */
function asStudyError(error: unknown, target: string): ApiError {
  if (error instanceof ApiError) return error;
  const name = path.basename(target);
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'SQLITE_NOTADB') {
    return new ApiError('NOT_A_STUDY', `${name} is not a study file (it is not a SQLite database).`, { cause: error });
  }
  if (typeof code === 'string' && code.startsWith('SQLITE_CORRUPT')) {
    return new ApiError('STUDY_CORRUPT', `${name} is damaged (${(error as Error).message}). It was not modified; restore it from a backup.`, {
      cause: error,
    });
  }
  if (typeof code === 'string' && (code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_IOERR') || code === 'SQLITE_FULL' || code === 'EACCES' || code === 'EPERM' || code === 'ENOSPC' || code === 'EROFS')) {
    return new ApiError('IO_ERROR', `Cannot use ${name}: ${(error as Error).message}`, { cause: error });
  }
  if (error instanceof Error) return new ApiError('INTERNAL', `Opening ${name} failed: ${error.message}`, { cause: error });
  return new ApiError('INTERNAL', `Opening ${name} failed: ${String(error)}`);
}
