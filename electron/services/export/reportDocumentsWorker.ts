// Worker thread body of the study report's documents (DOCX tables, SVG/PDF figures): started by
// electron/services/api/cohortHandlers.ts through ../host/workerJob.ts, it writes into the staging
// folder it is given. A cancel terminates it; the caller removes the staging folder.
// Runs as plain JavaScript bundled by ../host/workerSource.ts.
import { parentPort, workerData } from 'node:worker_threads';
import type { StudyReport } from '../../../shared/domain/studyReport';
import type { WorkerJobMessage } from '../host/workerMessages';
import { exportReportDocuments } from './reportDocuments';

async function run(job: { report: StudyReport; outDir: string; locale?: string }): Promise<WorkerJobMessage<string[]>> {
  try {
    return { type: 'done', value: await exportReportDocuments(job.report, job.outDir, job.locale) };
  } catch (error) {
    return { type: 'failed', message: error instanceof Error ? error.message : String(error) };
  }
}

void run(workerData as { report: StudyReport; outDir: string; locale?: string }).then((message) => parentPort?.postMessage(message));
