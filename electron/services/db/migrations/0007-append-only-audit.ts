// Migration 7: an audit log you can trust (issue 12). It comes after 6, which rewrites audit rows
// while de-identifying. The log becomes append-only — triggers refuse every UPDATE and DELETE, so
// no code path (or a hand-run SQL statement in the app) can rewrite history — and it also records
// study-level events: imports, exports, shares and schema migrations (entity 'study…',
// entity_id 0), with who (OS user) and when, next to the edits.
// SQLite cannot change a CHECK constraint in place, so the table is rebuilt (rows and ids kept).
import type Database from 'better-sqlite3';

export function up(db: Database.Database): void {
  db.exec(`
CREATE TABLE audit_log_v4 (
  id INTEGER PRIMARY KEY,
  at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  who TEXT NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('insert', 'update', 'delete', 'import', 'export', 'share', 'migrate')),
  entity TEXT NOT NULL,
  entity_id INTEGER NOT NULL,
  before_json TEXT,
  after_json TEXT
);
INSERT INTO audit_log_v4 (id, at, who, action, entity, entity_id, before_json, after_json)
  SELECT id, at, who, action, entity, entity_id, before_json, after_json FROM audit_log ORDER BY id;
DROP TABLE audit_log;
ALTER TABLE audit_log_v4 RENAME TO audit_log;
CREATE INDEX audit_log_entity ON audit_log(entity, entity_id);
CREATE TRIGGER audit_log_append_only_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: entries cannot be changed'); END;
CREATE TRIGGER audit_log_append_only_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: entries cannot be deleted'); END;
`);
}
