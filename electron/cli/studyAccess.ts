// Study files for `rtcw` study commands: opening/creating with failures as one-line CliErrors
// (exit 2) instead of internal errors.
import type Database from 'better-sqlite3';
import { ApiError } from '../../shared/api/contract';
import { createStudy, openStudy, type StudyFile } from '../services/db/studyFile';
import { CliError, type CliOptions } from './options';

export function asCliError(error: unknown): unknown {
  return error instanceof ApiError ? new CliError(error.message) : error;
}

export async function openStudyForCli(file: string): Promise<StudyFile> {
  try {
    return await openStudy(file);
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
export async function withStudy<T>(file: string, work: (study: StudyFile) => T | Promise<T>): Promise<T> {
  const study = await openStudyForCli(file);
  try {
    return await work(study);
  } catch (error) {
    throw asCliError(error);
  } finally {
    study.close();
  }
}
