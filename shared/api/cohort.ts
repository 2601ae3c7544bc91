// Cohort methods (owned by the cohort helper). See contract.ts for how to add one.
//
// Records: one set of generic methods for the six entities (patient, lesion, rtCourse,
// systemicTherapy, event, toxicity), typed by `entity`; field names/types/ranges come from
// `cohortFields` (shared/domain/cohortModel ENTITY_FIELDS), so the grid, validation and import agree.
// Every write is validated (INVALID_INPUT with a message naming the field), runs in a transaction
// and is recorded in the audit log. The demo study is opened with study.openDemoStudy.
import { z } from 'zod';
import type { AnalysisRow, AnalysisUnit, DatasetColumn } from '../domain/analysisDataset';
import {
  ENTITY_FIELDS,
  ENTITY_NAMES,
  type AuditEntry,
  type CohortRow,
  type EditHistoryState,
  type EntityName,
  type FieldSpec,
  type StudySettings,
} from '../domain/cohortModel';
import type { ImportReport } from '../domain/importReport';
import type { StudyReport } from '../domain/studyReport';
import { analysisSpecSchema } from './analysis';
import { defineMethod, returns, type MethodRecord } from './contract';

export type { AnalysisRow, AuditEntry, CohortRow, EditHistoryState, EntityName, FieldSpec, ImportReport, StudyReport, StudySettings };

const entity = z.enum(ENTITY_NAMES as [EntityName, ...EntityName[]]);
const id = z.number().int().positive();
const fieldValue = z.union([z.string().max(10_000), z.number(), z.boolean(), z.null()]);
const values = z.record(z.string().max(64), fieldValue);

export interface CohortFields {
  entities: EntityName[];
  fields: Record<EntityName, readonly FieldSpec[]>;
}

export interface CohortDataset {
  unit: AnalysisUnit;
  columns: readonly DatasetColumn[];
  rows: AnalysisRow[];
  /** The cohort ids behind each row (same order as rows), for derived columns in the grids. */
  lesionIds: number[];
  patientIds: number[];
  warnings: string[];
  /** sha256 of the dataset CSV (what `rtcw dataset` prints). */
  fingerprint: string;
  csv: string;
}

export interface SpreadsheetPreview {
  /** The file the user chose; the wizard sends it back for validation and commit, so the desktop
   *  app asks once (main accepts a path only if it was picked in its dialog this session). */
  path: string;
  fileName: string;
  sheets: Array<{ name: string; headers: string[]; rowCount: number; sample: Array<Record<string, string | number | boolean | null>> }>;
}

const tableImportInput = z.object({
  /** Spreadsheet path (web/harness mode; the desktop app asks with a native dialog). */
  path: z.string().min(1).max(4096).optional(),
  /** The column mapping (electron/services/import/tableMapping.ts documents the JSON). */
  mapping: z.unknown(),
});

/** The report runs the one analysis pipeline: its input is an analysis specification (shared/api/analysis). */
const reportInput = analysisSpecSchema;

const stepLabel = z.string().trim().min(1).max(300).optional();

export const cohortMethods = {
  /** Field specs of every entity (labels, types, ranges, allowed values). */
  cohortFields: defineMethod({ input: z.object({}), result: returns<CohortFields>() }),
  listCohortRecords: defineMethod({
    input: z.object({ entity, patientId: id.optional(), lesionId: id.optional() }),
    result: returns<CohortRow[]>(),
  }),
  getCohortRecord: defineMethod({ input: z.object({ entity, id }), result: returns<CohortRow>() }),
  /** Each of the three writes below is one undoable step; `label` names it in the Undo/Redo buttons. */
  createCohortRecord: defineMethod({ input: z.object({ entity, values, label: stepLabel }), result: returns<CohortRow>() }),
  /** Changes the given fields only; null clears a field. */
  updateCohortRecord: defineMethod({ input: z.object({ entity, id, changes: values, label: stepLabel }), result: returns<CohortRow>() }),
  /** Deletes the row and its dependants (a patient's lesions, courses, events …); returns rows removed. */
  deleteCohortRecord: defineMethod({ input: z.object({ entity, id, label: stepLabel }), result: returns<{ removed: number }>() }),
  /** What undo and redo would do next (electron/services/db/editHistory.ts). */
  cohortEditHistory: defineMethod({ input: z.object({}), result: returns<EditHistoryState>() }),
  /** Undoes the latest edit, add or delete of this study (multi-level; survives reopening). */
  undoCohortEdit: defineMethod({ input: z.object({}), result: returns<EditHistoryState & { applied: string }>() }),
  /** Redoes the edit undone last. */
  redoCohortEdit: defineMethod({ input: z.object({}), result: returns<EditHistoryState & { applied: string }>() }),
  getStudySettings: defineMethod({ input: z.object({}), result: returns<StudySettings>() }),
  updateStudySettings: defineMethod({
    input: z.object({
      title: z.string().trim().min(1).max(200).optional(),
      alphaBetaGy: z.number().positive().max(100).optional(),
      concurrencyWindowDays: z.number().int().min(0).max(365).optional(),
      firstFailureWindowDays: z.number().int().min(0).max(365).optional(),
      timeUnit: z.enum(['days', 'weeks', 'months', 'years']).optional(),
      sbrtMinDosePerFractionGy: z.number().positive().max(100).optional(),
      sbrtMaxFractions: z.number().int().min(1).max(50).optional(),
      displayFormat: z.enum(['iso', 'locale']).optional(),
    }),
    result: returns<StudySettings>(),
  }),
  listAuditLog: defineMethod({
    input: z.object({ entity: z.string().max(40).optional(), entityId: id.optional(), limit: z.number().int().min(1).max(10_000).default(500) }),
    result: returns<AuditEntry[]>(),
  }),
  /** The analysis dataset (`rtcw dataset`): rows with their cohort ids, warnings, fingerprint and the CSV text. */
  cohortDataset: defineMethod({ input: z.object({ unit: z.enum(['lesion', 'patient']).default('lesion') }), result: returns<CohortDataset>(), long: true }),
  /** The whole study report (Table 1, Cox, first failure, toxicity, KM/CIF, follow-up). */
  studyReport: defineMethod({ input: reportInput, result: returns<StudyReport>(), long: true }),
  /** Writes report.json + CSV tables (+ export-area outputs) into a folder; returns the file names. */
  writeStudyReport: defineMethod({
    input: reportInput.extend({ outDir: z.string().min(1).max(4096).optional() }),
    result: returns<{ outDir: string; files: string[] }>(),
    long: true,
  }),
  /** Sheets, headers and a few rows of a spreadsheet, to build the column mapping. */
  inspectSpreadsheet: defineMethod({ input: z.object({ path: z.string().min(1).max(4096).optional() }), result: returns<SpreadsheetPreview>(), long: true }),
  /** Validates every row and reports what an import would do; writes nothing. */
  previewTableImport: defineMethod({ input: tableImportInput, result: returns<ImportReport>(), long: true }),
  /** Imports all rows or none (rejected rows reported); idempotent by source key. */
  commitTableImport: defineMethod({ input: tableImportInput, result: returns<ImportReport>(), long: true }),
} satisfies MethodRecord;

/** For the renderer: the field specs without a round trip. */
export const COHORT_FIELDS: CohortFields = { entities: [...ENTITY_NAMES], fields: ENTITY_FIELDS };
