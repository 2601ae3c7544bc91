// Reads of the whole study as jobs of the service host: an analysis, the analysis dataset, the
// study report — each computed in a worker thread (./analysisWorker.ts) on a read-only connection
// of its own, so the host's thread stays free for other calls; cancel terminates the worker.
import type { AnalysisResult, AnalysisSpec } from '../../../shared/api/analysis';
import type { CohortDataset } from '../../../shared/api/cohort';
import type { AnalysisUnit } from '../../../shared/domain/analysisDataset';
import type { StudyReport } from '../../../shared/domain/studyReport';
import { runTerminableWorkerJob, type JobControl } from '../host/workerJob';

/** What ./analysisWorker.ts computes. */
export type StudyReadTask = { kind: 'analysis'; spec: AnalysisSpec } | { kind: 'dataset'; unit: AnalysisUnit } | { kind: 'report'; spec: AnalysisSpec };

export interface StudyReadJob {
  studyPath: string;
  task: StudyReadTask;
}

function runStudyRead<T>(studyPath: string, task: StudyReadTask, control: JobControl, cancelledMessage: string): Promise<T> {
  const job: StudyReadJob = { studyPath, task };
  return runTerminableWorkerJob<T>('analysisWorker', new URL('./analysisWorker.ts', import.meta.url), job, control, cancelledMessage);
}

export function runAnalysisJob(studyPath: string, spec: AnalysisSpec, control: JobControl): Promise<AnalysisResult> {
  return runStudyRead(studyPath, { kind: 'analysis', spec }, control, 'Analysis cancelled.');
}

/** The `cohortDataset` answer (rows, ids, fingerprint, CSV), built in the worker. */
export function runDatasetJob(studyPath: string, unit: AnalysisUnit, control: JobControl): Promise<CohortDataset> {
  return runStudyRead(studyPath, { kind: 'dataset', unit }, control, 'Dataset cancelled.');
}

export function runReportJob(studyPath: string, spec: AnalysisSpec, control: JobControl): Promise<StudyReport> {
  return runStudyRead(studyPath, { kind: 'report', spec }, control, 'Report cancelled.');
}
