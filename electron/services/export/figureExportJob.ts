// A figure export as a job of the service host: chart building, SVG rendering and rasterising run
// in a worker thread (./figureExportWorker.ts), so the host keeps answering other calls while a
// 1200 dpi TIFF renders; cancel terminates the worker at once and nothing is written.
import type { AnalysisResult } from '../../../shared/api/analysis';
import type { AnalysisFigureOptions } from '../../../shared/charts/analysisFigure';
import type { JournalPreset } from '../../../shared/charts/journalStyle';
import { runTerminableWorkerJob, type JobControl, type WorkerJobMessage } from '../host/workerJob';
import type { ExportedFigure, FigureFormat } from './figureExport';
import type { Provenance } from './provenance';

export interface FigureJobInput {
  result: AnalysisResult;
  figure: 'survival' | 'forest';
  model: 'multivariable' | 'univariate';
  /** Survival figures: CI band, risk table, axis, annotation (shared/charts/analysisFigure.ts). */
  survival: AnalysisFigureOptions;
  preset: JournalPreset;
  format: FigureFormat;
  dpi: number;
  provenance: Provenance;
}

export interface FigureJobResult {
  exported: ExportedFigure;
  widthMm: number;
  heightMm: number;
}

export type FigureJobMessage = WorkerJobMessage<FigureJobResult>;

export async function runFigureExportJob(job: FigureJobInput, control: JobControl): Promise<FigureJobResult> {
  const value = await runTerminableWorkerJob<FigureJobResult>(
    'figureExportWorker',
    new URL('./figureExportWorker.ts', import.meta.url),
    job,
    control,
    'Figure export cancelled; no file was written.',
  );
  // Structured clone delivers a Uint8Array: make it a Buffer again.
  const data = value.exported.data;
  return { ...value, exported: { ...value.exported, data: Buffer.from(data.buffer, data.byteOffset, data.byteLength) } };
}
