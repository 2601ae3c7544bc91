// Worker thread body of an analysis (started by ./analysisJob.ts in the service host): runs
// runStudyAnalysis on a read-only connection of its own — WAL lets it read the study as last
// committed while the host keeps answering. Runs as plain JavaScript bundled by
// ../host/workerSource.ts.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { AnalysisResult, AnalysisSpec } from '../../../shared/api/analysis';
import { workerFailure, type WorkerJobMessage } from '../host/workerMessages';
import { runStudyAnalysis } from './studyAnalysis';

function run(job: { studyPath: string; spec: AnalysisSpec }): WorkerJobMessage<AnalysisResult> {
  try {
    const db = new Database(job.studyPath, { readonly: true, fileMustExist: true });
    try {
      db.pragma('busy_timeout = 5000');
      const value = runStudyAnalysis(db, job.spec, {
        progress: (pct, message) => parentPort?.postMessage({ type: 'progress', pct, message } satisfies WorkerJobMessage<AnalysisResult>),
        // Cancel terminates this worker (../host/workerJob.ts).
        throwIfCancelled: () => {},
      });
      return { type: 'done', value };
    } finally {
      db.close();
    }
  } catch (error) {
    return workerFailure(error);
  }
}

parentPort?.postMessage(run(workerData as { studyPath: string; spec: AnalysisSpec }));
