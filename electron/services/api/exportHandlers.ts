// Handlers for shared/api/export.ts (owned by the export helper). See shared/api/contract.ts.
// The renderer sends a format and options; the path comes from ctx.choosePath (native save dialog in
// the desktop app), so the page never names a file on disk.
import { writeFileSync } from 'node:fs';
import type { z } from 'zod';
import { ApiError } from '../../../shared/api/contract';
import type { exportFigureInput, exportMethods } from '../../../shared/api/export';
import { describeFilter } from '../../../shared/api/analysis';
import { PRESETS, type JournalPreset } from '../../../shared/charts/journalStyle';
import { methodsParagraph } from '../../../shared/charts/methodsParagraph';
import { coxTableModel, countTableModel, table1Model, tableFormatOf, type TableModel } from '../../../shared/charts/tableModel';
import type { AnalysisSpec } from '../../../shared/api/analysis';
import { runAnalysisJob } from '../analysis/analysisJob';
import { runFigureExportJob } from '../export/figureExportJob';
import { appVersion, type Provenance } from '../export/provenance';
import type { TableExportJob, TableExportResult } from '../export/tableExportWorker';
import { runTerminableWorkerJob } from '../host/workerJob';
import { recordAuditEvent } from '../db/auditEvents';
import { getStudySettings } from '../db/cohortRecords';
import type { HandlerContext, Handlers } from './apiService';

const FORMAT_NAMES: Record<string, string> = {
  svg: 'SVG image', pdf: 'PDF document', png: 'PNG image', tiff: 'TIFF image',
  docx: 'Word document', csv: 'CSV (UTF-8)', html: 'HTML', latex: 'LaTeX', xlsx: 'Excel workbook',
};

function presetFrom(input: z.output<typeof exportFigureInput>): JournalPreset {
  const base: JournalPreset = { ...PRESETS[input.preset === 'double' ? 'double' : 'single'] };
  if (input.preset === 'custom') {
    if (input.widthMm === undefined) throw new ApiError('INVALID_INPUT', 'A custom figure size needs a width in mm.');
    base.widthMm = input.widthMm;
  }
  if (input.heightMm !== undefined) base.heightMm = input.heightMm;
  if (input.fontPt !== undefined) base.fontPt = input.fontPt;
  base.palette = input.palette;
  base.pStyle = input.pStyle ?? input.spec.format.pStyle;
  return base;
}

async function analyse(ctx: HandlerContext, spec: AnalysisSpec) {
  // In a worker of the service host (../analysis/analysisJob.ts): other calls are answered meanwhile.
  const result = await runAnalysisJob(ctx.study.path, spec, {
    signal: ctx.signal,
    progress: (pct, message) => ctx.progress(Math.round(pct * 0.6), message),
  });
  const provenance: Provenance = {
    software: 'RT Cohort Workstation',
    appVersion: appVersion(),
    analysisSpecHash: result.specHash,
    datasetFingerprint: result.datasetFingerprint,
    ...(result.spec.filters.length ? { filters: result.spec.filters.map(describeFilter).join('; ') } : {}),
  };
  return { result, provenance };
}

async function savePath(ctx: HandlerContext, purpose: string, title: string, format: string, requested: string | undefined, defaultName: string) {
  const ext = format === 'latex' ? 'tex' : format;
  const chosen = await ctx.choosePath({
    purpose,
    mode: 'save-file',
    title,
    requested,
    filters: [{ name: FORMAT_NAMES[format] ?? format, extensions: ext === 'tiff' ? ['tiff', 'tif'] : [ext] }],
    defaultName: `${defaultName}.${ext}`,
  });
  // The extension rule (format follows the name; none → the format's) is ctx.choosePath's (fileGrants.ts).
  return chosen;
}

function writeOut(path: string, data: Buffer): void {
  try {
    writeFileSync(path, data);
  } catch (error) {
    throw new ApiError('IO_ERROR', `Could not write ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Every export is recorded in the study's append-only audit log (issue 12): what, which format, the
 * analysis spec hash — never the path (it may name a patient or a person). A study open read-only
 * cannot record it; the export itself still happens.
 */
export async function logExport(ctx: HandlerContext, subject: string, details: Record<string, unknown>): Promise<void> {
  if (ctx.study.readOnly) return;
  // After an import committing meanwhile, waiting without blocking the host's thread (StudySession.write).
  await ctx.session.write((db) => recordAuditEvent(db, 'export', subject, details));
}

export const exportHandlers: Handlers<typeof exportMethods> = {
  exportFigure: async (input, ctx) => {
    const name = input.figure === 'forest' ? `forest-${input.spec.endpoint}` : `${input.spec.endpoint}-curves`;
    const path = await savePath(ctx, 'exportFigure', 'Save figure', input.format, input.path, name);
    const { result, provenance } = await analyse(ctx, input.spec);
    ctx.progress(70, 'Rendering figure');
    const { exported, ...figure } = await runFigureExportJob(
      {
        result,
        figure: input.figure,
        model: input.model,
        survival: { ci: input.ci, riskTable: input.riskTable, xMax: input.xMax, xStep: input.xStep, annotation: input.annotation, medianLine: input.medianLine },
        preset: presetFrom(input),
        format: input.format,
        dpi: input.dpi,
        provenance,
      },
      ctx,
    );
    ctx.throwIfCancelled();
    writeOut(path, exported.data);
    await logExport(ctx, 'figure', { figure: input.figure, format: input.format, bytes: exported.data.length, analysisSpecHash: provenance.analysisSpecHash });
    ctx.progress(100, 'Saved');
    return {
      path,
      format: input.format,
      bytes: exported.data.length,
      widthMm: figure.widthMm,
      heightMm: figure.heightMm,
      ...(exported.widthPx ? { widthPx: exported.widthPx, heightPx: exported.heightPx, dpi: exported.dpi } : {}),
      analysisSpecHash: provenance.analysisSpecHash,
      datasetFingerprint: provenance.datasetFingerprint,
    };
  },
  exportTable: async (input, ctx) => {
    const path = await savePath(ctx, 'exportTable', 'Save table', input.format, input.path, input.table);
    const { result, provenance } = await analyse(ctx, input.spec);
    const fmt = tableFormatOf(result, { ci: input.ci, decimals: input.decimals, pStyle: input.pStyle, showCoefficients: input.showCoefficients });
    let model: TableModel;
    if (input.table === 'table1') model = table1Model(result.table1, fmt);
    else if (input.table === 'cox') model = coxTableModel(result, fmt);
    else if (input.table === 'firstFailure') model = countTableModel(result.firstFailure, `Table 3. ${result.firstFailure.title}`);
    else model = countTableModel(result.toxicity, `Table 4. ${result.toxicity.title}`);
    // DOCX/XLSX writers (docx, ExcelJS) run in a worker: the host neither loads them nor waits on them.
    const display = { format: getStudySettings(ctx.study.db).displayFormat, locale: ctx.session.locale };
    const job: TableExportJob = { model, provenance, format: input.format, display };
    const exported = await runTerminableWorkerJob<TableExportResult>('tableExportWorker', new URL('../export/tableExportWorker.ts', import.meta.url), job, ctx, 'Table export cancelled; no file was written.');
    ctx.throwIfCancelled();
    const data = Buffer.from(exported.data.buffer, exported.data.byteOffset, exported.data.byteLength);
    writeOut(path, data);
    await logExport(ctx, 'table', { table: input.table, format: input.format, bytes: data.length, analysisSpecHash: provenance.analysisSpecHash });
    ctx.progress(100, 'Saved');
    return { path, format: exported.extension, bytes: data.length, analysisSpecHash: provenance.analysisSpecHash, datasetFingerprint: provenance.datasetFingerprint };
  },
  getMethodsText: async (input, ctx) => {
    const { result } = await analyse(ctx, input.spec);
    return { text: methodsParagraph(result, { name: 'RT Cohort Workstation', version: appVersion() }, input.pStyle ?? input.spec.format.pStyle), analysisSpecHash: result.specHash };
  },
};
