// Spreadsheet import: mapped rows → validated cohort rows, all or nothing.
//
// The whole import runs in ONE transaction. Every row of every mapped sheet is converted and
// validated (types, ranges, value maps, dates, parent references, cross-field rules); problems are
// collected as rejected rows (sheet, row, column, value, reason). If any row is rejected — or for a
// preview (dryRun) — the transaction is rolled back, so the study is exactly as before. Rows carry a
// stable source key (mapping name + entity + key column), so re-importing the same rows changes
// nothing (unchanged) and edited rows are updated (audited), never duplicated.
import { createHmac } from 'node:crypto';
import type Database from 'better-sqlite3';
import { parseDateAs } from '../../../shared/domain/calendarDates';
import { AGENT_CLASSES, ENTITY_FIELDS, ENTITY_NAMES, ENTITY_TABLES, validateRecord, type EntityName, type FieldSpec } from '../../../shared/domain/cohortModel';
import {
  CohortValidationError,
  createProvenance,
  currentUser,
  getRecord,
  insertValidated,
  statement,
  updateRecord,
  validateForWrite,
} from '../db/cohortRecords';
import { recordAuditEvent } from '../db/auditEvents';
import { parseTableMapping, type ColumnMapping, type DateFormat, type SheetMapping, type TableMapping } from './tableMapping';
import type { Cell, Sheet, SheetRow, Workbook } from './spreadsheetFile';
import type { ImportReport, RejectedCell, SheetSummary } from '../../../shared/domain/importReport';

export type { ImportReport, RejectedCell, SheetSummary } from '../../../shared/domain/importReport';

export interface ImportOptions {
  dryRun?: boolean;
  who?: string;
  /** Cap on rejected cells listed (all rows are still validated). */
  maxRejected?: number;
  /**
   * The study key (identity/studyKey.ts getOrCreateStudyKey): row keys are HMACs under it, as they
   * were under the in-file secret before migration 6 (same bytes, so re-imports still match).
   */
  studyKey: Buffer;
  /**
   * Called before each row (rows done so far, rows in all sheets): reports progress, and cancels
   * by throwing — inside the transaction, so nothing of the import is kept.
   */
  checkpoint?: (done: number, total: number) => void;
}

class Rollback extends Error {}

const TRUE_WORDS = new Set(['1', 'y', 'yes', 'true', 'ja', 'j', 'checked', 'x', 'present', 'positive']);
const FALSE_WORDS = new Set(['0', 'n', 'no', 'false', 'nein', 'unchecked', 'absent', 'negative']);

/** A date written in `format` → ISO YYYY-MM-DD, or null if it does not fit (shared/domain/calendarDates). */
export function parseDate(value: Cell, format: DateFormat): string | null {
  if (value === null) return null;
  // XLSX date cells arrive as ISO whatever the format; parseDateAs accepts ISO always.
  return parseDateAs(String(value), format);
}

function columnOf(mapping: ColumnMapping): string | undefined {
  return typeof mapping === 'string' ? mapping : mapping.column;
}

/** Converts one raw cell for a field; returns the value for validateRecord or an error reason. */
function convertCell(spec: FieldSpec, raw: Cell, mapping: ColumnMapping, defaultDate: DateFormat): { value: unknown } | { error: string } {
  let value: unknown = raw;
  if (typeof mapping !== 'string' && mapping.constant !== undefined && (raw === null || mapping.column === undefined)) value = mapping.constant;
  if (typeof mapping !== 'string' && mapping.values && value !== null && value !== undefined) {
    const key = String(value).trim();
    const map = mapping.values;
    const hit = Object.prototype.hasOwnProperty.call(map, key)
      ? map[key]
      : Object.entries(map).find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1];
    if (hit !== undefined) value = hit;
  }
  if (value === null || value === undefined || value === '') return { value: null };
  switch (spec.type) {
    case 'date': {
      const format = (typeof mapping !== 'string' && mapping.dateFormat) || defaultDate;
      const iso = parseDate(value as Cell, format);
      return iso ? { value: iso } : { error: `${spec.label}: "${String(value)}" is not a date in format ${format}` };
    }
    case 'boolean': {
      if (typeof value === 'boolean') return { value };
      const word = String(value).trim().toLowerCase();
      if (TRUE_WORDS.has(word)) return { value: true };
      if (FALSE_WORDS.has(word)) return { value: false };
      return { error: `${spec.label}: "${String(value)}" is not yes/no (use 1/0, yes/no, true/false or a value map)` };
    }
    case 'integer':
    case 'number': {
      if (typeof value === 'number') return { value };
      const text = String(value).trim().replace(/^(-?\d+),(\d+)$/, '$1.$2');
      const n = Number(text);
      return text !== '' && Number.isFinite(n) ? { value: n } : { error: `${spec.label}: "${String(value)}" is not a number` };
    }
    case 'enum': {
      const text = String(value).trim();
      const exact = spec.values?.find((v) => v === text) ?? spec.values?.find((v) => v.toLowerCase() === text.toLowerCase());
      return { value: exact ?? text };
    }
    default:
      return { value: typeof value === 'string' ? value : String(value) };
  }
}

/**
 * Stable source key of a row: mapping name, entity and a keyed hash (HMAC-SHA-256 with the study's
 * pseudonym secret, first 96 bits) of the key cell — so a key column that happens to hold an MRN
 * never lands in the cohort tables, while re-imports still find their rows.
 */
function sourceKey(secret: Buffer, mapping: TableMapping, entity: EntityName, key: string): string {
  return `${mapping.name}:${entity}:${createHmac('sha256', secret).update(key.trim()).digest('hex').slice(0, 24)}`;
}

function findByKey(db: Database.Database, entity: EntityName, key: string): number | null {
  const row = statement(db, `SELECT id FROM ${ENTITY_TABLES[entity]} WHERE source_key = ?`).get(key) as { id: number } | undefined;
  return row?.id ?? null;
}

function findSheet(workbook: Workbook, sheetMapping: SheetMapping): Sheet | null {
  if (sheetMapping.sheet) {
    return workbook.sheets.find((s) => s.name === sheetMapping.sheet) ?? workbook.sheets.find((s) => s.name.toLowerCase() === sheetMapping.sheet?.toLowerCase()) ?? null;
  }
  return workbook.sheets.length === 1 ? workbook.sheets[0] : null;
}

/**
 * Imports `workbook` into the study with `mappingInput` (JSON text or object).
 * Throws MappingError for an unusable mapping; row problems are reported, not thrown.
 */
export function importTable(db: Database.Database, workbook: Workbook, mappingInput: unknown, options: ImportOptions): ImportReport {
  const mapping = parseTableMapping(mappingInput);
  const who = options.who ?? currentUser();
  const dryRun = options.dryRun ?? false;
  const maxRejected = options.maxRejected ?? 1000;
  const rejected: RejectedCell[] = [];
  let rejectedTotal = 0;
  const reject = (r: RejectedCell) => {
    rejectedTotal++;
    if (rejected.length < maxRejected) rejected.push(r);
  };
  const summaries: SheetSummary[] = [];

  // Parents before children, whatever order the mapping lists the sheets in.
  const order = [...mapping.sheets].sort((a, b) => ENTITY_NAMES.indexOf(a.entity) - ENTITY_NAMES.indexOf(b.entity));

  const run = db.transaction(() => {
    let provenanceId: number | null = null;
    const provenance = () => (provenanceId ??= createProvenance(db, { kind: 'spreadsheet', label: workbook.fileName, fingerprint: workbook.fingerprint }, who));
    const seenKeys = new Set<string>();
    const secret = options.studyKey;
    const totalRows = workbook.sheets.reduce((n, s) => n + s.rows.length, 0);
    let rowsDone = 0;

    for (const sheetMapping of order) {
      const sheet = findSheet(workbook, sheetMapping);
      const sheetLabel = sheetMapping.sheet ?? sheet?.name ?? workbook.fileName;
      if (!sheet) {
        reject({ sheet: sheetLabel, row: 0, column: '', value: null, reason: sheetMapping.sheet ? `sheet "${sheetMapping.sheet}" not found in ${workbook.fileName} (sheets: ${workbook.sheets.map((s) => s.name).join(', ')})` : `${workbook.fileName} has several sheets; name one with "sheet"` });
        continue;
      }
      const summary: SheetSummary = { sheet: sheet.name, entity: sheetMapping.entity, rows: sheet.rows.length, inserted: 0, updated: 0, unchanged: 0 };
      summaries.push(summary);
      const needed = [sheetMapping.key, ...Object.values(sheetMapping.columns).map(columnOf)].filter((c): c is string => c !== undefined);
      const missing = [...new Set(needed)].filter((c) => !sheet.headers.includes(c));
      if (missing.length > 0) {
        for (const column of missing) reject({ sheet: sheet.name, row: 1, column, value: null, reason: `column "${column}" not found in the header (columns: ${sheet.headers.join(', ')})` });
        continue;
      }
      for (const row of sheet.rows) {
        options.checkpoint?.(rowsDone++, totalRows);
        importRow(sheetMapping, sheet, row, summary);
      }
    }
    if (rejectedTotal > 0 || dryRun) throw new Rollback();
    // Logged in the import's own transaction (issue 12): the file's hash and counts, never its path.
    if (summaries.some((s) => s.inserted + s.updated > 0)) recordAuditEvent(db, 'import', 'spreadsheet', { fingerprint: workbook.fingerprint, sheets: summaries.map((s) => ({ entity: s.entity, rows: s.rows, inserted: s.inserted, updated: s.updated })) }, who);

    function importRow(sheetMapping: SheetMapping, sheet: Sheet, row: SheetRow, summary: SheetSummary): void {
      const entity = sheetMapping.entity;
      const specs = ENTITY_FIELDS[entity];
      const input: Record<string, unknown> = {};
      const fieldColumn = new Map<string, string>();
      let rowOk = true;
      const fail = (column: string, value: Cell, reason: string) => {
        rowOk = false;
        reject({ sheet: sheet.name, row: row.rowNumber, column, value, reason });
      };

      for (const [field, colMapping] of Object.entries(sheetMapping.columns)) {
        const column = columnOf(colMapping) ?? '(constant)';
        const raw = columnOf(colMapping) !== undefined ? row.cells[column] : null;
        if (field === 'patient' || field === 'lesion') {
          const parent: EntityName = field;
          const idField = field === 'patient' ? 'patientId' : 'lesionId';
          fieldColumn.set(idField, column);
          if (raw === null) continue;
          const by = typeof colMapping !== 'string' ? colMapping.by : undefined;
          let id: number | null;
          if (by === 'pseudonym' && parent === 'patient') {
            id = (statement(db, 'SELECT id FROM patients WHERE pseudonym = ?').get(String(raw)) as { id: number } | undefined)?.id ?? null;
          } else {
            id = findByKey(db, parent, sourceKey(secret, mapping, parent, String(raw)));
          }
          if (id === null) fail(column, raw, `${parent} "${String(raw)}" not found (no ${parent} with this ${by === 'pseudonym' ? 'pseudonym' : 'key'} in this import or the study)`);
          else input[idField] = id;
          continue;
        }
        const spec = specs.find((s) => s.name === field) as FieldSpec;
        fieldColumn.set(field, column);
        const converted = convertCell(spec, raw, colMapping, mapping.dateFormat);
        if ('error' in converted) fail(column, raw, converted.error);
        else input[field] = converted.value;
      }
      // An event/toxicity row naming only its lesion belongs to that lesion's patient.
      if (input.lesionId !== undefined && input.patientId === undefined && specs.some((s) => s.name === 'patientId')) {
        input.patientId = getRecord(db, 'lesion', input.lesionId as number)?.patientId;
      }
      if (entity === 'systemicTherapy' && (input.drugClass === undefined || input.drugClass === null) && typeof input.agent === 'string') {
        input.drugClass = AGENT_CLASSES[input.agent.toLowerCase()] ?? 'other';
        if (AGENT_CLASSES[input.agent.toLowerCase()]) input.agent = input.agent.toLowerCase();
      }
      const keyColumn = sheetMapping.key;
      const keyValue = keyColumn ? row.cells[keyColumn] : (input.pseudonym as string | undefined);
      if (keyValue === null || keyValue === undefined || String(keyValue).trim() === '') {
        fail(keyColumn ?? fieldColumn.get('pseudonym') ?? '', null, `the row key ${keyColumn ? `(column "${keyColumn}") ` : ''}is empty`);
        return;
      }
      const key = sourceKey(secret, mapping, entity, String(keyValue).trim());
      if (seenKeys.has(key)) {
        fail(keyColumn ?? '', keyValue, `key "${String(keyValue)}" appears more than once in this import`);
        return;
      }
      seenKeys.add(key);
      if (!rowOk) {
        // Still report the row's other problems, so one pass over the report fixes the sheet.
        const failed = new Set(rejected.filter((r) => r.sheet === sheet.name && r.row === row.rowNumber).map((r) => r.column));
        for (const e of validateRecord(entity, input).errors) {
          const column = fieldColumn.get(e.field);
          if (column && !failed.has(column) && e.field !== 'patientId' && e.field !== 'lesionId') fail(column, (e.value ?? null) as Cell, e.message);
        }
        return;
      }
      input.sourceKey = key;
      input.sourceLocator = `${workbook.fileName} ${sheet.name} row ${row.rowNumber}`;

      try {
        const existing = findByKey(db, entity, key);
        if (existing === null) {
          insertValidated(db, entity, validateForWrite(db, entity, input), provenance(), who);
          summary.inserted++;
        } else {
          const before = getRecord(db, entity, existing);
          const changes: Record<string, unknown> = {};
          for (const spec of specs) {
            if (spec.name === 'sourceLocator') continue;
            if (spec.name in input) changes[spec.name] = input[spec.name];
          }
          const after = updateRecord(db, entity, existing, changes, { who });
          if (after.updatedAt === before?.updatedAt && JSON.stringify(after) === JSON.stringify(before)) summary.unchanged++;
          else summary.updated++;
        }
      } catch (error) {
        if (!(error instanceof CohortValidationError)) throw error;
        for (const e of error.errors) {
          const column = fieldColumn.get(e.field) ?? (e.field === 'sourceKey' ? (keyColumn ?? '') : e.field);
          const value = e.value === undefined ? null : (e.value as Cell);
          fail(column, value, e.message);
        }
      }
    }
  });

  let committed = false;
  try {
    run();
    committed = true;
  } catch (error) {
    if (!(error instanceof Rollback)) throw error;
  }
  const totals = summaries.reduce((t, s) => ({ inserted: t.inserted + s.inserted, updated: t.updated + s.updated, unchanged: t.unchanged + s.unchanged }), { inserted: 0, updated: 0, unchanged: 0 });
  const rowCount = summaries.reduce((n, s) => n + s.rows, 0);
  const message = rejectedTotal > 0
    ? `${rejectedTotal} problem(s) in ${new Set(rejected.map((r) => `${r.sheet}:${r.row}`)).size} row(s); nothing was imported`
    : dryRun
      ? `${rowCount} row(s) valid: would insert ${totals.inserted}, update ${totals.updated}, leave ${totals.unchanged} unchanged`
      : `${rowCount} row(s) imported: ${totals.inserted} inserted, ${totals.updated} updated, ${totals.unchanged} unchanged`;
  if (dryRun || !committed) for (const s of summaries) if (rejectedTotal > 0) Object.assign(s, { inserted: 0, updated: 0, unchanged: 0 });
  return { file: workbook.fileName, dryRun, committed, sheets: summaries, rejected, message };
}
