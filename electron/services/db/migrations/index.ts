// Ordered schema migrations, applied by studyFile.ts (PRAGMA user_version = last applied version).
// Append new entries; never edit an applied one.
import type Database from 'better-sqlite3';
import { up as cohortSchema } from './0001-cohort-schema';
import { up as dicomIndex } from './0002-dicom-index';
import { up as savedAnalyses } from './0003-saved-analyses';
import { up as sharedCopy } from './0004-shared-copy';

export interface Migration {
  version: number;
  name: string;
  up(db: Database.Database): void;
}

export const migrations: Migration[] = [
  { version: 1, name: 'cohort-schema', up: cohortSchema },
  { version: 2, name: 'dicom-index', up: dicomIndex },
  { version: 3, name: 'saved-analyses', up: savedAnalyses },
  { version: 4, name: 'shared-copy', up: sharedCopy },
];
