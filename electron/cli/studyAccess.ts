// Study files for `rtcw` study commands: opening/creating with failures as one-line CliErrors
// (exit 2) instead of internal errors.
import path from 'node:path';
import type Database from 'better-sqlite3';
import { ApiError } from '../../shared/api/contract';
import { createStudy, openStudy, type StudyFile } from '../services/db/studyFile';
import { defaultKeyStore, SingleKeyFileStore, type StudyKeyStore } from '../services/identity/studyKey';
import { CliError, type CliOptions } from './options';

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
  return error instanceof ApiError ? new CliError(error.message) : error;
}

export async function openStudyForCli(file: string, keyStore?: StudyKeyStore): Promise<StudyFile> {
  try {
    return await openStudy(file, { keyStore });
  } catch (error) {
    throw asCliError(error);
  }
}

export function createStudyForCli(file: string, initialize?: (db: Database.Database) => void): StudyFile {
  try {
    return createStudy(file, initialize ? { initialize } : {});
  } catch (error) {
    throw asCliError(error);
  }
}

/** The one positional FILE of `study <sub> FILE`. */
export function studyPositional(options: CliOptions, command: string): string {
  if (options.positionals.length !== 1) throw new CliError(`usage: rtcw ${command} FILE …(exactly one study file)`);
  return options.positionals[0];
}

/** Runs `work` on an open study and always closes it; ApiErrors become CliErrors. */
export async function withStudy<T>(file: string, work: (study: StudyFile) => T | Promise<T>, keyStore?: StudyKeyStore): Promise<T> {
  const study = await openStudyForCli(file, keyStore);
  try {
    return await work(study);
  } catch (error) {
    throw asCliError(error);
  } finally {
    study.close();
  }
}
