// Migration 8: a study file can be a de-identified shared copy (issue 11 item 4; written by
// electron/services/identity/studyShare.ts). The flag is set only when the copy is made and cannot
// be edited through the settings API: a shared copy refuses identified imports (DICOM, hospital-ID
// linkage), since it has no key and its dates are shifted.
import type Database from 'better-sqlite3';

export function up(db: Database.Database): void {
  db.exec(`
ALTER TABLE study_settings ADD COLUMN shared_copy INTEGER NOT NULL DEFAULT 0 CHECK (shared_copy IN (0, 1));
`);
}
