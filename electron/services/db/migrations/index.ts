// Ordered schema migrations, applied by studyFile.ts (PRAGMA user_version = last applied version).
// Append new entries; never edit an applied one.
import type Database from 'better-sqlite3';
import { up as cohortSchema } from './0001-cohort-schema';
import { up as dicomIndex } from './0002-dicom-index';
import { up as savedAnalyses } from './0003-saved-analyses';
import { up as editHistory } from './0004-edit-history';
import { up as rtCoursePhases } from './0005-rt-course-phases';

export interface Migration {
  version: number;
  name: string;
  up(db: Database.Database): void;
}

export const migrations: Migration[] = [
  { version: 1, name: 'cohort-schema', up: cohortSchema },
  { version: 2, name: 'dicom-index', up: dicomIndex },
  { version: 3, name: 'saved-analyses', up: savedAnalyses },
  { version: 4, name: 'edit-history', up: editHistory },
  { version: 5, name: 'rt-course-phases', up: rtCoursePhases },
];
