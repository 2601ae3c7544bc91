// Study files for `rtcw` study commands: opening/creating with failures as one-line CliErrors
// (exit 2) instead of internal errors. Writing commands take the study's writer lock (waiting for
// another short `rtcw` job, with a line on stderr each second); reading commands (`dataset`,
// `report`) open read-only and never change a byte of the study (issue 12).
import path from 'node:path';
import type Database from 'better-sqlite3';
import { ApiError } from '../../shared/api/contract';
import { createStudy, describeStorageFailure, openStudy, openStudyReadOnly, type StudyFile, type StudyFileOptions } from '../services/db/studyFile';
import { describeHolder } from '../services/db/studyLock';
import { defaultKeyStore, SingleKeyFileStore, type StudyKeyStore } from '../services/identity/studyKey';
import { CliError, type CliOptions } from './options';

/** How long a writing command waits for another `rtcw` command to finish with the study. */
export const CLI_LOCK_WAIT_MS = 60_000;

/**
 * The study-key store of a command (identity/studyKey.ts): `--key FILE` (one key file, e.g. on a
 * USB stick), else the 0600 key files of the user-data folder ($RTCW_USER_DATA/study-keys, or the
 * desktop app's folder) — keys the desktop app wrote there keychain-encrypted are not readable here.
 */
export function cliKeyStore(options: CliOptions): StudyKeyStore {
  const file = options.string('key');
  return file ? new SingleKeyFileStore(path.resolve(file)) : defaultKeyStore();
}

export function asCliError(error: unknown): unknown {
  if (error instanceof ApiError) return new CliError(error.message);
  const storage = describeStorageFailure(error);
  if (storage) return new CliError(`${storage}: ${oneLine((error as Error).message)}; the study was left as it was (every change is one transaction)`);
  return error;
}

/** Options for writing commands: the lock as `rtcw`, waiting for another rtcw job. */
export function cliWriterOptions(file: string): StudyFileOptions {
  return {
    program: 'rtcw',
    lockWaitMs: CLI_LOCK_WAIT_MS,
    onLockWait: (holder, waitedMs) =>
      process.stderr.write(`rtcw: ${path.basename(file)} is in use by ${describeHolder(holder)}; waiting (${Math.round(waitedMs / 1000)} s)…\n`),
  };
}

export async function openStudyForCli(file: string, keyStore?: StudyKeyStore): Promise<StudyFile> {
  try {
    return await openStudy(file, { ...cliWriterOptions(file), keyStore });
  } catch (error) {
    throw asCliError(error);
  }
}

export function createStudyForCli(file: string, initialize?: (db: Database.Database) => void): StudyFile {
  try {
    return createStudy(file, { ...cliWriterOptions(file), ...(initialize ? { initialize } : {}) });
  } catch (error) {
    throw asCliError(error);
  }
}

/** The one positional FILE of `study <sub> FILE`. */
export function studyPositional(options: CliOptions, command: string): string {
  if (options.positionals.length !== 1) throw new CliError(`usage: rtcw ${command} FILE …(exactly one study file)`);
  return options.positionals[0];
}

/** Runs `work` on a study opened for writing and always closes it; ApiErrors become CliErrors. */
export async function withStudy<T>(file: string, work: (study: StudyFile) => T | Promise<T>, keyStore?: StudyKeyStore): Promise<T> {
  const study = await openStudyForCli(file, keyStore);
  return runAndClose(study, work);
}

/** Runs `work` on a study opened read-only (no lock, no migration, no write). */
export async function withStudyReadOnly<T>(file: string, work: (study: StudyFile) => T | Promise<T>): Promise<T> {
  let study: StudyFile;
  try {
    study = openStudyReadOnly(file);
  } catch (error) {
    throw asCliError(error);
  }
  return runAndClose(study, work);
}

async function runAndClose<T>(study: StudyFile, work: (study: StudyFile) => T | Promise<T>): Promise<T> {
  let result: T;
  try {
    result = await work(study);
  } catch (error) {
    try {
      study.close();
    } catch {
      // The work's own failure is the one to report; close() kept the data safe in the -wal.
    }
    throw asCliError(error);
  }
  try {
    study.close(); // a failed checkpoint is a failure of the command (issue 12)
  } catch (error) {
    throw asCliError(error);
  }
  return result;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}
