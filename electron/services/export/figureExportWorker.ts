// Worker thread body of a figure export (started by ./figureExportJob.ts in the service host):
// builds the chart from an analysis result, renders it with ECharts' SVG renderer and converts it
// (PDF, or a PNG/TIFF up to 1200 dpi). All of it is CPU-bound JavaScript and native rendering that
// would otherwise hold the host's thread for seconds. The bytes go back to the host, which writes
// the file, so a cancelled export (the worker is terminated) writes nothing.
// Runs as plain JavaScript bundled by ../host/workerSource.ts.
import { parentPort, workerData } from 'node:worker_threads';
import { analysisForestFigure, analysisSurvivalFigure } from '../../../shared/charts/analysisFigure';
import { EXPORT_SCALE, exportFigure } from './figureExport';
import { measureFigureText } from './figureFont';
import { ApiError } from '../../../shared/api/contract';
import { workerFailure } from '../host/workerMessages';
import type { FigureJobInput, FigureJobMessage } from './figureExportJob';
import { lowerJobThreadPriority } from '../host/jobThreadPriority';

lowerJobThreadPriority();

async function run(job: FigureJobInput): Promise<FigureJobMessage> {
  try {
    const fctx = { preset: job.preset, measureText: measureFigureText, scale: EXPORT_SCALE };
    const figure =
      job.figure === 'forest'
        ? analysisForestFigure(job.result, fctx, job.model)
        : analysisSurvivalFigure(job.result, fctx, job.survival);
    if (!figure) throw new ApiError('INVALID_INPUT', 'No Cox model of this analysis has an estimable hazard ratio: there is no forest plot to draw.');
    parentPort?.postMessage({ type: 'progress', pct: 80, message: job.format === 'tiff' || job.format === 'png' ? `Rendering at ${job.dpi} dpi` : 'Rendering figure' } satisfies FigureJobMessage);
    const exported = await exportFigure(figure, job.provenance, { format: job.format, dpi: job.dpi });
    return { type: 'done', value: { exported, widthMm: figure.widthMm, heightMm: figure.heightMm } };
  } catch (error) {
    return workerFailure(error);
  }
}

// The file bytes are copied once by structured clone (a LZW TIFF at 1200 dpi is well under 1 MB).
void run(workerData as FigureJobInput).then((message) => parentPort?.postMessage(message));
