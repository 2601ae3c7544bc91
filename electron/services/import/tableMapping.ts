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
import { z } from 'zod';
import { ENTITY_FIELDS, ENTITY_NAMES, type EntityName } from '../../../shared/domain/cohortModel';

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
      by: z.enum(['key', 'pseudonym']).optional(),
    })
    .strict()
    .refine((m) => m.column !== undefined || m.constant !== undefined, { message: 'give "column" or "constant"' }),
]);

const sheetMapping = z
  .object({
    sheet: z.string().min(1).optional(),
    entity: z.enum(ENTITY_NAMES as [EntityName, ...EntityName[]]),
    key: z.string().min(1).optional(),
    columns: z.record(z.string(), columnMapping),
  })
  .strict();

export const tableMappingSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_.-]{1,40}$/, 'letters, digits, _ . - only (max 40)').default('import'),
    dateFormat: z.enum(DATE_FORMATS).default('YYYY-MM-DD'),
    sheets: z.array(sheetMapping).min(1),
  })
  .strict();

export type TableMapping = z.output<typeof tableMappingSchema>;
export type SheetMapping = TableMapping['sheets'][number];
export type ColumnMapping = z.output<typeof columnMapping>;

/** Fields a mapping may name for an entity: its own fields minus ids, plus parent references. */
export function mappableFields(entity: EntityName): string[] {
  const own = ENTITY_FIELDS[entity].filter((s) => s.type !== 'reference' && s.name !== 'sourceKey' && s.name !== 'sourceLocator').map((s) => s.name);
  const refs = ENTITY_FIELDS[entity].filter((s) => s.type === 'reference').map((s) => (s.name === 'patientId' ? 'patient' : 'lesion'));
  return [...refs, ...own];
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
    if (!sheet.key && sheet.entity !== 'patient') {
      throw new MappingError(`mapping at sheets.${i}: "key" (the column with a stable row id) is required for ${sheet.entity} rows`);
    }
  });
  return mapping;
}

export class MappingError extends Error {}
