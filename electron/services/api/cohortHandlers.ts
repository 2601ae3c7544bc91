// Handlers for shared/api/cohort.ts (owned by the cohort helper). See shared/api/contract.ts.
import fs from 'node:fs';
import path from 'node:path';
import { ApiError } from '../../../shared/api/contract';
import { COHORT_FIELDS, type cohortMethods } from '../../../shared/api/cohort';
import { buildDataset, datasetFingerprint, datasetToCsv } from '../analysis/dataset';
import { buildReport, writeReport } from '../analysis/report';
import { runTerminableWorkerJob } from '../host/workerJob';
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
import { runTableImportJob } from '../import/tableImportJob';
import { getOrCreateStudyKey } from '../identity/studyKey';
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

/**
 * Preview or import in a worker thread of the service host (../import/tableImportJob.ts): the host
 * keeps answering while the rows are written, and cancel rolls the whole import back.
 */
async function runImport(ctx: HandlerContext, requested: string | undefined, mapping: unknown, dryRun: boolean) {
  const tablePath = await ctx.choosePath({ purpose: 'importTable', mode: 'open-file', title: 'Spreadsheet to import', requested, filters: SPREADSHEET_FILTERS });
  ctx.progress(5, 'Reading the spreadsheet');
  const studyKey = getOrCreateStudyKey(ctx.study.db, ctx.session.keyStore, 'Importing a spreadsheet into this study');
  const report = await runTableImportJob({ studyPath: ctx.study.path, tablePath, mapping, dryRun, studyKey }, ctx);
  ctx.progress(100, report.message);
  return report;
}

/**
 * Writes a set of files into a hidden folder inside `outDir`, then moves them in: a cancelled or
 * failed report leaves no partial set behind. Cancel answers at once; a file being written when the
 * user cancels is finished in the hidden folder and then removed.
 */
async function writeStaged(outDir: string, ctx: HandlerContext, write: (stage: string) => Promise<string[]>): Promise<string[]> {
  fs.mkdirSync(outDir, { recursive: true });
  const stage = fs.mkdtempSync(path.join(outDir, '.rtcw-report-'));
  const removeStage = () => fs.rmSync(stage, { recursive: true, force: true });
  const writing = write(stage);
  let onAbort = () => {};
  const cancelled = new Promise<never>((_resolve, reject) => {
    onAbort = () => reject(new ApiError('CANCELLED', 'Report cancelled; no files were written.'));
    ctx.signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const files = await Promise.race([writing, cancelled]);
    ctx.throwIfCancelled();
    for (const file of files) fs.renameSync(path.join(stage, file), path.join(outDir, file));
    return files;
  } catch (error) {
    writing.then(removeStage, removeStage);
    throw error;
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    if (fs.existsSync(stage) && fs.readdirSync(stage).length === 0) removeStage();
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

  // With the locale a 'locale' setting resolves to, so the screen formats as the exports do.
  getStudySettings: (_input, ctx) => ({ ...getStudySettings(ctx.study.db), locale: ctx.session.locale }),

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
    const files = await writeStaged(outDir, ctx, (stage) =>
      writeReport(report, stage, {
        dataset: buildDataset(ctx.study.db, { unit: report.unit }),
        locale: ctx.session.locale,
        exporters: [
          (r, dir) => {
            ctx.progress(75, 'Writing tables and figures');
            // In a worker: the host keeps answering, and a cancel stops it at once.
            return runTerminableWorkerJob<string[]>('reportDocumentsWorker', new URL('../export/reportDocumentsWorker.ts', import.meta.url), { report: r, outDir: dir, locale: ctx.session.locale }, ctx, 'Report cancelled; no files were written.');
          },
        ],
      }),
    );
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

  previewTableImport: (input, ctx) => runImport(ctx, input.path, input.mapping, true),

  commitTableImport: (input, ctx) => runImport(ctx, input.path, input.mapping, false),
};
