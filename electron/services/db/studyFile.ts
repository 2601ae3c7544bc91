// The study file: one SQLite database per study (better-sqlite3).
//
// Opening is two-phase so that a file we refuse is never written to: first a read-only
// connection checks the header, our application_id and the schema version; then, under the writer
// lock, PRAGMA integrity_check, and only then is the file opened read-write (WAL while open, foreign
// keys) and migrated (prepareStudy: the service host runs it in a worker thread, ./studyFileJob.ts).
// Pending migrations run in one transaction after a backup copy (db.backup) next to the file — the
// Signal-Desktop pattern.
//
// Files are sacred (issue 12; SQLite's howtocorrupt.html): a writer holds the study's lock
// (./studyLock.ts) for as long as it is open, so two programs never write one study; every write
// transaction begins IMMEDIATE so the busy timeout applies instead of a late "database is locked"
// (the service host waits for the lock asynchronously instead: writeOrBusy, used by StudySession.write
// in electron/services/api/studySession.ts); reading commands open read-only and never migrate or
// write; a study on a network file system uses a rollback journal (WAL needs shared memory, which
// network file systems cannot share); closing
// folds the WAL back into the file and says so when it cannot; and -wal/-shm files that do not
// belong to the study are never replayed into it.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ApiError } from '../../../shared/api/contract';
import { migrations as allMigrations, type Migration, type MigrationContext } from './migrations/index';
import { recordAuditEvent } from './auditEvents';
import { acquireStudyLock, type LockProgram, type StudyLock } from './studyLock';

/** PRAGMA application_id of every study file: ASCII "RTCW". Lets us refuse other SQLite files. */
export const STUDY_APPLICATION_ID = 0x52544357;
const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');
/**
 * How long a study connection waits for another connection's write lock before SQLITE_BUSY. The
 * service host never waits this way on its own thread: its writes begin with beginWriteOrBusy and
 * wait asynchronously (electron/services/api/studySession.ts, StudySession.write).
 */
export const STUDY_BUSY_TIMEOUT_MS = 5000;

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
  /** True when opened with openStudyReadOnly: nothing can be written. */
  readonly readOnly: boolean;
  /** 'wal' on local disks; 'delete' (rollback journal) on network file systems. */
  readonly journalMode: 'wal' | 'delete';
  /**
   * Folds the WAL back into the file (one self-contained file at rest) and releases the lock.
   * Throws ApiError IO_ERROR when the WAL could not be folded in (disk full, I/O error): the
   * changes are safe in the -wal file, which must then stay beside the study.
   */
  close(): void;
}

export interface StudyFileOptions {
  /** Defaults to the app's migrations; tests pass their own. */
  migrations?: readonly Migration[];
  /** Who takes the writer lock: the desktop app/web mode ('app') or a command ('rtcw', default). */
  program?: LockProgram;
  /** Wait this long for another writer to finish (a short CLI job) before refusing. Default 0. */
  lockWaitMs?: number;
  onLockWait?: Parameters<typeof acquireStudyLock>[1]['onWait'];
  /** Tests: classify the study's folder as a network file system (else detected by statfs). */
  fileSystem?: 'local' | 'network';
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
  const lock = takeLock(target, options);
  const partial = `${target}.partial-${process.pid}-${Date.now()}`;
  let db: Database.Database | null = null;
  try {
    // Side files of an earlier study of the same name would be replayed into the new one.
    clearStaleSideFiles(target, { exists: false });
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
    lock.release();
    throw asStudyError(error, target);
  }
  try {
    const journalMode = journalModeFor(target, options);
    return wrap(openReadWrite(target, journalMode), target, latestSchemaVersion(migrations), null, noBackups, { lock, journalMode });
  } catch (error) {
    lock.release();
    throw error;
  }
}

const noBackups = { rewritten: [] as string[], removed: [] as string[] };

/**
 * The slow part of opening a study for writing, done under the writer lock on a connection of its
 * own that is closed before it returns: PRAGMA integrity_check, and when the schema is older, the
 * backup copy, the migrations (one transaction), VACUUM and the rewrite of older backups. Seconds
 * on a large study, so the service host runs it in a worker thread (./studyFileJob.ts); the
 * CLI and tests call it in-thread. Errors are the typed ones of openStudy.
 */
export interface StudyPreparation {
  /** The open study's file (absolute; the caller holds its writer lock). */
  path: string;
  /** The journal mode the study will be used in; null: only check it (a read-only open). */
  journalMode: 'wal' | 'delete' | null;
  migrations: readonly Migration[];
  keyStore?: MigrationContext['keyStore'];
  onProgress?: (pct: number, message: string) => void;
}

export interface PreparedStudy {
  /** PRAGMA user_version after migrations. */
  schemaVersion: number;
  backupPath: string | null;
  backupsRewritten: string[];
  backupsRemoved: string[];
}

/**
 * Runs the preparation elsewhere (the service host: a worker thread, ./studyFileJob.ts), with
 * the app's migrations and a key store of its own.
 */
export type StudyPreparer = (preparation: Pick<StudyPreparation, 'path' | 'journalMode' | 'onProgress'>) => Promise<PreparedStudy>;

export async function prepareStudy(preparation: StudyPreparation): Promise<PreparedStudy> {
  const { path: target, journalMode, migrations } = preparation;
  const progress = preparation.onProgress ?? (() => {});
  let db: Database.Database | null = null;
  try {
    progress(0, 'Checking the study file');
    // Inspected under the lock: the previous writer may have changed it since the first look.
    const { userVersion } = inspectStudy(target, migrations);
    const latest = latestSchemaVersion(migrations);
    if (userVersion >= latest || journalMode === null) return { schemaVersion: userVersion, backupPath: null, backupsRewritten: [], backupsRemoved: [] };
    const context: MigrationContext = { keyStore: preparation.keyStore };
    db = openReadWrite(target, journalMode);
    const backupPath = backupPathFor(target, userVersion);
    progress(40, 'Backing up the study before upgrading it');
    await db.backup(backupPath);
    progress(70, 'Upgrading the study');
    const conn = db;
    conn.transaction(() => {
      applyMigrations(conn, migrations, userVersion, context);
      recordAuditEvent(conn, 'migrate', 'schema', { from: userVersion, to: latest, backup: path.basename(backupPath) });
    })();
    let backups = noBackups;
    const scrubbedUpTo = migrations.filter((m) => m.removesIdentifiers && m.version > userVersion).reduce((v, m) => Math.max(v, m.version), 0);
    if (scrubbedUpTo > 0) {
      // The dropped identifiers still sit in freed pages and WAL frames: rebuild the file and
      // empty the WAL; then give the older backups (this one included) the same treatment.
      db.exec('VACUUM');
      if (journalMode === 'wal') db.pragma('wal_checkpoint(TRUNCATE)');
      backups = rewriteBackups(target, migrations, context, scrubbedUpTo);
    }
    return { schemaVersion: latest, backupPath, backupsRewritten: backups.rewritten, backupsRemoved: backups.removed };
  } catch (error) {
    throw asStudyError(error, target);
  } finally {
    db?.close();
  }
}

/**
 * Opens an existing study, checking it first and migrating it if needed (`prepare`: where the
 * integrity check, backup and migrations run; default this thread).
 * Errors (ApiError): NOT_FOUND, NOT_A_STUDY, STUDY_CORRUPT, STUDY_TOO_NEW, IO_ERROR.
 */
export async function openStudy(
  filePath: string,
  options: StudyFileOptions & { prepare?: StudyPreparer; onProgress?: StudyPreparation['onProgress'] } = {},
): Promise<StudyFile> {
  const target = path.resolve(filePath);
  const migrations = sortedMigrations(options.migrations ?? allMigrations);
  // A first look before taking the lock (nothing is written to a file we refuse); the integrity
  // check, the slow part, runs once, under the lock (prepareStudy).
  inspectStudy(target, migrations, { integrity: false });
  const lock = takeLock(target, options);
  let db: Database.Database | null = null;
  try {
    clearStaleSideFiles(target, { exists: true });
    const journalMode = journalModeFor(target, options);
    const prepared = options.prepare
      ? await options.prepare({ path: target, journalMode, onProgress: options.onProgress })
      : await prepareStudy({ path: target, journalMode, migrations, keyStore: options.keyStore, onProgress: options.onProgress });
    db = openReadWrite(target, journalMode);
    const backups = { rewritten: prepared.backupsRewritten, removed: prepared.backupsRemoved };
    return wrap(db, target, prepared.schemaVersion, prepared.backupPath, backups, { lock, journalMode });
  } catch (error) {
    db?.close();
    lock.release();
    throw asStudyError(error, target);
  }
}

/** PASSIVE copies what no reader still needs; TRUNCATE waits for readers and empties the WAL. */
export type CheckpointMode = 'PASSIVE' | 'TRUNCATE';

/**
 * Folds a study's WAL into the file from a connection of its own (the service host: in a worker,
 * ./studyFileJob.ts), so the connection that stays open finds little or nothing left to copy.
 * A study in rollback-journal mode has no WAL: nothing to do. Failures are left to the connection
 * that closes the study (foldWal), which reports them.
 */
export function checkpointStudy(target: string, mode: CheckpointMode): void {
  if (readJournalModeByte(target) !== 2) return;
  const db = new Database(target, { fileMustExist: true });
  try {
    db.pragma(`busy_timeout = ${STUDY_BUSY_TIMEOUT_MS}`);
    db.pragma(`wal_checkpoint(${mode})`);
  } catch {
    // foldWal (at close) or the next checkpoint tries again and says why.
  } finally {
    db.close();
  }
}

/**
 * Opens a study for reading only (`rtcw dataset`, `rtcw report`, a study another program is
 * writing, a study on read-only media): no lock, no migration, no byte of the file changes.
 * A study that needs a schema upgrade is refused (upgrading is a write).
 */
export function openStudyReadOnly(filePath: string, options: StudyFileOptions = {}): StudyFile {
  const target = path.resolve(filePath);
  const migrations = sortedMigrations(options.migrations ?? allMigrations);
  return readOnlyStudy(target, migrations, inspectStudy(target, migrations).userVersion);
}

/**
 * openStudyReadOnly with the integrity check run by `prepare` (the service host: in a worker
 * thread, ./studyFileJob.ts), after the same cheap first look as openStudy.
 */
export async function openStudyReadOnlyChecked(filePath: string, options: StudyFileOptions & { prepare: StudyPreparer }): Promise<StudyFile> {
  const target = path.resolve(filePath);
  const migrations = sortedMigrations(options.migrations ?? allMigrations);
  inspectStudy(target, migrations, { integrity: false });
  const checked = await options.prepare({ path: target, journalMode: null });
  return readOnlyStudy(target, migrations, checked.schemaVersion);
}

function readOnlyStudy(target: string, migrations: readonly Migration[], userVersion: number): StudyFile {
  const latest = latestSchemaVersion(migrations);
  if (userVersion < latest) {
    throw new ApiError(
      'READ_ONLY',
      `${path.basename(target)} uses an older file format (schema ${userVersion}; this version uses ${latest}) and must be upgraded before it can be read; open it once for writing (e.g. in the app) to upgrade it.`,
    );
  }
  let db: Database.Database;
  try {
    db = new Database(target, { readonly: true, fileMustExist: true });
    db.pragma(`busy_timeout = ${STUDY_BUSY_TIMEOUT_MS}`);
    db.pragma('foreign_keys = ON');
  } catch (error) {
    throw asStudyError(error, target);
  }
  const mode = readJournalModeByte(target) === 2 ? 'wal' : 'delete';
  let closed = false;
  return {
    db,
    path: target,
    schemaVersion: userVersion,
    backupPath: null,
    backupsRewritten: [],
    backupsRemoved: [],
    readOnly: true,
    journalMode: mode,
    close() {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
}

/**
 * Read-only checks; never writes to the file. Returns the schema version found.
 * Exported for tests and for `rtcw` commands that only need to validate a file.
 */
export function inspectStudy(
  filePath: string,
  migrations: readonly Migration[] = allMigrations,
  options: { integrity?: boolean } = {},
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

  // SQLite opens ANY non-empty -wal beside a file in WAL mode, even a read-only connection and even
  // when the header says rollback mode — so a foreign one is refused before SQLite sees it.
  refuseForeignWal(target);

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
    if (options.integrity === false) return { userVersion };
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

function openReadWrite(target: string, journalMode: 'wal' | 'delete'): Database.Database {
  try {
    const db = new Database(target, { fileMustExist: true });
    db.pragma(`journal_mode = ${journalMode === 'wal' ? 'WAL' : 'DELETE'}`);
    return withWriteSettings(db);
  } catch (error) {
    throw asStudyError(error, target);
  }
}

/**
 * A worker thread's own connection to the open study (a spreadsheet import, a DICOM commit): the
 * host connection's write settings; the journal mode is the file's own (the host set it).
 */
export function openWorkerWriter(target: string): Database.Database {
  return withWriteSettings(new Database(target, { fileMustExist: true }));
}

/** The settings of every connection that writes a study. */
function withWriteSettings(db: Database.Database): Database.Database {
  db.pragma(`busy_timeout = ${STUDY_BUSY_TIMEOUT_MS}`);
  db.pragma('foreign_keys = ON');
  // FULL: a commit survives a power cut too (WAL's default NORMAL may lose the last ones).
  db.pragma('synchronous = FULL');
  beginWritesImmediately(db);
  // Deleted rows are overwritten with zeros, not left in free pages (identifiers removed by a
  // migration or an edit must not survive in the file).
  db.pragma('secure_delete = ON');
  return db;
}

/**
 * Every `db.transaction(fn)` on a study connection begins IMMEDIATE: a deferred transaction that
 * reads first and then writes cannot wait for the write lock (SQLITE_BUSY at once, the busy timeout
 * never applies — issue 12). better-sqlite3 nests inner calls as savepoints either way.
 */
export function beginWritesImmediately(db: Database.Database): void {
  const deferred = db.transaction.bind(db);
  const immediate = ((fn: (...args: never[]) => unknown) => {
    const tx = deferred(fn);
    return Object.assign((...args: never[]) => tx.immediate(...args), {
      default: tx.immediate,
      deferred: tx.deferred,
      immediate: tx.immediate,
      exclusive: tx.exclusive,
    });
  }) as unknown as Database.Database['transaction'];
  db.transaction = immediate;
}

/**
 * Runs `change` as one transaction begun IMMEDIATE, without waiting for the write lock: returns
 * `busy` (SQLite's error) at once, nothing run, when another connection holds it, so the caller can wait
 * asynchronously and try again. Once the lock is ours the usual busy timeout is back (a commit in
 * rollback-journal mode still waits for readers to finish). Inner `db.transaction` calls nest as
 * savepoints, so `change` may use the ordinary writers of ./cohortRecords.ts etc.
 */
export function writeOrBusy<T>(db: Database.Database, change: (db: Database.Database) => T): { value: T } | { busy: unknown } {
  db.pragma('busy_timeout = 0');
  try {
    db.exec('BEGIN IMMEDIATE');
  } catch (error) {
    if (isBusy(error)) return { busy: error };
    throw error;
  } finally {
    db.pragma(`busy_timeout = ${STUDY_BUSY_TIMEOUT_MS}`);
  }
  try {
    const value = change(db);
    // An async change would commit before its work: the transaction must be one synchronous call.
    if (value instanceof Promise) throw new Error('A study write must be synchronous.');
    db.exec('COMMIT');
    return { value };
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw error;
  }
}

/** SQLITE_BUSY and its extended codes: another connection holds the lock. */
export function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

function takeLock(target: string, options: StudyFileOptions): StudyLock {
  try {
    return acquireStudyLock(target, { program: options.program ?? 'rtcw', waitMs: options.lockWaitMs, onWait: options.onLockWait });
  } catch (error) {
    if (error instanceof ApiError && error.code === 'IO_ERROR' && isReadOnlyLocation(target)) {
      throw new ApiError('READ_ONLY', `${path.basename(target)} is on a read-only disk or folder: it can only be opened read-only.`, { cause: error });
    }
    throw error;
  }
}

function isReadOnlyLocation(target: string): boolean {
  try {
    fs.accessSync(path.dirname(target), fs.constants.W_OK);
  } catch {
    return true;
  }
  // root passes access(); a read-only mount still refuses a new file.
  const probe = path.join(path.dirname(target), `.rtcw-probe-${process.pid}-${Date.now()}`);
  try {
    fs.writeFileSync(probe, '');
    fs.rmSync(probe);
    return false;
  } catch (error) {
    return ['EROFS', 'EACCES', 'EPERM'].includes((error as NodeJS.ErrnoException).code ?? '');
  }
}

/** Byte 18 of the SQLite header ("file format write version"): 2 = WAL mode, 1 = rollback journal. */
function readJournalModeByte(target: string): number {
  const fd = fs.openSync(target, 'r');
  try {
    const byte = Buffer.alloc(1);
    return fs.readSync(fd, byte, 0, 1, 18) === 1 ? byte[0] : 0;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Side files that do not belong to the study (howtocorrupt.html §1.4, §2.4): a -wal beside a file
 * in rollback mode, or beside a study that does not exist yet, would be replayed into it. They are
 * refused when they may hold someone's data and removed when empty; a -shm without a -wal holds
 * nothing (it is an index of the WAL) and is removed. A hot -journal is never touched: SQLite needs
 * it to roll back an interrupted write. Called with the writer lock held.
 */
function clearStaleSideFiles(target: string, state: { exists: boolean }): void {
  const name = path.basename(target);
  const wal = `${target}-wal`;
  const shm = `${target}-shm`;
  const journal = `${target}-journal`;
  const walBelongs = state.exists && readJournalModeByte(target) === 2;
  if (state.exists) refuseForeignWal(target);
  else if (sizeOf(wal) > 0) {
    throw new ApiError(
      'CONFLICT',
      `${name}-wal is left over from an earlier study with this name and would damage ${name}; move it to another folder, or choose another name.`,
    );
  }
  if (!state.exists && sizeOf(journal) > 0) {
    throw new ApiError('CONFLICT', `${name}-journal is left over from an earlier study with this name; move it to another folder, or choose another name.`);
  }
  if (!walBelongs && sizeOf(wal) === 0) fs.rmSync(wal, { force: true });
  if (!state.exists && sizeOf(journal) === 0) fs.rmSync(journal, { force: true });
  if (sizeOf(wal) < 0 && sizeOf(shm) >= 0) fs.rmSync(shm, { force: true });
}

function sizeOf(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return -1;
  }
}

/** A non-empty -wal beside a study whose header says rollback mode belongs to another copy. */
function refuseForeignWal(target: string): void {
  if (sizeOf(`${target}-wal`) <= 0 || readJournalModeByte(target) === 2) return;
  const name = path.basename(target);
  throw new ApiError(
    'CONFLICT',
    `${name}-wal is left over from another copy of this study and would damage ${name} (which was closed cleanly and does not need it); move it to another folder and try again.`,
  );
}

// statfs f_type of network file systems (linux/magic.h): NFS, SMB, CIFS, SMB2, AFS, Coda, NCP,
// 9p, Ceph, GlusterFS/sshfs (FUSE is treated as network: most FUSE study locations are remote).
const NETWORK_FS_TYPES = new Set([0x6969, 0x517b, 0xff534d42, 0xfe534d42, 0x5346414f, 0x73757245, 0x564c, 0x01021997, 0x00c36400, 0x65735546]);

/** Whether `dir` is on a network file system, from statfs (Linux) or a UNC path (Windows). */
export function isNetworkFileSystem(dir: string): boolean {
  if (process.platform === 'win32') return /^(\\\\|\/\/)/.test(dir);
  try {
    return NETWORK_FS_TYPES.has(Number(fs.statfsSync(dir).type));
  } catch {
    return false;
  }
}

function journalModeFor(target: string, options: StudyFileOptions): 'wal' | 'delete' {
  const network = options.fileSystem ? options.fileSystem === 'network' : isNetworkFileSystem(path.dirname(target));
  return network ? 'delete' : 'wal';
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
  held: { lock: StudyLock; journalMode: 'wal' | 'delete' },
): StudyFile {
  let closed = false;
  return {
    db,
    path: target,
    schemaVersion,
    backupPath,
    backupsRewritten: backups.rewritten,
    backupsRemoved: backups.removed,
    readOnly: false,
    journalMode: held.journalMode,
    close() {
      if (closed) return;
      closed = true;
      // (At rest the study holds no direct identifier and no key — migration 0006 — but it is still
      // a limited data set with real clinical dates: share the de-identified copy, not this file.)
      let failure: ApiError | null = null;
      try {
        if (held.journalMode === 'wal') failure = foldWal(db, target);
      } finally {
        db.close();
        held.lock.release();
      }
      if (failure) throw failure;
    },
  };
}

/**
 * At rest a study is one self-contained file (rollback journal, no -wal/-shm): it can be copied or
 * mailed as is, and a later read-only inspection creates no side files. When the checkpoint cannot
 * finish (disk full, a reader holding the WAL) the changes stay safely in the -wal — the user must
 * hear it, since copying the .rtcw alone would then lose them.
 */
function foldWal(db: Database.Database, target: string): ApiError | null {
  const name = path.basename(target);
  const keepBoth = `its latest changes are safe in ${name}-wal, which must stay beside it (do not copy or move ${name} alone); they are folded in the next time the study is opened`;
  try {
    const [result] = db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number; log: number; checkpointed: number }[];
    if (result && result.busy !== 0) {
      // Readers take no lock (they may read while we write), so they cannot be named here.
      return new ApiError('IO_ERROR', `${name} could not be finalised because another program is still reading it: ${keepBoth}.`);
    }
  } catch (error) {
    const reason = describeStorageFailure(error) ?? (error as Error).message;
    return new ApiError('IO_ERROR', `${name} could not be finalised (${reason}): ${keepBoth}.`, { cause: error });
  }
  // Everything is in the main file now (TRUNCATE emptied the WAL). Leaving WAL mode needs every
  // other connection gone; a reader still open (the app read-only, `rtcw dataset`) keeps the file in
  // WAL mode with an empty -wal — still self-contained, so that is not a failure.
  try {
    db.pragma('busy_timeout = 0');
    db.pragma('journal_mode = DELETE');
    return null;
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return null;
    const reason = describeStorageFailure(error) ?? (error as Error).message;
    return new ApiError('IO_ERROR', `${name} could not be finalised (${reason}): ${keepBoth}.`, { cause: error });
  }
}

const DISK_FULL_CODES = new Set(['SQLITE_FULL', 'ENOSPC', 'EDQUOT', 'SQLITE_IOERR_WRITE', 'SQLITE_IOERR_FSYNC', 'SQLITE_IOERR_TRUNCATE']);

/**
 * A one-line reason for a storage failure (disk full, read-only medium, I/O error), or null when
 * `error` is not one. Used by the CLI and the API so such failures are a message, never a trace.
 */
export function describeStorageFailure(error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return null;
  if (DISK_FULL_CODES.has(code)) return 'the disk is full';
  if (code === 'EROFS' || code.startsWith('SQLITE_READONLY')) return 'the disk or file is read-only';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code.startsWith('SQLITE_IOERR') || code === 'EIO') return `an input/output error (${code})`;
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') return 'another program is writing the study';
  return null;
}

/** Maps SQLite/filesystem failures to the typed errors the UI and CLI show. */
export function asStudyError(error: unknown, target: string): ApiError {
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
  const storage = describeStorageFailure(error);
  if (storage) return new ApiError('IO_ERROR', `Cannot use ${name}: ${storage}; nothing was changed.`, { cause: error });
  if (typeof code === 'string' && code.startsWith('SQLITE_CANTOPEN')) {
    return new ApiError('IO_ERROR', `Cannot use ${name}: ${(error as Error).message}`, { cause: error });
  }
  if (error instanceof Error) return new ApiError('INTERNAL', `Opening ${name} failed: ${error.message}`, { cause: error });
  return new ApiError('INTERNAL', `Opening ${name} failed: ${String(error)}`);
}
