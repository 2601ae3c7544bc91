// Ordered schema migrations, applied by studyFile.ts (PRAGMA user_version = last applied version).
// Append new entries; never edit an applied one.
import type Database from 'better-sqlite3';
import { up as cohortSchema } from './0001-cohort-schema';
import { up as dicomIndex } from './0002-dicom-index';
import { up as savedAnalyses } from './0003-saved-analyses';
import { up as editHistory } from './0004-edit-history';
import { up as rtCoursePhases } from './0005-rt-course-phases';
import { up as deidentifyStudy } from './0006-deidentify-study';
import { up as appendOnlyAudit } from './0007-append-only-audit';
import { up as sharedCopy } from './0008-shared-copy';
import type { StudyKeyStore } from '../../identity/studyKey';

/** What a migration may need from outside the file (studyFile.ts passes it through). */
export interface MigrationContext {
  /** Where the study key goes (migration 6 moves the key out of the file); default: defaultKeyStore(). */
  keyStore?: StudyKeyStore;
}

export interface Migration {
  version: number;
  name: string;
  up(db: Database.Database, context?: MigrationContext): void;
  /**
   * The migration removes identifiers: studyFile.ts then VACUUMs the file (no freed page keeps old
   * bytes) and rewrites the older .bak copies next to it the same way (issue 11 item 1).
   */
  removesIdentifiers?: boolean;
}

export const migrations: Migration[] = [
  { version: 1, name: 'cohort-schema', up: cohortSchema },
  { version: 2, name: 'dicom-index', up: dicomIndex },
  { version: 3, name: 'saved-analyses', up: savedAnalyses },
  { version: 4, name: 'edit-history', up: editHistory },
  { version: 5, name: 'rt-course-phases', up: rtCoursePhases },
  { version: 6, name: 'deidentify-study', up: deidentifyStudy, removesIdentifiers: true },
  // After 6: de-identification rewrites audit_log rows, which the append-only triggers forbid.
  { version: 7, name: 'append-only-audit', up: appendOnlyAudit },
  { version: 8, name: 'shared-copy', up: sharedCopy },
];
