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
import { levelsToStorage, parseLesionLevels } from '../../../shared/domain/vertebralLevels';
import { pseudonymFor } from '../dicom/dicomIndex';
import { recordAuditEvent } from '../db/auditEvents';
import { findPatientByHospitalId, hospitalIdHash, linkHospitalIdHash } from '../identity/patientLink';
import { assertIdentifiedImportAllowed } from '../identity/sharedCopy';
import { HOSPITAL_ID_FIELD, hospitalIdLinkOf, parseTableMapping, usesHospitalIds, type ColumnMapping, type DateFormat, type SheetMapping, type TableMapping } from './tableMapping';
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

export const NO_PATIENT_WITH_HOSPITAL_ID = 'no patient in this study has this hospital ID';

/** Mapping fields in processing order: the patient reference, then the lesion (found among its lesions), then the rest. */
function fieldRank(field: string): number {
  return field === HOSPITAL_ID_FIELD || field === 'patient' ? 0 : field === 'lesion' ? 1 : 2;
}

function findLesionId(db: Database.Database, patientId: number, levels: unknown): number | null {
  if (typeof levels !== 'string') return null;
  const parsed = parseLesionLevels(levels);
  if (!parsed.ok) return null;
  const row = statement(db, 'SELECT id FROM lesions WHERE patient_id = ? AND levels = ?').get(patientId, levelsToStorage(parsed.levels)) as { id: number } | undefined;
  return row?.id ?? null;
}

/** A lesion of `patientId` at the levels written in `raw` (and with an RT course starting on `rtStart`, when given). */
function findLesionByLevels(db: Database.Database, patientId: number, raw: Cell, rtStart: Cell, dateFormat: DateFormat): { id: number } | { error: string } {
  const parsed = parseLesionLevels(String(raw));
  if (!parsed.ok) return { error: `vertebral levels: ${parsed.error}` };
  const id = findLesionId(db, patientId, String(raw));
  if (id === null) return { error: `this patient has no lesion at ${parsed.levels.join(', ')}` };
  const problem = rtStartMismatch(db, id, parsed.levels, rtStart, dateFormat);
  return problem ? { error: problem } : { id };
}

/** Why lesion `lesionId` does not fit the RT start date of the row (null when it fits or none is given). */
function rtStartMismatch(db: Database.Database, lesionId: number, levels: readonly string[], rtStart: Cell, dateFormat: DateFormat): string | null {
  if (rtStart === null || rtStart === undefined || String(rtStart).trim() === '') return null;
  const start = parseDate(rtStart, dateFormat);
  if (!start) return `RT start date "${String(rtStart)}" is not a date in format ${dateFormat}`;
  const course = statement(db, 'SELECT 1 FROM rt_courses WHERE lesion_id = ? AND start_date = ?').get(lesionId, start);
  return course ? null : `this patient's lesion at ${levels.join(', ')} has no RT course starting ${start}`;
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
  if (usesHospitalIds(mapping)) assertIdentifiedImportAllowed(db, 'Linking spreadsheet rows by hospital ID');
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
    // Keyed (study key) so a key column holding an MRN never lands in the study in clear.
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
      const needed = [sheetMapping.key, sheetMapping.rtStartDate, ...Object.values(sheetMapping.columns).map(columnOf)].filter((c): c is string => c !== undefined);
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
      const link = hospitalIdLinkOf(mapping, sheetMapping);
      const input: Record<string, unknown> = {};
      const fieldColumn = new Map<string, string>();
      let rowOk = true;
      const fail = (column: string, value: Cell, reason: string) => {
        rowOk = false;
        reject({ sheet: sheet.name, row: row.rowNumber, column, value, reason });
      };
      // The row's hospital ID, hashed (patient sheets: their ID column; child sheets: the reference).
      let hospitalHash: string | null = null;
      let linkedPatientId: number | null = null;
      let newPseudonym: string | null = null;

      // Parent references first (a lesion found by levels needs the row's patient), then fields.
      const entries = Object.entries(sheetMapping.columns).sort(([a], [b]) => fieldRank(a) - fieldRank(b));
      for (const [field, colMapping] of entries) {
        const column = columnOf(colMapping) ?? '(constant)';
        const raw = columnOf(colMapping) !== undefined ? row.cells[column] : null;
        const by = typeof colMapping !== 'string' ? colMapping.by : undefined;
        if (field === HOSPITAL_ID_FIELD || (field === 'patient' && by === 'sourcePatientId')) {
          fieldColumn.set(field === 'patient' ? 'patientId' : HOSPITAL_ID_FIELD, column);
          // The ID itself never enters the report's value (the report is printed and may be kept).
          const found = lookUpHospitalId(raw, link?.issuer ?? '');
          if (!found) {
            if (field === HOSPITAL_ID_FIELD) fail(column, null, 'the hospital ID is empty');
            continue;
          }
          ({ hash: hospitalHash, patientId: linkedPatientId, pseudonym: newPseudonym } = found);
          if (field === 'patient') {
            if (linkedPatientId === null) fail(column, null, NO_PATIENT_WITH_HOSPITAL_ID);
            else input.patientId = linkedPatientId;
          } else if (linkedPatientId === null && !link?.createMissing) {
            fail(column, null, `${NO_PATIENT_WITH_HOSPITAL_ID} (add "createMissing": true to the mapping to create new patients)`);
          }
          continue;
        }
        if (field === 'patient' || field === 'lesion') {
          const parent: EntityName = field;
          const idField = field === 'patient' ? 'patientId' : 'lesionId';
          fieldColumn.set(idField, column);
          if (raw === null) continue;
          let id: number | null;
          if (by === 'levels') {
            if (input.patientId === undefined) continue; // the patient reference already failed or is empty
            const found = findLesionByLevels(db, input.patientId as number, raw, sheetMapping.rtStartDate ? row.cells[sheetMapping.rtStartDate] : null, mapping.dateFormat);
            if ('error' in found) fail(column, raw, found.error);
            else input.lesionId = found.id;
            continue;
          }
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
      const identity = rowIdentity(sheetMapping, row, input, hospitalHash);
      if ('error' in identity) {
        fail(identity.column, null, identity.error);
        return;
      }
      const key = identity.hashed ?? sourceKey(secret, mapping, entity, identity.text);
      if (seenKeys.has(key)) {
        // A hospital ID is not echoed (see above); other keys are the sheet's own row ids.
        fail(identity.column, identity.hashed ? null : identity.text, identity.hashed ? 'this hospital ID appears more than once in this sheet' : `key "${identity.text}" appears more than once in this import`);
        return;
      }
      seenKeys.add(key);
      if (!rowOk) {
        // Still report the row's other problems, so one pass over the report fixes the sheet.
        const failed = new Set(rejected.filter((r) => r.sheet === sheet.name && r.row === row.rowNumber).map((r) => r.column));
        for (const e of validateRecord(entity, input).errors) {
          const column = fieldColumn.get(e.field);
          if (column && !failed.has(column) && e.field !== 'patientId' && e.field !== 'lesionId' && e.field !== 'pseudonym') fail(column, (e.value ?? null) as Cell, e.message);
        }
        return;
      }
      // Linked rows update the patient/lesion they matched (keeping its own source key); new ones
      // get a key from the keyed hash (and, for a patient, the pseudonym the DICOM import would give).
      let existing: number | null;
      if (entity === 'patient' && link) {
        existing = linkedPatientId;
        if (existing === null) input.pseudonym = newPseudonym;
      } else if (entity === 'lesion' && link) {
        existing = input.patientId === undefined ? null : findLesionId(db, input.patientId as number, input.levels);
        // The patient's lesion at these levels must be the one treated on the given RT start date.
        const levels = typeof input.levels === 'string' ? parseLesionLevels(input.levels) : null;
        const mismatch = existing !== null && sheetMapping.rtStartDate && levels?.ok ? rtStartMismatch(db, existing, levels.levels, row.cells[sheetMapping.rtStartDate], mapping.dateFormat) : null;
        if (mismatch) {
          fail(fieldColumn.get('levels') ?? '', (input.levels as Cell) ?? null, mismatch);
          return;
        }
      } else {
        existing = findByKey(db, entity, key);
      }
      const keepOwnKey = existing !== null && (entity === 'patient' || entity === 'lesion') && link !== null;
      if (!keepOwnKey) input.sourceKey = key;
      input.sourceLocator = `${workbook.fileName} ${sheet.name} row ${row.rowNumber}`;

      try {
        if (existing === null) {
          const created = insertValidated(db, entity, validateForWrite(db, entity, input), provenance(), who);
          // The link row (hash only) lets child sheets, re-imports and later DICOM scans find the patient.
          if (entity === 'patient' && link && hospitalHash) linkHospitalIdHash(db, created.id, hospitalHash);
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
          const column = fieldColumn.get(e.field) ?? (e.field === 'sourceKey' ? (sheetMapping.key ?? '') : e.field);
          const value = e.value === undefined || e.field === 'pseudonym' ? null : (e.value as Cell);
          fail(column, value, e.message);
        }
      }
    }

    /**
     * A hospital ID cell → its keyed hash (identity/patientLink.ts), the study patient it names (or
     * null) and the pseudonym a new patient would get (as the DICOM import gives it); null if empty.
     */
    function lookUpHospitalId(raw: Cell, issuer: string): { hash: string; patientId: number | null; pseudonym: string } | null {
      const id = raw === null ? '' : String(raw).trim();
      if (id === '') return null;
      return { hash: hospitalIdHash(secret, issuer, id), patientId: findPatientByHospitalId(db, secret, issuer, id), pseudonym: pseudonymFor(secret, issuer, id) };
    }

    /** The row's identity: its key column, its pseudonym (patients), or its hashed hospital ID / levels (linked rows). */
    function rowIdentity(sheetMapping: SheetMapping, row: SheetRow, input: Record<string, unknown>, hospitalHash: string | null): { text: string; hashed: string | null; column: string } | { error: string; column: string } {
      const entity = sheetMapping.entity;
      const keyColumn = sheetMapping.key;
      const linked = hospitalIdLinkOf(mapping, sheetMapping) !== null;
      if (keyColumn) {
        const value = row.cells[keyColumn];
        if (value === null || value === undefined || String(value).trim() === '') return { error: `the row key (column "${keyColumn}") is empty`, column: keyColumn };
        return { text: String(value).trim(), hashed: null, column: keyColumn };
      }
      if (entity === 'patient' && linked) {
        const column = columnOf(sheetMapping.columns[HOSPITAL_ID_FIELD]) ?? '';
        return hospitalHash ? { text: '', hashed: `${mapping.name}:patient:${hospitalHash.slice(0, 24)}`, column } : { error: 'the hospital ID is empty', column };
      }
      if (entity === 'lesion' && linked) {
        const column = columnOf(sheetMapping.columns.levels) ?? '';
        const levels = typeof input.levels === 'string' ? parseLesionLevels(input.levels) : null;
        if (!hospitalHash || !levels?.ok) return { text: '', hashed: `${mapping.name}:lesion:unresolved:${row.rowNumber}`, column };
        const mac = createHmac('sha256', secret).update(`${hospitalHash}\u001f${levelsToStorage(levels.levels)}`).digest('hex').slice(0, 24);
        return { text: '', hashed: `${mapping.name}:lesion:${mac}`, column };
      }
      const pseudonym = input.pseudonym as string | undefined;
      const column = columnOf(sheetMapping.columns.pseudonym) ?? '';
      if (pseudonym === undefined || pseudonym === null || String(pseudonym).trim() === '') return { error: 'the row key is empty', column };
      return { text: String(pseudonym).trim(), hashed: null, column };
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
