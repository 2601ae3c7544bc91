// A figure export as a job of the service host: chart building, SVG rendering and rasterising run
// in a worker thread (./figureExportWorker.ts), so the host keeps answering other calls while a
// 1200 dpi TIFF renders; cancel terminates the worker at once and nothing is written.
import { Worker } from 'node:worker_threads';
import { ApiError } from '../../../shared/api/contract';
import type { AnalysisResult } from '../../../shared/api/analysis';
import type { JournalPreset } from '../../../shared/charts/journalStyle';
import { workerSource } from '../host/workerSource';
import type { ExportedFigure, FigureFormat } from './figureExport';
import type { Provenance } from './provenance';

export interface FigureJobInput {
  result: AnalysisResult;
  figure: 'survival' | 'forest';
  model: 'multivariable' | 'univariate';
  ci?: boolean;
  riskTable?: 'none' | 'basic' | 'kmunicate';
  preset: JournalPreset;
  scale: number;
  format: FigureFormat;
  dpi: number;
  provenance: Provenance;
}

export type FigureJobMessage =
  | { type: 'progress'; pct: number; message: string }
  | { type: 'done'; exported: ExportedFigure; widthMm: number; heightMm: number }
  | { type: 'failed'; message: string };

export interface JobControl {
  signal: AbortSignal;
  progress(pct: number, message: string): void;
}

export async function runFigureExportJob(job: FigureJobInput, control: JobControl): Promise<{ exported: ExportedFigure; widthMm: number; heightMm: number }> {
  const source = await workerSource('figureExportWorker', new URL('./figureExportWorker.ts', import.meta.url));
  const cancelled = () => new ApiError('CANCELLED', 'Figure export cancelled; no file was written.');
  if (control.signal.aborted) throw cancelled();
  const worker = new Worker(source, { eval: true, workerData: job });
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      control.signal.removeEventListener('abort', onAbort);
      outcome();
    };
    const onAbort = () => {
      void worker.terminate();
      settle(() => reject(cancelled()));
    };
    control.signal.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (message: FigureJobMessage) => {
      if (message.type === 'progress') control.progress(message.pct, message.message);
      else if (message.type === 'done') {
        const data = Buffer.from(message.exported.data.buffer, message.exported.data.byteOffset, message.exported.data.byteLength);
        settle(() => resolve({ ...message, exported: { ...message.exported, data } }));
      } else settle(() => reject(new Error(message.message)));
    });
    worker.on('error', (error) => settle(() => reject(error)));
    worker.on('exit', (code) => settle(() => reject(new Error(`The figure export worker stopped (exit code ${code}).`))));
  });
}
