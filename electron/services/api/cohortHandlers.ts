// Handlers for shared/api/cohort.ts (owned by the cohort helper). See shared/api/contract.ts.
import fs from 'node:fs';
import path from 'node:path';
import { ApiError } from '../../../shared/api/contract';
import { COHORT_FIELDS, type cohortMethods } from '../../../shared/api/cohort';
import type { SpreadsheetPreview } from '../../../shared/api/cohort';
import { runDatasetJob, runReportJob } from '../analysis/analysisJob';
import type { ReportDocumentsJob, ReportDocumentsResult } from '../export/reportDocumentsWorker';
import { runTerminableWorkerJob, startTerminableWorkerJob, type WorkerJobRun } from '../host/workerJob';
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
import { runTableImportJob } from '../import/tableImportJob';
import { getOrCreateStudyKey } from '../identity/studyKey';
import type { HandlerContext, Handlers } from './apiService';
import { logExport } from './exportHandlers';

const SPREADSHEET_FILTERS = [{ name: 'Spreadsheet (CSV, XLSX)', extensions: ['csv', 'xlsx'] }];

/**
 * The wizard's first look at a spreadsheet, read in a worker thread (../import/spreadsheetInspectWorker.ts):
 * reading a large CSV or a full XLSX workbook must not hold up the host's other calls.
 */
async function inspectSpreadsheet(ctx: HandlerContext, requested: string | undefined): Promise<SpreadsheetPreview> {
  const chosen = await ctx.choosePath({ purpose: 'importTable', mode: 'open-file', title: 'Spreadsheet to import', requested, filters: SPREADSHEET_FILTERS });
  ctx.progress(5, 'Reading the spreadsheet');
  return runTerminableWorkerJob<SpreadsheetPreview>(
    'spreadsheetInspectWorker',
    new URL('../import/spreadsheetInspectWorker.ts', import.meta.url),
    { path: chosen },
    ctx,
    'Reading the spreadsheet was cancelled.',
  );
}

/**
 * Preview or import in a worker thread of the service host (../import/tableImportJob.ts): the host
 * keeps answering while the rows are written, and cancel rolls the whole import back.
 */
async function runImport(ctx: HandlerContext, requested: string | undefined, mapping: unknown, dryRun: boolean) {
  // The import commits through the worker's own connection (studySession.ts assertWritable).
  if (!dryRun) ctx.session.assertWritable();
  const tablePath = await ctx.choosePath({ purpose: 'importTable', mode: 'open-file', title: 'Spreadsheet to import', requested, filters: SPREADSHEET_FILTERS });
  ctx.progress(5, 'Reading the spreadsheet');
  // May record the key's check value: a write, so after any import committing meanwhile.
  const studyKey = await ctx.session.write((db) => getOrCreateStudyKey(db, ctx.session.keyStore, 'Importing a spreadsheet into this study'));
  const job = runTableImportJob({ studyPath: ctx.study.path, tablePath, mapping, dryRun, studyKey }, ctx);
  // A preview too holds the write lock until it rolls back (../import/tableImport.ts).
  ctx.session.trackWriterJob(job);
  const report = await job;
  ctx.progress(100, report.message);
  return report;
}

/**
 * Runs a worker job that writes a set of files into a hidden folder inside `outDir`, then moves
 * them in: a cancelled or failed report leaves no partial set behind. Cancel answers at once; the
 * hidden folder is removed once the worker has stopped (a file being written when the user cancels
 * is finished there first).
 */
async function writeStaged<T extends { files: string[] }>(outDir: string, ctx: HandlerContext, write: (stage: string) => WorkerJobRun<T>): Promise<T> {
  fs.mkdirSync(outDir, { recursive: true });
  const stage = fs.mkdtempSync(path.join(outDir, '.rtcw-report-'));
  const removeStage = () => fs.rmSync(stage, { recursive: true, force: true });
  const run = write(stage);
  try {
    const value = await run.result;
    ctx.throwIfCancelled();
    for (const file of value.files) fs.renameSync(path.join(stage, file), path.join(outDir, file));
    return value;
  } catch (error) {
    run.stopped.then(removeStage).catch(() => {});
    throw error;
  } finally {
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

  // Every write goes through StudySession.write: queued behind an import committing in its worker.
  createCohortRecord: (input, ctx) =>
    ctx.session.write((db) => recordEditStep(db, input.label ?? `add ${input.entity}`, () => createRecord(db, input.entity, input.values))),

  updateCohortRecord: (input, ctx) =>
    ctx.session.write((db) =>
      recordEditStep(db, input.label ?? `edit ${input.entity} ${input.id}`, () => updateRecord(db, input.entity, input.id, input.changes)),
    ),

  deleteCohortRecord: (input, ctx) =>
    ctx.session.write((db) =>
      recordEditStep(db, input.label ?? `delete ${input.entity} ${input.id}`, () => ({
        removed: deleteRecord(db, input.entity, input.id),
      })),
    ),

  cohortEditHistory: (_input, ctx) => editHistoryState(ctx.study.db),

  undoCohortEdit: (_input, ctx) => ctx.session.write((db) => undoEdit(db)),

  redoCohortEdit: (_input, ctx) => ctx.session.write((db) => redoEdit(db)),

  // With the locale a 'locale' setting resolves to, so the screen formats as the exports do.
  getStudySettings: (_input, ctx) => ({ ...getStudySettings(ctx.study.db), locale: ctx.session.locale }),

  updateStudySettings(input, ctx) {
    const changes = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
    return ctx.session.write((db) => updateStudySettings(db, changes));
  },

  listAuditLog: (input, ctx) => listAudit(ctx.study.db, input),

  // Whole-study reads in a worker thread of the service host (../analysis/analysisJob.ts).
  cohortDataset: (input, ctx) => runDatasetJob(ctx.study.path, input.unit, ctx),

  async studyReport(input, ctx) {
    ctx.progress(10, 'Building the analysis dataset');
    const report = await runReportJob(ctx.study.path, input, ctx);
    ctx.progress(100, 'Report ready');
    return report;
  },

  async writeStudyReport(input, ctx) {
    const { outDir: requested, ...spec } = input;
    const outDir = await ctx.choosePath({ purpose: 'writeStudyReport', mode: 'open-directory', title: 'Folder for the report', requested });
    // Computed and written in a worker (../export/reportDocumentsWorker.ts): the host keeps
    // answering, and a cancel stops it at once.
    const written = await writeStaged<ReportDocumentsResult>(outDir, ctx, (stage) =>
      startTerminableWorkerJob<ReportDocumentsResult>(
        'reportDocumentsWorker',
        new URL('../export/reportDocumentsWorker.ts', import.meta.url),
        { studyPath: ctx.study.path, spec, outDir: stage, locale: ctx.session.locale } satisfies ReportDocumentsJob,
        ctx,
        'Report cancelled; no files were written.',
      ),
    );
    const files = written.files;
    await logExport(ctx, 'report', { files: files.map((f) => path.basename(f)), endpoint: written.endpoint, unit: written.unit });
    ctx.progress(100, `${files.length} files written`);
    return { outDir, files };
  },

  inspectSpreadsheet: (input, ctx) => inspectSpreadsheet(ctx, input.path),

  previewTableImport: (input, ctx) => runImport(ctx, input.path, input.mapping, true),

  commitTableImport: (input, ctx) => runImport(ctx, input.path, input.mapping, false),
};
