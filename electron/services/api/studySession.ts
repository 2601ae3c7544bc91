// The study currently open in the app (one at a time), shared by every handler of a transport.
import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { ApiError } from '../../../shared/api/contract';
import type { StudyCounts, StudyInfo } from '../../../shared/api/study';
import type { Migration } from '../db/migrations/index';
import { updateStudySettings } from '../db/cohortRecords';
import { RecentStudies } from '../db/recentStudies';
import { createStudy, openStudy, openStudyReadOnly, openStudyReadOnlyChecked, STUDY_BUSY_TIMEOUT_MS, writeOrBusy, type CheckpointMode, type StudyFile, type StudyPreparer } from '../db/studyFile';
import { KeyFileStore, studyKeysDir, type StudyKeyStore } from '../identity/studyKey';

export interface StudySessionOptions {
  /** Per-user directory for the recent list and the demo study (Electron: app.getPath('userData')). */
  userDataDir: string;
  migrations?: readonly Migration[];
  /**
   * Fills a freshly created, fully migrated study with the synthetic demo cohort (runs inside the
   * creating transaction). Provided by the cohort area (electron/services/analysis/demoStudy.ts).
   */
  populateDemo?: (db: Database.Database) => void;
  /**
   * Where study keys are kept (identity/studyKey.ts): the desktop app passes its safeStorage store;
   * default: 0600 key files in <userDataDir>/study-keys (web mode, tests).
   */
  keyStore?: StudyKeyStore;
  /**
   * The locale a study's 'locale' date/number setting resolves to (shared/domain/displayFormat.ts);
   * default: this process's, i.e. the operating system's. Tests pass one to check a comma-decimal locale.
   */
  locale?: string;
  /**
   * Where opening a study checks, backs up and migrates it (db/studyFile.ts prepareStudy): the API
   * runtime passes a worker thread (db/studyFileJob.ts) so the service host keeps answering;
   * default this thread. Not used with test `migrations` (a worker runs the app's own).
   */
  prepareStudy?: StudyPreparer;
  /**
   * Folds the study's WAL into the file from another thread (db/studyFileJob.ts): after an import
   * committed from its worker, and before the study is closed, so this thread's connection finds
   * little left to copy. Default: none (SQLite's own checkpoints, on this thread).
   */
  checkpointStudy?: (path: string, mode: CheckpointMode) => Promise<void>;
}

export class StudySession {
  readonly recent: RecentStudies;
  readonly keyStore: StudyKeyStore;
  private current: StudyFile | null = null;
  private currentNotices: string[] = [];
  private runningJobs = 0;
  private readonly listeners = new Set<() => void>();
  private systemLocale: string | undefined;
  private readonly writerJobs = new Set<Promise<void>>();
  /** The last write queued by `write` (settled, never rejected): each write starts after it. */
  private lastWrite: Promise<unknown> = Promise.resolve();
  private pendingWrites = 0;
  /** While open() checks a study or prepareToClose() folds one (in a worker): no open, close or create. */
  private switching: 'opening' | 'closing' | null = null;

  constructor(readonly options: StudySessionOptions) {
    this.recent = new RecentStudies(path.join(options.userDataDir, 'recent-studies.json'));
    this.keyStore = options.keyStore ?? new KeyFileStore(studyKeysDir(options.userDataDir));
  }

  /** The locale of 'locale' formats, for the screen (getStudySettings) and every export alike. */
  get locale(): string {
    // Resolved once: the first Intl call loads ICU's locale data (~20 ms of CPU on the thread that
    // answers calls; electron/services/host/serviceHost.ts resolves it before the host is ready).
    this.systemLocale ??= this.options.locale ?? Intl.DateTimeFormat().resolvedOptions().locale;
    return this.systemLocale;
  }

  get demoPath(): string {
    return path.join(this.options.userDataDir, 'demo-study.rtcw');
  }

  /** The open study; throws NO_STUDY when none is open. */
  get study(): StudyFile {
    if (!this.current) throw new ApiError('NO_STUDY', 'No study is open. Create or open a study first.');
    return this.current;
  }

  get isOpen(): boolean {
    return this.current !== null;
  }

  /** Called by the API service around long jobs so the study is not swapped underneath them. */
  jobStarted(): void {
    this.runningJobs++;
  }
  jobFinished(): void {
    this.runningJobs = Math.max(0, this.runningJobs - 1);
  }

  /**
   * Refuses a write on a study opened read-only. Writes on this connection fail by themselves
   * (apiService.ts maps SQLite's error to the same message); a worker writing through a connection
   * of its own (a spreadsheet import, a DICOM commit) is not restrained by this one's read-only
   * mode, so those handlers ask here first.
   */
  assertWritable(): void {
    if (this.study.readOnly) throw readOnlyStudyError(this.study.path);
  }

  /**
   * A job writing the study from a worker's own connection (a spreadsheet import holds SQLite's
   * write lock until it commits or rolls back: ../import/tableImportJob.ts). Writes on this
   * connection (`write`) wait for it to settle.
   */
  trackWriterJob(job: Promise<unknown>): void {
    const study = this.study;
    const checkpoint = this.options.checkpointStudy;
    // The import's pages sit in the WAL: a checkpoint in another thread copies them into the file
    // before the queued writes run (else the first commit here would copy them on this thread).
    const settled = job
      .then(
        () => {},
        () => {},
      )
      .then(() => (checkpoint && !study.readOnly ? checkpoint(study.path, 'PASSIVE') : undefined))
      .catch(() => {});
    this.writerJobs.add(settled);
    void settled.then(() => this.writerJobs.delete(settled));
  }

  /**
   * Resolves once no worker holds the study's write lock (see trackWriterJob): before starting
   * another worker that writes through its own connection (the DICOM commit). Writes on this
   * connection use `write`, which waits for this too and also keeps the order and retries.
   */
  async writerJobsSettled(): Promise<void> {
    while (this.writerJobs.size > 0) await Promise.all(this.writerJobs);
  }

  /**
   * Every write of the open study on this (the service host's) connection: `change` runs as one
   * transaction, after the writes issued before it, once no worker holds the write lock. The wait
   * is asynchronous — SQLite's busy handler would sleep on this thread and stop every other call
   * (reads, progress, cancel) until the import commits, then fail after the busy timeout. Reads
   * are answered meanwhile, from the last committed state (WAL).
   */
  write<T>(change: (db: Database.Database) => T): Promise<T> {
    let study: StudyFile;
    try {
      study = this.study; // the study the change is for (NO_STUDY when none is open)
    } catch (error) {
      return Promise.reject(error);
    }
    const queued = this.pendingWrites > 0;
    this.pendingWrites++;
    // Writes queued behind an import run one per event-loop turn when it commits, not all in one
    // block: calls that arrive meanwhile (reads, progress, cancel) are answered between them.
    const turn = this.lastWrite.then(() => (queued ? new Promise((resolve) => setImmediate(resolve)) : undefined)).then(() => this.applyWrite(study, change));
    this.lastWrite = turn.then(
      () => this.pendingWrites--,
      () => this.pendingWrites--,
    );
    return turn;
  }

  private async applyWrite<T>(study: StudyFile, change: (db: Database.Database) => T): Promise<T> {
    // A lock held by a worker we do not track (a cancelled import's thread still stopping) is
    // waited for the same way, up to the usual busy timeout, then reported as SQLite's BUSY.
    const giveUpAt = Date.now() + STUDY_BUSY_TIMEOUT_MS;
    for (let pause = 2; ; pause = Math.min(pause * 2, 50)) {
      await this.writerJobsSettled();
      // Opening or closing a study waits for queued writes (assertIdle); this is the last guard.
      if (this.current !== study) throw new ApiError('CONFLICT', 'The study was closed before this change could be saved; nothing was changed.');
      if (study.readOnly) return study.db.transaction(change)(study.db); // fails as READ_ONLY on its first write
      const done = writeOrBusy(study.db, change);
      if ('value' in done) return done.value;
      if (Date.now() >= giveUpAt) throw done.busy; // IO_ERROR "another program is writing the study" (apiService.ts)
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  create(filePath: string, title?: string): StudyInfo {
    this.assertIdle();
    const study = createStudy(filePath, {
      migrations: this.options.migrations,
      program: 'app',
      keyStore: this.keyStore,
      initialize: (db) => setTitle(db, title ?? path.basename(filePath).replace(/\.rtcw$/i, '')),
    });
    this.replace(study);
    return this.info();
  }

  /**
   * Opens a study for writing (taking its writer lock: STUDY_LOCKED when another program writes
   * it), or read-only — no lock, no migration, no write (issue 12).
   */
  async open(filePath: string, options: { readOnly?: boolean; onProgress?: (pct: number, message: string) => void } = {}): Promise<StudyInfo> {
    this.assertIdle();
    const resolved = path.resolve(filePath);
    const readOnly = options.readOnly ?? false;
    if (this.current?.path === resolved && this.current.readOnly === readOnly) return this.info();
    // The same study in the other mode: let go of it first (the lock is per study, not per session).
    if (this.current?.path === resolved) this.closeCurrent();
    // Open the new file before closing the old one, so a refused file leaves the old study open.
    // The checks (and upgrade) run in a worker: meanwhile this thread serves the old study.
    const prepare = this.options.migrations ? undefined : this.options.prepareStudy;
    this.switching = 'opening';
    let study: StudyFile;
    try {
      study = readOnly
        ? prepare
          ? await openStudyReadOnlyChecked(resolved, { migrations: this.options.migrations, prepare })
          : openStudyReadOnly(resolved, { migrations: this.options.migrations })
        : await openStudy(resolved, { migrations: this.options.migrations, keyStore: this.keyStore, program: 'app', prepare, onProgress: options.onProgress });
      await this.foldOpenStudy();
    } finally {
      this.switching = null;
    }
    if (this.runningJobs > 0 || this.pendingWrites > 0) {
      // A long task or a change began on the old study while this one was being checked: it keeps
      // its study, and the user opens again once it is done.
      study.close();
      this.assertIdle();
    }
    this.replace(study);
    return this.info();
  }

  async openDemo(reset = false): Promise<StudyInfo> {
    const populate = this.options.populateDemo;
    if (!populate) throw new ApiError('NOT_FOUND', 'The demo study is not available in this build.');
    this.assertIdle();
    const demoPath = this.demoPath;
    if (this.current?.path === demoPath) {
      if (!reset) return this.info();
      this.closeCurrent();
    }
    if (!reset && fs.existsSync(demoPath)) {
      try {
        return await this.open(demoPath);
      } catch {
        // A damaged or outdated demo is rebuilt: it holds no user data worth keeping.
      }
      // Not when a task began on the current study while the demo was being checked.
      this.assertIdle();
    }
    await this.prepareToClose();
    fs.mkdirSync(this.options.userDataDir, { recursive: true });
    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(demoPath + suffix, { force: true });
    const study = createStudy(demoPath, { migrations: this.options.migrations, keyStore: this.keyStore, initialize: populate, program: 'app' });
    this.replace(study, false);
    return this.info();
  }

  /** Throws IO_ERROR when the study could not be folded into one file (see StudyFile.close). */
  close(): void {
    this.assertIdle();
    let closed = false;
    try {
      closed = this.closeCurrent();
    } finally {
      if (closed || !this.current) this.emit();
    }
  }

  info(): StudyInfo {
    const study = this.study;
    const settings = readSettings(study.db);
    return {
      path: study.path,
      fileName: path.basename(study.path),
      title: settings.title ?? path.basename(study.path).replace(/\.rtcw$/i, ''),
      schemaVersion: study.schemaVersion,
      synthetic: settings.synthetic,
      sharedCopy: settings.sharedCopy,
      readOnly: study.readOnly,
      counts: this.counts(),
      notices: this.currentNotices,
    };
  }

  counts(): StudyCounts {
    const { db } = this.study;
    return {
      patients: countRows(db, 'patients'),
      lesions: countRows(db, 'lesions'),
      courses: countRows(db, 'rt_courses'),
    };
  }

  /** Closes the study (app quit, harness shutdown). */
  dispose(): void {
    try {
      this.closeCurrent();
    } finally {
      this.listeners.clear();
    }
  }

  private replace(study: StudyFile, remember = true): void {
    let closeFailure: unknown = null;
    try {
      this.closeCurrent();
    } catch (error) {
      closeFailure = error; // the new study is open all the same; the user must still hear it
    }
    this.current = study;
    this.currentNotices = backupNotices(study);
    if (remember) this.recent.add(study.path);
    this.emit();
    if (closeFailure) throw closeFailure;
  }

  private closeCurrent(): boolean {
    if (!this.current) return false;
    const study = this.current;
    this.current = null;
    study.close();
    return true;
  }

  /**
   * Before the open study is closed (by closeStudy, or replaced by another): folds its WAL into the
   * file in another thread (options.checkpointStudy), so close() has little left to copy here.
   */
  async prepareToClose(): Promise<void> {
    this.assertIdle();
    this.switching = 'closing';
    try {
      await this.foldOpenStudy();
    } finally {
      this.switching = null;
    }
  }

  private async foldOpenStudy(): Promise<void> {
    // A worker that wrote the study, and the checkpoint that follows it (trackWriterJob), still
    // holds a connection until it settles: folding before that finds the WAL busy and the close
    // fails with IO_ERROR (seen right after a DICOM commit).
    await this.writerJobsSettled();
    const study = this.current;
    if (!study || study.readOnly || !this.options.checkpointStudy) return;
    await this.options.checkpointStudy(study.path, 'TRUNCATE').catch(() => {}); // close() reports failures
  }

  private assertIdle(): void {
    if (this.switching === 'opening') throw new ApiError('CONFLICT', 'A study is being opened; wait for it to finish.');
    if (this.switching === 'closing') throw new ApiError('CONFLICT', 'The study is being closed; wait for it to finish.');
    if (this.runningJobs > 0) {
      throw new ApiError('CONFLICT', 'A long task is still running on this study; wait for it or cancel it first.');
    }
    if (this.pendingWrites > 0) {
      throw new ApiError('CONFLICT', 'Changes to this study are still being saved; try again in a moment.');
    }
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }
}

/** The refusal of any write on a study opened read-only. */
export function readOnlyStudyError(studyPath: string, cause?: unknown): ApiError {
  return new ApiError('READ_ONLY', `${path.basename(studyPath)} is open read-only; nothing was changed.`, cause === undefined ? undefined : { cause });
}

/** The notice for backups a migration removing identifiers rewrote or deleted (studyFile.ts). */
export function backupNotices(study: Pick<StudyFile, 'backupsRewritten' | 'backupsRemoved'>): string[] {
  const notices: string[] = [];
  if (study.backupsRewritten.length) {
    notices.push(
      `Patient identifiers (hospital IDs, birth dates, file paths) were removed from this study and from its ${study.backupsRewritten.length} backup cop${study.backupsRewritten.length === 1 ? 'y' : 'ies'} next to it (${study.backupsRewritten.join(', ')}); their data is kept. The study's key is now kept on this workstation, outside the file.`,
    );
  }
  if (study.backupsRemoved.length) {
    notices.push(
      `${study.backupsRemoved.length} backup cop${study.backupsRemoved.length === 1 ? 'y' : 'ies'} holding patient identifiers could not be cleaned and ${study.backupsRemoved.length === 1 ? 'was' : 'were'} deleted: ${study.backupsRemoved.join(', ')}.`,
    );
  }
  return notices;
}

function tableExists(db: Database.Database, table: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) !== undefined;
}

function countRows(db: Database.Database, table: 'patients' | 'lesions' | 'rt_courses'): number {
  if (!tableExists(db, table)) return 0;
  return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
}

function readSettings(db: Database.Database): { title: string | null; synthetic: boolean; sharedCopy: boolean } {
  if (!tableExists(db, 'study_settings')) return { title: null, synthetic: false, sharedCopy: false };
  const row = db.prepare('SELECT * FROM study_settings WHERE id = 1').get() as
    | { title: string; synthetic: number; shared_copy?: number }
    | undefined;
  return { title: row?.title ?? null, synthetic: row?.synthetic === 1, sharedCopy: row?.shared_copy === 1 };
}

function setTitle(db: Database.Database, title: string): void {
  if (!tableExists(db, 'study_settings')) return; // test migrations without the cohort schema
  // Through the cohort's settings writer, so the title is validated and audited like every edit.
  if (tableExists(db, 'audit_log')) updateStudySettings(db, { title });
  else db.prepare('UPDATE study_settings SET title = ? WHERE id = 1').run(title);
}
