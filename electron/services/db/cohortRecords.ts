// Create, read, update and delete cohort rows (patients, lesions, RT courses, systemic therapies,
// events, toxicities) and the study settings. Every write runs in a transaction and is recorded in
// audit_log (who = OS user name, when, entity, id, before/after JSON); every row cites a provenance.
// Validation uses the field specs of shared/domain/cohortModel.ts so messages name the field.
import os from 'node:os';
import type Database from 'better-sqlite3';
import { ApiError } from '../../../shared/api/contract';
import {
  ENTITY_FIELDS,
  ENTITY_TABLES,
  validateRecord,
  type AuditEntry,
  type CohortRow,
  type EntityName,
  type EntityRecord,
  type FieldError,
  type FieldSpec,
  type StudySettings,
} from '../../../shared/domain/cohortModel';

export type { AuditEntry, CohortRow, StudySettings } from '../../../shared/domain/cohortModel';

export type ProvenanceKind = 'dicom' | 'spreadsheet' | 'manual' | 'demo';


export interface WriteOptions {
  /** Who edits; defaults to the OS user name. */
  who?: string;
  /** Provenance of new rows; defaults to the user's "manual entry" provenance. */
  provenanceId?: number;
}

/** Validation failure: the message lists every field problem; `errors` keeps them structured. */
export class CohortValidationError extends ApiError {
  readonly errors: FieldError[];
  constructor(entity: string, errors: FieldError[]) {
    // The message is for people (the grid shows it at the cell); field names and values stay in `errors`.
    super('INVALID_INPUT', `${entity}: ${errors.map((e) => e.message).join('; ')}`);
    this.errors = errors;
  }
}

// Prepared statements are reused per connection: preparing costs more than running a small query.
const statementCache = new WeakMap<Database.Database, Map<string, Database.Statement>>();

/** db.prepare(sql), cached for this connection. */
export function statement(db: Database.Database, sql: string): Database.Statement {
  let cache = statementCache.get(db);
  if (!cache) {
    cache = new Map();
    statementCache.set(db, cache);
  }
  let stmt = cache.get(sql);
  if (!stmt) {
    stmt = db.prepare(sql);
    cache.set(sql, stmt);
  }
  return stmt;
}

export function currentUser(): string {
  try {
    return os.userInfo().username || 'unknown';
  } catch {
    return 'unknown';
  }
}

export function toRow(entity: EntityName, raw: Record<string, unknown>): CohortRow {
  const row: Record<string, unknown> = {
    id: raw.id,
    provenanceId: raw.provenance_id,
    createdAt: raw.created_at,
    updatedAt: raw.updated_at,
  };
  for (const spec of ENTITY_FIELDS[entity]) {
    const v = raw[spec.column];
    row[spec.name] = spec.type === 'boolean' && v !== null && v !== undefined ? v === 1 : (v ?? null);
  }
  return row as CohortRow;
}

export function toColumnValue(spec: FieldSpec, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (spec.type === 'boolean') return value ? 1 : 0;
  return value;
}

/** The fields of a stored row as an input record (what validateRecord takes). */
function fieldsOf(entity: EntityName, row: CohortRow): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const spec of ENTITY_FIELDS[entity]) out[spec.name] = row[spec.name];
  return out;
}

export function audit(
  db: Database.Database,
  who: string,
  action: 'insert' | 'update' | 'delete',
  entity: string,
  entityId: number,
  before: unknown,
  after: unknown,
): void {
  statement(db, 'INSERT INTO audit_log (who, action, entity, entity_id, before_json, after_json) VALUES (?, ?, ?, ?, ?, ?)').run(
    who,
    action,
    entity,
    entityId,
    before === null || before === undefined ? null : JSON.stringify(before),
    after === null || after === undefined ? null : JSON.stringify(after),
  );
}

/** Records where rows come from. `label` is a file or set NAME, never a path. */
export function createProvenance(
  db: Database.Database,
  source: { kind: ProvenanceKind; label: string; fingerprint?: string | null },
  who = currentUser(),
): number {
  if (/[\\/]/.test(source.label)) throw new ApiError('INVALID_INPUT', 'provenance label must be a file name, not a path');
  const info = db
    .prepare('INSERT INTO provenance (kind, label, fingerprint, created_by) VALUES (?, ?, ?, ?)')
    .run(source.kind, source.label, source.fingerprint ?? null, who);
  return Number(info.lastInsertRowid);
}

/** The user's "manual entry" provenance, created on first use. */
export function manualProvenance(db: Database.Database, who = currentUser()): number {
  const row = statement(db, "SELECT id FROM provenance WHERE kind = 'manual' AND created_by = ? ORDER BY id LIMIT 1").get(who) as
    | { id: number }
    | undefined;
  return row?.id ?? createProvenance(db, { kind: 'manual', label: 'manual entry' }, who);
}

export function getRecord(db: Database.Database, entity: EntityName, id: number): CohortRow | null {
  const raw = statement(db, `SELECT * FROM ${ENTITY_TABLES[entity]} WHERE id = ?`).get(id) as Record<string, unknown> | undefined;
  return raw ? toRow(entity, raw) : null;
}

function requireRecord(db: Database.Database, entity: EntityName, id: number): CohortRow {
  const row = getRecord(db, entity, id);
  if (!row) throw new ApiError('NOT_FOUND', `${entity} ${id} does not exist`);
  return row;
}

export interface ListFilter {
  patientId?: number;
  lesionId?: number;
}

export function listRecords(db: Database.Database, entity: EntityName, filter: ListFilter = {}): CohortRow[] {
  const where: string[] = [];
  const params: number[] = [];
  const columns = new Set(ENTITY_FIELDS[entity].map((s) => s.column));
  if (filter.patientId !== undefined) {
    if (columns.has('patient_id')) where.push('patient_id = ?');
    else if (entity === 'rtCourse') where.push('lesion_id IN (SELECT id FROM lesions WHERE patient_id = ?)');
    params.push(filter.patientId);
  }
  if (filter.lesionId !== undefined && columns.has('lesion_id')) {
    where.push('lesion_id = ?');
    params.push(filter.lesionId);
  }
  const sql = `SELECT * FROM ${ENTITY_TABLES[entity]}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id`;
  return (statement(db, sql).all(...params) as Record<string, unknown>[]).map((r) => toRow(entity, r));
}

/** Checks that referenced parents exist and agree (a lesion named by an event belongs to its patient). */
function referenceErrors(db: Database.Database, entity: EntityName, r: EntityRecord): FieldError[] {
  const errors: FieldError[] = [];
  for (const spec of ENTITY_FIELDS[entity]) {
    if (spec.type !== 'reference' || r[spec.name] === null) continue;
    const parent = getRecord(db, spec.references as EntityName, r[spec.name] as number);
    if (!parent) {
      errors.push({ field: spec.name, value: r[spec.name], message: `${spec.label} ${String(r[spec.name])} does not exist` });
      continue;
    }
    if (spec.name === 'lesionId' && r.patientId !== undefined && parent.patientId !== r.patientId) {
      errors.push({ field: 'lesionId', value: r.lesionId, message: `lesion ${String(r.lesionId)} belongs to another patient` });
    }
  }
  // Nothing happens to a patient after death: dated rows must not lie after the date of death.
  const patientId = entity === 'rtCourse' ? (r.lesionId !== null ? getRecord(db, 'lesion', r.lesionId as number)?.patientId : null) : r.patientId;
  const death = typeof patientId === 'number' ? (getRecord(db, 'patient', patientId)?.deathDate as string | null | undefined) : null;
  if (death) {
    for (const spec of ENTITY_FIELDS[entity]) {
      const v = r[spec.name];
      if (spec.type === 'date' && spec.name !== 'lastImagingDate' && typeof v === 'string' && v > death) {
        errors.push({ field: spec.name, value: v, message: `${spec.label} (${v}) is after the patient's date of death (${death})` });
      }
    }
  }
  return errors;
}

/** Turns SQLite constraint failures into messages naming the field. */
function translateConstraint(entity: EntityName, error: unknown, record: EntityRecord): never {
  const message = error instanceof Error ? error.message : String(error);
  const unique = /UNIQUE constraint failed: \w+\.(\w+)(?:, \w+\.(\w+))?/.exec(message);
  if (unique) {
    const column = unique[2] ?? unique[1];
    const spec = ENTITY_FIELDS[entity].find((s) => s.column === column);
    const field = spec?.name ?? column;
    const what = column === 'levels' ? `patient ${String(record.patientId)} already has a lesion at ${String(record.levels)}` : `${spec?.label ?? column} ${JSON.stringify(record[field])} already exists`;
    throw new CohortValidationError(entity, [{ field, value: record[field], message: what }]);
  }
  if (/constraint/i.test(message)) throw new CohortValidationError(entity, [{ field: '(row)', value: null, message }]);
  throw error;
}

export function insertValidated(
  db: Database.Database,
  entity: EntityName,
  record: EntityRecord,
  provenanceId: number,
  who: string,
): CohortRow {
  const specs = ENTITY_FIELDS[entity];
  const cols = [...specs.map((s) => s.column), 'provenance_id'];
  const values = [...specs.map((s) => toColumnValue(s, record[s.name])), provenanceId];
  let id: number;
  try {
    const info = statement(db, `INSERT INTO ${ENTITY_TABLES[entity]} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`)
      .run(...values);
    id = Number(info.lastInsertRowid);
  } catch (error) {
    translateConstraint(entity, error, record);
  }
  const row = requireRecord(db, entity, id);
  audit(db, who, 'insert', entity, id, null, row);
  return row;
}

export function validateForWrite(db: Database.Database, entity: EntityName, input: Record<string, unknown>): EntityRecord {
  const { record, errors } = validateRecord(entity, input);
  if (errors.length === 0) errors.push(...referenceErrors(db, entity, record));
  if (errors.length > 0) throw new CohortValidationError(entity, errors);
  return record;
}

export function createRecord(db: Database.Database, entity: EntityName, input: Record<string, unknown>, options: WriteOptions = {}): CohortRow {
  const who = options.who ?? currentUser();
  return db.transaction(() => {
    const record = validateForWrite(db, entity, input);
    const provenanceId = options.provenanceId ?? manualProvenance(db, who);
    return insertValidated(db, entity, record, provenanceId, who);
  })();
}

/** Applies `changes` (a subset of fields) to row `id`; null clears a field. */
export function updateRecord(
  db: Database.Database,
  entity: EntityName,
  id: number,
  changes: Record<string, unknown>,
  options: WriteOptions = {},
): CohortRow {
  const who = options.who ?? currentUser();
  return db.transaction(() => {
    const before = requireRecord(db, entity, id);
    const merged = { ...fieldsOf(entity, before), ...changes };
    const record = validateForWrite(db, entity, merged);
    const changed = ENTITY_FIELDS[entity].filter((s) => record[s.name] !== before[s.name]);
    if (changed.length === 0) return before;
    try {
      statement(
        db,
        `UPDATE ${ENTITY_TABLES[entity]} SET ${changed.map((s) => `${s.column} = ?`).join(', ')}, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?`,
      ).run(...changed.map((s) => toColumnValue(s, record[s.name])), id);
    } catch (error) {
      translateConstraint(entity, error, record);
    }
    const after = requireRecord(db, entity, id);
    audit(db, who, 'update', entity, id, before, after);
    return after;
  })();
}

// Children removed by ON DELETE CASCADE, audited before they go.
const CHILDREN: Partial<Record<EntityName, Array<{ entity: EntityName; where: string }>>> = {
  patient: [
    { entity: 'rtCourse', where: 'lesion_id IN (SELECT id FROM lesions WHERE patient_id = ?)' },
    { entity: 'event', where: 'patient_id = ?' },
    { entity: 'toxicity', where: 'patient_id = ?' },
    { entity: 'systemicTherapy', where: 'patient_id = ?' },
    { entity: 'lesion', where: 'patient_id = ?' },
  ],
  lesion: [
    { entity: 'rtCourse', where: 'lesion_id = ?' },
    { entity: 'event', where: 'lesion_id = ?' },
    { entity: 'toxicity', where: 'lesion_id = ?' },
  ],
};

/** Deletes row `id` and (by cascade) its children; all of them are audited. Returns rows removed. */
export function deleteRecord(db: Database.Database, entity: EntityName, id: number, options: WriteOptions = {}): number {
  const who = options.who ?? currentUser();
  return db.transaction(() => {
    const before = requireRecord(db, entity, id);
    let removed = 1;
    for (const child of CHILDREN[entity] ?? []) {
      const rows = statement(db, `SELECT * FROM ${ENTITY_TABLES[child.entity]} WHERE ${child.where} ORDER BY id`).all(id) as Record<string, unknown>[];
      for (const raw of rows) audit(db, who, 'delete', child.entity, raw.id as number, toRow(child.entity, raw), null);
      removed += rows.length;
    }
    statement(db, `DELETE FROM ${ENTITY_TABLES[entity]} WHERE id = ?`).run(id);
    audit(db, who, 'delete', entity, id, before, null);
    return removed;
  })();
}

// ---------- study settings ----------


// sharedCopy is read-only (set by identity/studyShare.ts when a shared copy is made); locale is the
// service host's (api/studySession.ts), not stored.
type EditableSettings = Omit<StudySettings, 'sharedCopy' | 'locale'>;
const SETTING_COLUMNS: Record<keyof EditableSettings, string> = {
  title: 'title',
  synthetic: 'synthetic',
  alphaBetaGy: 'alpha_beta_gy',
  concurrencyWindowDays: 'concurrency_window_days',
  firstFailureWindowDays: 'first_failure_window_days',
  timeUnit: 'time_unit',
  sbrtMinDosePerFractionGy: 'sbrt_min_dose_per_fraction_gy',
  sbrtMaxFractions: 'sbrt_max_fractions',
  displayFormat: 'display_format',
};

export function getStudySettings(db: Database.Database): StudySettings {
  const raw = statement(db, 'SELECT * FROM study_settings WHERE id = 1').get() as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(SETTING_COLUMNS)) out[key] = raw[column];
  out.synthetic = raw.synthetic === 1;
  out.sharedCopy = raw.shared_copy === 1;
  return out as unknown as StudySettings;
}

export function updateStudySettings(db: Database.Database, changes: Partial<EditableSettings>, options: WriteOptions = {}): StudySettings {
  const who = options.who ?? currentUser();
  return db.transaction(() => {
    const before = getStudySettings(db);
    const keys = Object.keys(changes) as (keyof EditableSettings)[];
    for (const key of keys) {
      if (!(key in SETTING_COLUMNS)) throw new CohortValidationError('study settings', [{ field: key, value: changes[key], message: `unknown setting "${key}"` }]);
    }
    if (keys.length === 0) return before;
    try {
      statement(
        db,
        `UPDATE study_settings SET ${keys.map((k) => `${SETTING_COLUMNS[k]} = ?`).join(', ')}, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = 1`,
      ).run(...keys.map((k) => (typeof changes[k] === 'boolean' ? (changes[k] ? 1 : 0) : changes[k])));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const key = keys.find((k) => message.includes(SETTING_COLUMNS[k])) ?? keys[0];
      throw new CohortValidationError('study settings', [{ field: key, value: changes[key], message: `invalid value for ${key}: ${message}` }]);
    }
    const after = getStudySettings(db);
    audit(db, who, 'update', 'studySettings', 1, before, after);
    return after;
  })();
}


export function listAudit(db: Database.Database, filter: { entity?: string; entityId?: number; limit?: number } = {}): AuditEntry[] {
  const where: string[] = [];
  const params: (string | number)[] = [];
  if (filter.entity) {
    where.push('entity = ?');
    params.push(filter.entity);
  }
  if (filter.entityId !== undefined) {
    where.push('entity_id = ?');
    params.push(filter.entityId);
  }
  params.push(filter.limit ?? 1000);
  const rows = db
    .prepare(`SELECT * FROM audit_log${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`)
    .all(...params) as Array<Record<string, unknown>>;
  return rows.map((r) => ({
    id: r.id as number,
    at: r.at as string,
    who: r.who as string,
    action: r.action as AuditEntry['action'],
    entity: r.entity as string,
    entityId: r.entity_id as number,
    before: r.before_json ? JSON.parse(r.before_json as string) : null,
    after: r.after_json ? JSON.parse(r.after_json as string) : null,
  }));
}
