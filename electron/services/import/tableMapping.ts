// The mapping from spreadsheet columns to cohort fields (saved as JSON, reusable).
//
// {
//   "name": "redcap-rcc",                 // prefixes every source key: "redcap-rcc:patient:<hash>"
//   "dateFormat": "YYYY-MM-DD",           // default for date fields
//   "sheets": [
//     { "sheet": "patients", "entity": "patient", "key": "record_id",
//       "columns": {
//         "pseudonym": "study_id",
//         "sex": { "column": "sex", "values": { "1": "M", "2": "F" } },
//         "lastFollowupDate": { "column": "last_fu", "dateFormat": "DD.MM.YYYY" } } },
//     { "sheet": "lesions", "entity": "lesion", "key": "lesion_id",
//       "columns": { "patient": "record_id", "levels": "levels", "sins": "sins_total" } },
//     { "sheet": "events", "entity": "event", "key": "event_id",
//       "columns": { "patient": "record_id", "lesion": "lesion_id", "type": { "column": "ev", "values": {"1": "local_progression"} } } }
//   ]
// }
//
// - `sheet`: the XLSX worksheet name; for a CSV file omit it (or give the file's base name).
// - `key`: the column holding a stable row id; the row's source key is `${name}:${entity}:` plus a
//   keyed hash of the value (tableImport.ts), which makes re-import idempotent without storing the
//   raw id. For patients it may be omitted (the pseudonym is the key).
// - Parent references: `patient` / `lesion` name the column holding the parent's key as written in
//   the parent sheet's key column (or, with `"by": "pseudonym"`, the patient's pseudonym).
// - A column mapping is either a header name or { column, values?, dateFormat?, constant? };
//   `constant` gives the value for every row (e.g. an events sheet holding only deaths).
//
// Linkage by hospital ID (issue 11; DICOM-imported patients carry no readable ID, only a keyed hash):
//     { "sheet": "patients", "entity": "patient", "issuer": "HOSP-A", "createMissing": false,
//       "columns": { "sourcePatientId": "MRN", "ecog": "ecog" } },
//     { "sheet": "followup", "entity": "event", "key": "event_id", "rtStartDate": "rt_start",
//       "columns": { "patient": { "column": "MRN", "by": "sourcePatientId" },
//                    "lesion": { "column": "levels", "by": "levels" }, "type": "event", "date": "date" } }
// - `sourcePatientId` (patient sheets) names the hospital ID column; `by: "sourcePatientId"` (child
//   sheets) references the patient by it. The ID is hashed with the study key exactly as the DICOM
//   import hashes it (identity/patientLink.ts), matched to the study's patients and never stored.
// - `issuer` (sheet or mapping level, default "") is the Issuer of Patient ID the DICOM files carry.
// - An ID that matches no patient rejects the row, unless `createMissing: true` (patient sheets;
//   sheet or mapping level): the new patient's pseudonym comes from the keyed hash, never the ID.
// - A linked patient sheet needs no `key` and must not map `pseudonym` (the patient has one); no
//   sheet may map a hospital-ID column (shared/domain/hospitalIdColumns.ts) as the pseudonym.
// - `by: "levels"` finds the lesion among the row's patient's lesions by its vertebral levels; with
//   `rtStartDate` (a column) the lesion must also have an RT course starting that day. A lesion sheet
//   whose patient is linked matches its lesions the same way (patient + levels [+ RT start]).
import { z } from 'zod';
import { ENTITY_FIELDS, ENTITY_NAMES, type EntityName } from '../../../shared/domain/cohortModel';
import { isHospitalIdHeader } from '../../../shared/domain/hospitalIdColumns';

import { DATE_FORMATS, type DateFormat } from '../../../shared/domain/calendarDates';

// One list of date formats (shared/domain/calendarDates): the DICOM review accepts the same.
export { DATE_FORMATS, type DateFormat };

const columnMapping = z.union([
  z.string().min(1),
  z
    .object({
      column: z.string().min(1).optional(),
      values: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
      dateFormat: z.enum(DATE_FORMATS).optional(),
      constant: z.union([z.string(), z.number(), z.boolean()]).optional(),
      by: z.enum(['key', 'pseudonym', 'sourcePatientId', 'levels']).optional(),
    })
    .strict()
    .refine((m) => m.column !== undefined || m.constant !== undefined, { message: 'give "column" or "constant"' }),
]);

const sheetMapping = z
  .object({
    sheet: z.string().min(1).optional(),
    entity: z.enum(ENTITY_NAMES as [EntityName, ...EntityName[]]),
    key: z.string().min(1).optional(),
    issuer: z.string().max(64).optional(),
    createMissing: z.boolean().optional(),
    rtStartDate: z.string().min(1).optional(),
    columns: z.record(z.string(), columnMapping),
  })
  .strict();

export const tableMappingSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_.-]{1,40}$/, 'letters, digits, _ . - only (max 40)').default('import'),
    dateFormat: z.enum(DATE_FORMATS).default('YYYY-MM-DD'),
    issuer: z.string().max(64).optional(),
    createMissing: z.boolean().optional(),
    sheets: z.array(sheetMapping).min(1),
  })
  .strict();

export type TableMapping = z.output<typeof tableMappingSchema>;
export type SheetMapping = TableMapping['sheets'][number];
export type ColumnMapping = z.output<typeof columnMapping>;

/** The mapping key of a patient sheet's hospital ID column (hashed, never stored). */
export const HOSPITAL_ID_FIELD = 'sourcePatientId';

/** Fields a mapping may name for an entity: its own fields minus ids, plus parent references. */
export function mappableFields(entity: EntityName): string[] {
  const own = ENTITY_FIELDS[entity].filter((s) => s.type !== 'reference' && s.name !== 'sourceKey' && s.name !== 'sourceLocator').map((s) => s.name);
  const refs = ENTITY_FIELDS[entity].filter((s) => s.type === 'reference').map((s) => (s.name === 'patientId' ? 'patient' : 'lesion'));
  return [...refs, ...(entity === 'patient' ? [HOSPITAL_ID_FIELD] : []), ...own];
}

function columnOfMapping(mapping: ColumnMapping | undefined): string | undefined {
  return mapping === undefined ? undefined : typeof mapping === 'string' ? mapping : mapping.column;
}

function byOf(mapping: ColumnMapping | undefined): string | undefined {
  return mapping !== undefined && typeof mapping !== 'string' ? mapping.by : undefined;
}

/** How a sheet's rows find their patient by hospital ID, if they do. */
export function hospitalIdLinkOf(mapping: TableMapping, sheet: SheetMapping): { issuer: string; createMissing: boolean } | null {
  const linked = sheet.entity === 'patient' ? sheet.columns[HOSPITAL_ID_FIELD] !== undefined : byOf(sheet.columns.patient) === 'sourcePatientId';
  if (!linked) return null;
  return { issuer: sheet.issuer ?? mapping.issuer ?? '', createMissing: sheet.createMissing ?? mapping.createMissing ?? false };
}

/** Whether any sheet of the mapping links patients by hospital ID (needs the study key). */
export function usesHospitalIds(mapping: TableMapping): boolean {
  return mapping.sheets.some((sheet) => hospitalIdLinkOf(mapping, sheet) !== null);
}

/** Rules between entries of one sheet that the schema cannot express; throws MappingError. */
function checkLinkage(mapping: TableMapping, sheet: SheetMapping, i: number): void {
  const at = `mapping at sheets.${i}`;
  const idMapping = sheet.columns[HOSPITAL_ID_FIELD];
  if (idMapping !== undefined && (typeof idMapping !== 'string' && (idMapping.column === undefined || idMapping.constant !== undefined || idMapping.values !== undefined))) {
    throw new MappingError(`${at}.columns.${HOSPITAL_ID_FIELD}: name the hospital ID column only ("${HOSPITAL_ID_FIELD}": "<column>")`);
  }
  const pseudonymColumn = columnOfMapping(sheet.columns.pseudonym);
  if (pseudonymColumn !== undefined && isHospitalIdHeader(pseudonymColumn)) {
    throw new MappingError(
      `${at}.columns.pseudonym: column "${pseudonymColumn}" holds a hospital ID, which must not be stored as a pseudonym; map it as "${HOSPITAL_ID_FIELD}": "${pseudonymColumn}" (the ID is then hashed with the study key and never stored)`,
    );
  }
  if (idMapping !== undefined && sheet.columns.pseudonym !== undefined) {
    throw new MappingError(`${at}: a sheet linked by "${HOSPITAL_ID_FIELD}" must not map "pseudonym" (the patient's pseudonym comes from the keyed hash)`);
  }
  for (const [field, m] of Object.entries(sheet.columns)) {
    const by = byOf(m);
    if (by === 'sourcePatientId' && field !== 'patient') throw new MappingError(`${at}.columns.${field}: "by": "sourcePatientId" is for the "patient" reference only`);
    if (by === 'levels' && field !== 'lesion') throw new MappingError(`${at}.columns.${field}: "by": "levels" is for the "lesion" reference only`);
    if (by === 'levels' && sheet.columns.patient === undefined) throw new MappingError(`${at}.columns.lesion: "by": "levels" needs the sheet's "patient" reference (levels are looked up among that patient's lesions)`);
  }
  const linked = hospitalIdLinkOf(mapping, sheet) !== null;
  const byLevels = byOf(sheet.columns.lesion) === 'levels' || (sheet.entity === 'lesion' && linked);
  if (sheet.rtStartDate !== undefined && !byLevels) {
    throw new MappingError(`${at}: "rtStartDate" is used only to find lesions by levels (a "lesion" reference with "by": "levels", or a lesion sheet linked by hospital ID)`);
  }
  if ((sheet.createMissing !== undefined || sheet.issuer !== undefined) && !linked) {
    throw new MappingError(`${at}: "issuer" and "createMissing" apply to sheets linked by hospital ID ("${HOSPITAL_ID_FIELD}" or "by": "sourcePatientId")`);
  }
  if (sheet.createMissing && sheet.entity !== 'patient') {
    throw new MappingError(`${at}: "createMissing" applies to patient sheets only (child rows need an existing patient)`);
  }
}

/** Parses and checks a mapping (JSON text or object); the message names the wrong entry. */
export function parseTableMapping(input: unknown): TableMapping {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (error) {
      throw new MappingError(`mapping is not valid JSON: ${(error as Error).message}`);
    }
  }
  const parsed = tableMappingSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new MappingError(`mapping ${issue.path.length ? `at ${issue.path.join('.')}` : ''}: ${issue.message}`.replace('mapping :', 'mapping:'));
  }
  const mapping = parsed.data;
  mapping.sheets.forEach((sheet, i) => {
    const allowed = mappableFields(sheet.entity);
    for (const field of Object.keys(sheet.columns)) {
      if (!allowed.includes(field)) {
        throw new MappingError(`mapping at sheets.${i}.columns: "${field}" is not a field of ${sheet.entity} (fields: ${allowed.join(', ')})`);
      }
    }
    checkLinkage(mapping, sheet, i);
    const naturalKey = sheet.entity === 'patient' || (sheet.entity === 'lesion' && hospitalIdLinkOf(mapping, sheet) !== null);
    if (!sheet.key && !naturalKey) {
      throw new MappingError(`mapping at sheets.${i}: "key" (the column with a stable row id) is required for ${sheet.entity} rows`);
    }
  });
  return mapping;
}

export class MappingError extends Error {}
