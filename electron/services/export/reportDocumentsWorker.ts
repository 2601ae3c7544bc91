// Worker thread body of a written study report (`writeStudyReport`), started by
// electron/services/api/cohortHandlers.ts through ../host/workerJob.ts: computes the report and its
// dataset on a read-only connection of its own, and writes report.json, the CSVs, reproduce.R and
// the documents (DOCX tables, SVG/PDF figures) into the staging folder it is given — all of it off
// the host's thread. A cancel terminates it; the caller removes the staging folder once it stopped.
// Runs as plain JavaScript bundled by ../host/workerSource.ts.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { AnalysisSpec } from '../../../shared/api/analysis';
import { workerFailure, type WorkerJobMessage } from '../host/workerMessages';
import { buildDataset } from '../analysis/dataset';
import { buildReport, writeReport } from '../analysis/report';
import { exportReportDocuments } from './reportDocuments';
import { lowerJobThreadPriority } from '../host/jobThreadPriority';

lowerJobThreadPriority();

export interface ReportDocumentsJob {
  studyPath: string;
  spec: AnalysisSpec;
  /** The staging folder (created by the caller). */
  outDir: string;
  /** The locale a 'locale' date/number setting resolves to (the service host's, StudySession.locale). */
  locale?: string;
}

export interface ReportDocumentsResult {
  files: string[];
  endpoint: string;
  unit: string;
}

const progress = (pct: number, message: string) => parentPort?.postMessage({ type: 'progress', pct, message } satisfies WorkerJobMessage<ReportDocumentsResult>);

async function run(job: ReportDocumentsJob): Promise<WorkerJobMessage<ReportDocumentsResult>> {
  try {
    progress(10, 'Computing the report');
    const db = new Database(job.studyPath, { readonly: true, fileMustExist: true });
    let computed;
    try {
      db.pragma('busy_timeout = 5000');
      const report = buildReport(db, job.spec);
      computed = { report, dataset: buildDataset(db, { unit: report.unit }) };
    } finally {
      db.close();
    }
    progress(60, 'Writing files');
    const files = await writeReport(computed.report, job.outDir, {
      dataset: computed.dataset,
      locale: job.locale,
      exporters: [
        (report, dir) => {
          progress(75, 'Writing tables and figures');
          return exportReportDocuments(report, dir, job.locale);
        },
      ],
    });
    return { type: 'done', value: { files, endpoint: computed.report.spec.endpoint, unit: computed.report.unit } };
  } catch (error) {
    return workerFailure(error);
  }
}

void run(workerData as ReportDocumentsJob).then((message) => parentPort?.postMessage(message));
