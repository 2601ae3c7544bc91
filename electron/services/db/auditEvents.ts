// Study-level events in the append-only audit log (migration 0007-append-only-audit): imports,
// exports, shares and schema migrations, with who (the OS user, as for edits — electron/services/db/cohortRecords.ts)
// and when. `details` must never hold a path or an identifier (product.md "Privacy"): record
// formats, counts, file NAMES the app chose (e.g. "table1.csv"), hashes.
import type Database from 'better-sqlite3';
import { currentUser } from './cohortRecords';

export type AuditEventAction = 'import' | 'export' | 'share' | 'migrate';

/**
 * Appends one event. Studies whose audit table predates migration 7 (only reachable while that
 * migration itself runs, or with test schemas) have no room for events: nothing is recorded.
 */
export function recordAuditEvent(
  db: Database.Database,
  action: AuditEventAction,
  subject: string,
  details: Record<string, unknown>,
  who: string = currentUser(),
): void {
  if (!acceptsEvents(db)) return;
  db.prepare('INSERT INTO audit_log (who, action, entity, entity_id, before_json, after_json) VALUES (?, ?, ?, 0, NULL, ?)').run(
    who,
    action,
    `study.${subject}`,
    JSON.stringify(details),
  );
}

function acceptsEvents(db: Database.Database): boolean {
  const row = db.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'audit_log'").get() as { sql: string } | undefined;
  return row !== undefined && row.sql.includes("'export'");
}
