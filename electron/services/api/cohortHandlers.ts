// Handlers for shared/api/cohort.ts (owned by the cohort helper). See shared/api/contract.ts.
import path from 'node:path';
import { ApiError } from '../../../shared/api/contract';
import { COHORT_FIELDS, type cohortMethods } from '../../../shared/api/cohort';
import { buildDataset, datasetFingerprint, datasetToCsv } from '../analysis/dataset';
import { buildReport, writeReport } from '../analysis/report';
import { exportReportDocuments } from '../export/reportDocuments';
import {
  createRecord,
  deleteRecord,
  getRecord,
  getStudySettings,
  listAudit,
  listRecords,
  updateRecord,
  updateStudySettings,
} from '../db/cohortRecords';
import { editHistoryState, recordEditStep, redoEdit, undoEdit } from '../db/editHistory';
import { readSpreadsheet, SpreadsheetError, type Workbook } from '../import/spreadsheetFile';
import { importTable } from '../import/tableImport';
import { getOrCreateStudyKey } from '../identity/studyKey';
import { MappingError } from '../import/tableMapping';
import type { HandlerContext, Handlers } from './apiService';
import { logExport } from './exportHandlers';

const SPREADSHEET_FILTERS = [{ name: 'Spreadsheet (CSV, XLSX)', extensions: ['csv', 'xlsx'] }];

async function chooseSpreadsheet(ctx: HandlerContext, requested: string | undefined): Promise<Workbook & { chosenPath: string }> {
  const chosen = await ctx.choosePath({ purpose: 'importTable', mode: 'open-file', title: 'Spreadsheet to import', requested, filters: SPREADSHEET_FILTERS });
  try {
    return { ...(await readSpreadsheet(chosen)), chosenPath: chosen };
  } catch (error) {
    if (error instanceof SpreadsheetError) throw new ApiError('INVALID_INPUT', error.message);
    throw error;
  }
}

function runImport(ctx: HandlerContext, workbook: Workbook, mapping: unknown, dryRun: boolean) {
  ctx.throwIfCancelled();
  ctx.progress(30, dryRun ? 'Validating rows' : 'Importing rows');
  try {
    const studyKey = getOrCreateStudyKey(ctx.study.db, ctx.session.keyStore, 'Importing a spreadsheet into this study');
    const report = importTable(ctx.study.db, workbook, mapping, { dryRun, studyKey });
    ctx.progress(100, report.message);
    return report;
  } catch (error) {
    if (error instanceof MappingError) throw new ApiError('INVALID_INPUT', error.message);
    throw error;
  }
}

export const cohortHandlers: Handlers<typeof cohortMethods> = {
  cohortFields: () => COHORT_FIELDS,

  listCohortRecords: (input, ctx) => listRecords(ctx.study.db, input.entity, { patientId: input.patientId, lesionId: input.lesionId }),

  getCohortRecord(input, ctx) {
    const row = getRecord(ctx.study.db, input.entity, input.id);
    if (!row) throw new ApiError('NOT_FOUND', `${input.entity} ${input.id} does not exist`);
    return row;
  },

  createCohortRecord: (input, ctx) =>
    recordEditStep(ctx.study.db, input.label ?? `add ${input.entity}`, () => createRecord(ctx.study.db, input.entity, input.values)),

  updateCohortRecord: (input, ctx) =>
    recordEditStep(ctx.study.db, input.label ?? `edit ${input.entity} ${input.id}`, () =>
      updateRecord(ctx.study.db, input.entity, input.id, input.changes),
    ),

  deleteCohortRecord: (input, ctx) =>
    recordEditStep(ctx.study.db, input.label ?? `delete ${input.entity} ${input.id}`, () => ({
      removed: deleteRecord(ctx.study.db, input.entity, input.id),
    })),

  cohortEditHistory: (_input, ctx) => editHistoryState(ctx.study.db),

  undoCohortEdit: (_input, ctx) => undoEdit(ctx.study.db),

  redoCohortEdit: (_input, ctx) => redoEdit(ctx.study.db),

  getStudySettings: (_input, ctx) => getStudySettings(ctx.study.db),

  updateStudySettings(input, ctx) {
    const changes = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
    return updateStudySettings(ctx.study.db, changes);
  },

  listAuditLog: (input, ctx) => listAudit(ctx.study.db, input),

  cohortDataset(input, ctx) {
    const dataset = buildDataset(ctx.study.db, { unit: input.unit });
    return {
      unit: dataset.unit,
      columns: dataset.columns,
      rows: dataset.rows,
      lesionIds: dataset.details.map((d) => d.lesionId),
      patientIds: dataset.details.map((d) => d.patientId),
      warnings: dataset.warnings,
      fingerprint: datasetFingerprint(dataset),
      csv: datasetToCsv(dataset),
    };
  },

  studyReport(input, ctx) {
    ctx.progress(10, 'Building the analysis dataset');
    const report = buildReport(ctx.study.db, input);
    ctx.progress(100, 'Report ready');
    return report;
  },

  async writeStudyReport(input, ctx) {
    const { outDir: requested, ...spec } = input;
    const outDir = await ctx.choosePath({ purpose: 'writeStudyReport', mode: 'open-directory', title: 'Folder for the report', requested });
    ctx.progress(10, 'Computing the report');
    const report = buildReport(ctx.study.db, spec);
    ctx.throwIfCancelled();
    ctx.progress(60, 'Writing files');
    const files = await writeReport(report, outDir, { dataset: buildDataset(ctx.study.db, { unit: report.unit }), exporters: [exportReportDocuments] });
    logExport(ctx, 'report', { files: files.map((f) => path.basename(f)), endpoint: report.spec.endpoint, unit: report.unit });
    ctx.progress(100, `${files.length} files written`);
    return { outDir, files };
  },

  async inspectSpreadsheet(input, ctx) {
    const workbook = await chooseSpreadsheet(ctx, input.path);
    return {
      path: workbook.chosenPath,
      fileName: path.basename(workbook.fileName),
      sheets: workbook.sheets.map((s) => ({ name: s.name, headers: s.headers, rowCount: s.rows.length, sample: s.rows.slice(0, 5).map((r) => r.cells) })),
    };
  },

  async previewTableImport(input, ctx) {
    ctx.progress(5, 'Reading the spreadsheet');
    return runImport(ctx, await chooseSpreadsheet(ctx, input.path), input.mapping, true);
  },

  async commitTableImport(input, ctx) {
    ctx.progress(5, 'Reading the spreadsheet');
    return runImport(ctx, await chooseSpreadsheet(ctx, input.path), input.mapping, false);
  },
};
