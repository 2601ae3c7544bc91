// Multi-level undo/redo of cohort edits, per study, backed by the audit log (issue 16).
// Every user action through the cohort API (edit, add, delete with its cascade) becomes one step:
// the range of audit_log rows it wrote (migration 0004-edit-history). Undo replays that range
// backwards with the `before` images, redo forwards with the `after` images; both write through
// audited statements, so the log records the undo itself. A step is refused, with the reason, when
// a row has changed since (e.g. by a spreadsheet import), instead of overwriting newer data.
import type Database from 'better-sqlite3';
import { ApiError } from '../../../shared/api/contract';
import { ENTITY_FIELDS, ENTITY_NAMES, ENTITY_TABLES, type CohortRow, type EditHistoryState, type EntityName } from '../../../shared/domain/cohortModel';
import { audit, currentUser, statement, toColumnValue, toRow } from './cohortRecords';


interface StepRow {
  id: number;
  label: string;
  first_audit_id: number;
  last_audit_id: number;
}

interface AuditRow {
  action: 'insert' | 'update' | 'delete';
  entity: string;
  entity_id: number;
  before_json: string | null;
  after_json: string | null;
}

/** Steps kept per study; older ones drop off (the audit log itself keeps everything). */
const MAX_STEPS = 200;

function lastAuditId(db: Database.Database): number {
  return (statement(db, 'SELECT coalesce(max(id), 0) AS id FROM audit_log').get() as { id: number }).id;
}

/** Runs one user action in a transaction and records it as an undoable step; clears the redo list. */
export function recordEditStep<T>(db: Database.Database, label: string, action: () => T): T {
  return db.transaction(() => {
    const before = lastAuditId(db);
    const result = action();
    const after = lastAuditId(db);
    if (after > before) {
      statement(db, "DELETE FROM edit_step WHERE state = 'undone'").run();
      statement(db, 'INSERT INTO edit_step (label, first_audit_id, last_audit_id) VALUES (?, ?, ?)').run(label.slice(0, 300), before + 1, after);
      statement(db, 'DELETE FROM edit_step WHERE id <= (SELECT max(id) FROM edit_step) - ?').run(MAX_STEPS);
    }
    return result;
  })();
}

export function editHistoryState(db: Database.Database): EditHistoryState {
  const undo = statement(db, "SELECT label FROM edit_step WHERE state = 'done' ORDER BY id DESC LIMIT 1").get() as { label: string } | undefined;
  const redo = statement(db, "SELECT label FROM edit_step WHERE state = 'undone' ORDER BY id LIMIT 1").get() as { label: string } | undefined;
  const depth = (statement(db, "SELECT count(*) AS n FROM edit_step WHERE state = 'done'").get() as { n: number }).n;
  return { undo: undo?.label ?? null, redo: redo?.label ?? null, depth };
}

function isEntity(name: string): name is EntityName {
  return (ENTITY_NAMES as readonly string[]).includes(name);
}

function readRow(db: Database.Database, entity: EntityName, id: number): CohortRow | null {
  const raw = statement(db, `SELECT * FROM ${ENTITY_TABLES[entity]} WHERE id = ?`).get(id) as Record<string, unknown> | undefined;
  return raw ? toRow(entity, raw) : null;
}

function sameFields(entity: EntityName, a: CohortRow | null, b: CohortRow | null): boolean {
  if (!a || !b) return a === b;
  return ENTITY_FIELDS[entity].every((s) => (a[s.name] ?? null) === (b[s.name] ?? null));
}

function changedSince(label: string): never {
  throw new ApiError('CONFLICT', `Cannot undo or redo "${label}": the row has been changed or removed since. Edit it directly instead.`);
}

/** Puts row `id` into the state `image` (null = absent), checking it is now in state `expected`. */
function restore(db: Database.Database, who: string, entity: EntityName, id: number, expected: CohortRow | null, image: CohortRow | null, label: string) {
  const current = readRow(db, entity, id);
  if (!sameFields(entity, current, expected)) changedSince(label);
  const specs = ENTITY_FIELDS[entity];
  if (image === null) {
    statement(db, `DELETE FROM ${ENTITY_TABLES[entity]} WHERE id = ?`).run(id);
  } else if (current === null) {
    const cols = ['id', ...specs.map((s) => s.column), 'provenance_id', 'created_at'];
    statement(db, `INSERT INTO ${ENTITY_TABLES[entity]} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`).run(
      id,
      ...specs.map((s) => toColumnValue(s, image[s.name])),
      image.provenanceId,
      image.createdAt,
    );
  } else {
    statement(
      db,
      `UPDATE ${ENTITY_TABLES[entity]} SET ${specs.map((s) => `${s.column} = ?`).join(', ')}, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?`,
    ).run(...specs.map((s) => toColumnValue(s, image[s.name])), id);
  }
  const now = readRow(db, entity, id);
  audit(db, who, current === null ? 'insert' : now === null ? 'delete' : 'update', entity, id, current, now);
}

function replay(db: Database.Database, step: StepRow, direction: 'undo' | 'redo', who: string): void {
  const order = direction === 'undo' ? 'DESC' : 'ASC';
  const rows = statement(db, `SELECT action, entity, entity_id, before_json, after_json FROM audit_log WHERE id BETWEEN ? AND ? ORDER BY id ${order}`).all(
    step.first_audit_id,
    step.last_audit_id,
  ) as AuditRow[];
  for (const row of rows) {
    if (!isEntity(row.entity)) continue;
    const before = row.before_json ? (JSON.parse(row.before_json) as CohortRow) : null;
    const after = row.after_json ? (JSON.parse(row.after_json) as CohortRow) : null;
    if (direction === 'undo') restore(db, who, row.entity, row.entity_id, after, before, step.label);
    else restore(db, who, row.entity, row.entity_id, before, after, step.label);
  }
}

function applyStep(db: Database.Database, direction: 'undo' | 'redo', who: string): EditHistoryState & { applied: string } {
  return db.transaction(() => {
    const sql =
      direction === 'undo'
        ? "SELECT * FROM edit_step WHERE state = 'done' ORDER BY id DESC LIMIT 1"
        : "SELECT * FROM edit_step WHERE state = 'undone' ORDER BY id LIMIT 1";
    const step = statement(db, sql).get() as StepRow | undefined;
    if (!step) throw new ApiError('CONFLICT', direction === 'undo' ? 'Nothing to undo.' : 'Nothing to redo.');
    replay(db, step, direction, who);
    statement(db, 'UPDATE edit_step SET state = ? WHERE id = ?').run(direction === 'undo' ? 'undone' : 'done', step.id);
    return { ...editHistoryState(db), applied: step.label };
  })();
}

export function undoEdit(db: Database.Database, who = currentUser()) {
  return applyStep(db, 'undo', who);
}

export function redoEdit(db: Database.Database, who = currentUser()) {
  return applyStep(db, 'redo', who);
}
