// An analysis as a job of the service host: computed in a worker thread (./analysisWorker.ts), so
// the host's thread stays free for other calls; cancel terminates the worker.
import type { AnalysisResult, AnalysisSpec } from '../../../shared/api/analysis';
import { runTerminableWorkerJob, type JobControl } from '../host/workerJob';

export function runAnalysisJob(studyPath: string, spec: AnalysisSpec, control: JobControl): Promise<AnalysisResult> {
  return runTerminableWorkerJob<AnalysisResult>('analysisWorker', new URL('./analysisWorker.ts', import.meta.url), { studyPath, spec }, control, 'Analysis cancelled.');
}
