// Migration 4: multi-level undo/redo of cohort edits, per study (issue 16).
// A user action (one cell edit, one added row, one delete with its cascade) is one `edit_step`
// spanning a contiguous range of audit_log rows; undo and redo replay those rows backwards or
// forwards (electron/services/db/editHistory.ts), so the audit log stays the one record of what
// happened and the history survives closing the study.
// Also the study's display format for dates and numbers (ISO by default, the OS locale on request).
import type Database from 'better-sqlite3';

export function up(db: Database.Database): void {
  db.exec(`
CREATE TABLE edit_step (
  id INTEGER PRIMARY KEY,
  label TEXT NOT NULL CHECK (length(label) BETWEEN 1 AND 300),
  first_audit_id INTEGER NOT NULL,
  last_audit_id INTEGER NOT NULL CHECK (last_audit_id >= first_audit_id),
  state TEXT NOT NULL DEFAULT 'done' CHECK (state IN ('done', 'undone'))
);
ALTER TABLE study_settings ADD COLUMN display_format TEXT NOT NULL DEFAULT 'iso' CHECK (display_format IN ('iso', 'locale'));
`);
}
