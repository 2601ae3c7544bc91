// Worker thread body of the study reads of ./analysisJob.ts (an analysis, the analysis dataset, the
// study report), started in the service host: runs on a read-only connection of its own — WAL lets
// it read the study as last committed while the host keeps answering. Runs as plain JavaScript
// bundled by ../host/workerSource.ts.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { CohortDataset } from '../../../shared/api/cohort';
import { workerFailure, type WorkerJobMessage } from '../host/workerMessages';
import type { StudyReadJob, StudyReadTask } from './analysisJob';
import { buildDataset, datasetFingerprint, datasetToCsv } from './dataset';
import { buildReport } from './report';
import { runStudyAnalysis, type AnalysisProgress } from './studyAnalysis';
import { lowerJobThreadPriority } from '../host/jobThreadPriority';

lowerJobThreadPriority();

const progress: AnalysisProgress = {
  progress: (pct, message) => parentPort?.postMessage({ type: 'progress', pct, message } satisfies WorkerJobMessage<unknown>),
  // Cancel terminates this worker (../host/workerJob.ts).
  throwIfCancelled: () => {},
};

function cohortDataset(db: Database.Database, unit: CohortDataset['unit']): CohortDataset {
  const dataset = buildDataset(db, { unit });
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
}

function compute(db: Database.Database, task: StudyReadTask): unknown {
  switch (task.kind) {
    case 'analysis':
      return runStudyAnalysis(db, task.spec, progress);
    case 'dataset':
      return cohortDataset(db, task.unit);
    case 'report':
      return buildReport(db, task.spec, progress);
  }
}

function run(job: StudyReadJob): WorkerJobMessage<unknown> {
  try {
    const db = new Database(job.studyPath, { readonly: true, fileMustExist: true });
    try {
      db.pragma('busy_timeout = 5000');
      return { type: 'done', value: compute(db, job.task) };
    } finally {
      db.close();
    }
  } catch (error) {
    return workerFailure(error);
  }
}

parentPort?.postMessage(run(workerData as StudyReadJob));
