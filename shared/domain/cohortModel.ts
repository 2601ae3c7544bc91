// The cohort's entities and their fields, declared once: the database layer, the spreadsheet
// import, the API schemas and the UI grid all read these specs, so a field's type, range and
// label are defined in one place (schema CHECKs in migration 0001 mirror them).
import { isIsoDate } from './calendarDates';
import { parseLesionLevels } from './vertebralLevels';

export type EntityName = 'patient' | 'lesion' | 'rtCourse' | 'systemicTherapy' | 'event' | 'toxicity';
export const ENTITY_NAMES: readonly EntityName[] = ['patient', 'lesion', 'rtCourse', 'systemicTherapy', 'event', 'toxicity'];

export const ENTITY_TABLES: Record<EntityName, string> = {
  patient: 'patients',
  lesion: 'lesions',
  rtCourse: 'rt_courses',
  systemicTherapy: 'systemic_therapies',
  event: 'events',
  toxicity: 'toxicities',
};

export type FieldType = 'text' | 'integer' | 'number' | 'date' | 'boolean' | 'enum' | 'levels' | 'reference';

export interface FieldSpec {
  name: string;
  column: string;
  label: string;
  type: FieldType;
  required?: boolean;
  min?: number;
  max?: number;
  /** Exclusive lower bound (dose > 0). */
  above?: number;
  values?: readonly string[];
  /** For 'reference': the parent entity. */
  references?: EntityName;
}

export const SEXES = ['M', 'F', 'O', 'U'] as const;
export const VITAL_STATUSES = ['alive', 'dead', 'unknown'] as const;
export const TECHNIQUES = ['SBRT', '3D', 'IMRT', 'VMAT', 'other'] as const;
export const DRUG_CLASSES = ['VEGF-TKI', 'mTOR inhibitor', 'immune checkpoint inhibitor', 'other'] as const;
export const EVENT_TYPES = ['local_progression', 'systemic_progression', 'death'] as const;
export const SPINO_CRITERIA = ['tumour_growth', 'epidural_progression', 'neurological_deterioration'] as const;
export const ATTRIBUTIONS = ['unrelated', 'unlikely', 'possible', 'probable', 'definite'] as const;

/** Known agents → class, used to propose the class when only the agent is given. */
export const AGENT_CLASSES: Record<string, (typeof DRUG_CLASSES)[number]> = {
  sunitinib: 'VEGF-TKI', sorafenib: 'VEGF-TKI', pazopanib: 'VEGF-TKI', axitinib: 'VEGF-TKI',
  cabozantinib: 'VEGF-TKI', lenvatinib: 'VEGF-TKI', tivozanib: 'VEGF-TKI', bevacizumab: 'other',
  temsirolimus: 'mTOR inhibitor', everolimus: 'mTOR inhibitor',
  nivolumab: 'immune checkpoint inhibitor', ipilimumab: 'immune checkpoint inhibitor',
  pembrolizumab: 'immune checkpoint inhibitor', avelumab: 'immune checkpoint inhibitor',
};

/**
 * Required fields a spreadsheet import fills itself when the mapping leaves them out (the rule is in
 * electron/services/import/tableImport.ts): the drug class from the agent (AGENT_CLASSES, else
 * "other"). The spreadsheet wizard reads this so it does not demand a column the service derives.
 */
export const DERIVED_ON_IMPORT: Partial<Record<EntityName, readonly string[]>> = { systemicTherapy: ['drugClass'] };

const common: FieldSpec[] = [
  { name: 'sourceKey', column: 'source_key', label: 'source key', type: 'text' },
  { name: 'sourceLocator', column: 'source_locator', label: 'source locator', type: 'text' },
];

export const ENTITY_FIELDS: Record<EntityName, readonly FieldSpec[]> = {
  patient: [
    { name: 'pseudonym', column: 'pseudonym', label: 'pseudonym', type: 'text', required: true },
    { name: 'sex', column: 'sex', label: 'sex', type: 'enum', values: SEXES },
    { name: 'birthYear', column: 'birth_year', label: 'birth year', type: 'integer', min: 1880, max: 2200 },
    { name: 'ageAtFirstRt', column: 'age_at_first_rt', label: 'age at first RT', type: 'number', min: 0, max: 130 },
    { name: 'histology', column: 'histology', label: 'histology', type: 'text' },
    { name: 'ecog', column: 'ecog', label: 'ECOG PS', type: 'integer', min: 0, max: 4 },
    { name: 'vitalStatus', column: 'vital_status', label: 'vital status', type: 'enum', values: VITAL_STATUSES },
    { name: 'deathDate', column: 'death_date', label: 'date of death', type: 'date' },
    { name: 'lastFollowupDate', column: 'last_followup_date', label: 'date of last follow-up', type: 'date' },
    ...common,
  ],
  lesion: [
    { name: 'patientId', column: 'patient_id', label: 'patient', type: 'reference', references: 'patient', required: true },
    { name: 'levels', column: 'levels', label: 'vertebral levels', type: 'levels', required: true },
    { name: 'sins', column: 'sins', label: 'SINS', type: 'integer', min: 0, max: 18 },
    { name: 'cordCompression', column: 'cord_compression', label: 'cord compression', type: 'boolean' },
    { name: 'epiduralDisease', column: 'epidural_disease', label: 'epidural disease', type: 'boolean' },
    { name: 'priorIrradiation', column: 'prior_irradiation', label: 'prior irradiation', type: 'boolean' },
    { name: 'imagingCt', column: 'imaging_ct', label: 'pre-RT CT', type: 'boolean' },
    { name: 'imagingMri', column: 'imaging_mri', label: 'pre-RT MRI', type: 'boolean' },
    { name: 'imagingPet', column: 'imaging_pet', label: 'pre-RT PET', type: 'boolean' },
    { name: 'painPre', column: 'pain_pre', label: 'pain score before RT (NRS)', type: 'integer', min: 0, max: 10 },
    { name: 'painPost', column: 'pain_post', label: 'pain score 1 month after RT (NRS)', type: 'integer', min: 0, max: 10 },
    { name: 'lastImagingDate', column: 'last_imaging_date', label: 'date of last imaging', type: 'date' },
    ...common,
  ],
  rtCourse: [
    { name: 'lesionId', column: 'lesion_id', label: 'lesion', type: 'reference', references: 'lesion', required: true },
    { name: 'startDate', column: 'start_date', label: 'RT start date', type: 'date', required: true },
    { name: 'endDate', column: 'end_date', label: 'RT end date', type: 'date' },
    { name: 'totalDoseGy', column: 'total_dose_gy', label: 'total dose (Gy)', type: 'number', above: 0, max: 200, required: true },
    { name: 'fractionsPlanned', column: 'fractions_planned', label: 'fractions planned', type: 'integer', min: 1, required: true },
    { name: 'fractionsDelivered', column: 'fractions_delivered', label: 'fractions delivered', type: 'integer', min: 0 },
    { name: 'technique', column: 'technique', label: 'technique', type: 'enum', values: TECHNIQUES },
    { name: 'machine', column: 'machine', label: 'machine', type: 'text' },
    { name: 'prescriptionIsodose', column: 'prescription_isodose', label: 'prescription isodose (%)', type: 'number', above: 0, max: 100 },
    { name: 'completed', column: 'completed', label: 'completed', type: 'boolean' },
    { name: 'planSopInstanceUid', column: 'plan_sop_instance_uid', label: 'RT plan SOP instance UID', type: 'text' },
    ...common,
  ],
  systemicTherapy: [
    { name: 'patientId', column: 'patient_id', label: 'patient', type: 'reference', references: 'patient', required: true },
    { name: 'agent', column: 'agent', label: 'agent', type: 'text', required: true },
    { name: 'drugClass', column: 'drug_class', label: 'drug class', type: 'enum', values: DRUG_CLASSES, required: true },
    { name: 'startDate', column: 'start_date', label: 'start date', type: 'date', required: true },
    { name: 'stopDate', column: 'stop_date', label: 'stop date', type: 'date' },
    ...common,
  ],
  event: [
    { name: 'patientId', column: 'patient_id', label: 'patient', type: 'reference', references: 'patient', required: true },
    { name: 'lesionId', column: 'lesion_id', label: 'lesion', type: 'reference', references: 'lesion' },
    { name: 'type', column: 'type', label: 'event type', type: 'enum', values: EVENT_TYPES, required: true },
    { name: 'date', column: 'date', label: 'event date', type: 'date', required: true },
    { name: 'criterion', column: 'criterion', label: 'SPINO criterion', type: 'enum', values: SPINO_CRITERIA },
    ...common,
  ],
  toxicity: [
    { name: 'patientId', column: 'patient_id', label: 'patient', type: 'reference', references: 'patient', required: true },
    { name: 'lesionId', column: 'lesion_id', label: 'lesion', type: 'reference', references: 'lesion' },
    { name: 'term', column: 'term', label: 'CTCAE term', type: 'text', required: true },
    { name: 'grade', column: 'grade', label: 'CTCAE grade', type: 'integer', min: 1, max: 5, required: true },
    { name: 'date', column: 'date', label: 'date', type: 'date' },
    { name: 'attribution', column: 'attribution', label: 'attribution', type: 'enum', values: ATTRIBUTIONS },
    ...common,
  ],
};

export type FieldValue = string | number | boolean | null;
export type EntityRecord = Record<string, FieldValue>;

/** A stored row: its fields (camelCase, booleans as booleans) plus bookkeeping. */
export type CohortRow = EntityRecord & {
  id: number;
  provenanceId: number;
  createdAt: string;
  updatedAt: string;
};

export interface StudySettings {
  title: string;
  synthetic: boolean;
  /** A de-identified shared copy (issue 11): set when the copy is made, never through settings edits. */
  sharedCopy: boolean;
  alphaBetaGy: number;
  concurrencyWindowDays: number;
  firstFailureWindowDays: number;
  timeUnit: 'days' | 'weeks' | 'months' | 'years';
  sbrtMinDosePerFractionGy: number;
  sbrtMaxFractions: number;
  /** How dates and numbers are shown and exported: ISO 8601 (default) or the OS locale. */
  displayFormat: 'iso' | 'locale';
  /** Read-only: the locale 'locale' resolves to (the service host's, i.e. the OS's); set by getStudySettings. */
  locale?: string;
}

/** What undo and redo would do next (electron/services/db/editHistory.ts). */
export interface EditHistoryState {
  /** Label of the step Ctrl+Z would undo, or null. */
  undo: string | null;
  /** Label of the step Ctrl+Shift+Z would redo, or null. */
  redo: string | null;
  /** Steps available to undo. */
  depth: number;
}

export interface AuditEntry {
  id: number;
  at: string;
  who: string;
  /** Edits of a row, or study-level events (entity 'study', entityId 0) — see migration 0007-append-only-audit. */
  action: 'insert' | 'update' | 'delete' | 'import' | 'export' | 'share' | 'migrate';
  entity: string;
  entityId: number;
  before: unknown;
  after: unknown;
}

export interface FieldError {
  field: string;
  value: unknown;
  message: string;
}

/**
 * Checks one value against its field spec and returns it in storage form (booleans → 0/1 handled
 * by the db layer; levels → canonical comma-separated list), or an error message.
 */
export function checkFieldValue(spec: FieldSpec, value: unknown): { ok: true; value: FieldValue } | { ok: false; message: string } {
  if (value === undefined || value === null || value === '') {
    return spec.required ? { ok: false, message: `${spec.label} is required` } : { ok: true, value: null };
  }
  switch (spec.type) {
    case 'text':
      if (typeof value !== 'string') return { ok: false, message: `${spec.label} must be text` };
      return { ok: true, value: value.trim() };
    case 'integer':
    case 'number':
    case 'reference': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
      if (!Number.isFinite(n)) return { ok: false, message: `${spec.label} must be a number` };
      if ((spec.type === 'integer' || spec.type === 'reference') && !Number.isInteger(n)) return { ok: false, message: `${spec.label} must be a whole number` };
      if (spec.min !== undefined && n < spec.min) return { ok: false, message: `${spec.label} must be ≥ ${spec.min}${spec.max !== undefined ? ` and ≤ ${spec.max}` : ''}` };
      if (spec.above !== undefined && n <= spec.above) return { ok: false, message: `${spec.label} must be > ${spec.above}` };
      if (spec.max !== undefined && n > spec.max) return { ok: false, message: `${spec.label} must be ≤ ${spec.max}${spec.min !== undefined ? ` and ≥ ${spec.min}` : ''}` };
      return { ok: true, value: n };
    }
    case 'date':
      if (!isIsoDate(value)) return { ok: false, message: `${spec.label} must be a date YYYY-MM-DD` };
      return { ok: true, value };
    case 'boolean':
      if (value === true || value === 1 || value === '1') return { ok: true, value: true };
      if (value === false || value === 0 || value === '0') return { ok: true, value: false };
      return { ok: false, message: `${spec.label} must be yes/no (1/0)` };
    case 'enum':
      if (typeof value !== 'string' || !spec.values?.includes(value)) {
        return { ok: false, message: `${spec.label} must be one of ${spec.values?.join(', ')}` };
      }
      return { ok: true, value };
    case 'levels': {
      const text = Array.isArray(value) ? value.join(',') : String(value);
      const parsed = parseLesionLevels(text);
      if (!parsed.ok) return { ok: false, message: `${spec.label}: ${parsed.error}` };
      return { ok: true, value: parsed.levels.join(',') };
    }
  }
}

/** Rules involving several fields of one record (dates in order, type-dependent fields). */
export function crossFieldErrors(entity: EntityName, r: EntityRecord): FieldError[] {
  const errors: FieldError[] = [];
  const before = (a: string, b: string, la: string, lb: string, field: string) => {
    const va = r[a];
    const vb = r[b];
    if (typeof va === 'string' && typeof vb === 'string' && vb < va) {
      errors.push({ field, value: vb, message: `${lb} (${vb}) is before ${la} (${va})` });
    }
  };
  if (entity === 'rtCourse') {
    before('startDate', 'endDate', 'RT start date', 'RT end date', 'endDate');
    const fp = r.fractionsPlanned;
    const fd = r.fractionsDelivered;
    if (typeof fp === 'number' && typeof fd === 'number' && fd > fp) {
      errors.push({ field: 'fractionsDelivered', value: fd, message: `fractions delivered (${fd}) exceed fractions planned (${fp})` });
    }
  }
  if (entity === 'systemicTherapy') before('startDate', 'stopDate', 'start date', 'stop date', 'stopDate');
  if (entity === 'patient') {
    before('lastFollowupDate', 'deathDate', 'date of last follow-up', 'date of death', 'deathDate');
    if (r.deathDate && r.vitalStatus && r.vitalStatus !== 'dead') {
      errors.push({ field: 'vitalStatus', value: r.vitalStatus, message: `vital status is "${r.vitalStatus}" but a date of death is recorded` });
    }
  }
  if (entity === 'event') {
    if (r.type === 'local_progression' && (r.lesionId === null || r.lesionId === undefined)) {
      errors.push({ field: 'lesionId', value: null, message: 'a local progression must name its lesion' });
    }
    if (r.type !== undefined && r.type !== 'local_progression' && r.lesionId != null) {
      errors.push({ field: 'lesionId', value: r.lesionId, message: `a ${String(r.type).replace('_', ' ')} belongs to the patient, not to a lesion` });
    }
    if (r.criterion != null && r.type !== 'local_progression') {
      errors.push({ field: 'criterion', value: r.criterion, message: 'a SPINO criterion applies only to a local progression' });
    }
  }
  return errors;
}

/**
 * Validates a full record (create) or the changed fields merged over the stored record (update).
 * Returns the normalised record (only known fields) and field errors; unknown fields are errors.
 */
export function validateRecord(entity: EntityName, input: Record<string, unknown>): { record: EntityRecord; errors: FieldError[] } {
  const specs = ENTITY_FIELDS[entity];
  const record: EntityRecord = {};
  const errors: FieldError[] = [];
  for (const key of Object.keys(input)) {
    if (!specs.some((s) => s.name === key)) errors.push({ field: key, value: input[key], message: `unknown field "${key}" for ${entity}` });
  }
  for (const spec of specs) {
    const checked = checkFieldValue(spec, input[spec.name]);
    if (checked.ok) record[spec.name] = checked.value;
    else errors.push({ field: spec.name, value: input[spec.name], message: checked.message });
  }
  if (errors.length === 0) errors.push(...crossFieldErrors(entity, record));
  return { record, errors };
}
