// Worker thread body of ./dicomCommitJob.ts, started by the service host: derives the proposals on
// a connection of its own (the study as last committed), applies the review's corrections and
// commits the accepted ones in one transaction (./dicomImport.ts commitProposals). Cancel: see
// ./dicomCommitJob.ts. Runs as plain JavaScript bundled by ../host/workerSource.ts.
import { parentPort, workerData } from 'node:worker_threads';
import { ApiError } from '../../../shared/api/contract';
import { openWorkerWriter } from '../db/studyFile';
import { lowerJobThreadPriority } from '../host/jobThreadPriority';
import { workerFailure } from '../host/workerMessages';
import { COMMIT_CANCELLED_MESSAGE, COMMIT_PHASE, COMMIT_STATE, type DicomCommitJob, type DicomCommitMessage } from './dicomCommitJob';
import { applyEdits, commitProposals } from './dicomImport';
import { readIndex } from './dicomIndex';
import { deriveScan, markInCohort, studyDeriveOptions } from './studyDerivation';

lowerJobThreadPriority();

const progress = (pct: number, message: string) => parentPort?.postMessage({ type: 'progress', pct, message } satisfies DicomCommitMessage);
/** Courses between two progress reports. */
const REPORT_EVERY = 50;

function run(job: DicomCommitJob): DicomCommitMessage {
  const cancelled = () => new ApiError('CANCELLED', COMMIT_CANCELLED_MESSAGE);
  try {
    const db = openWorkerWriter(job.studyPath);
    try {
      progress(0, 'Reading the DICOM index');
      const index = readIndex(db, new Map(job.scanned));
      progress(15, 'Deriving lesions and courses');
      const derivation = markInCohort(db, deriveScan(index, studyDeriveOptions(db, job.options)));
      const edited = applyEdits(derivation.lesions, job.edits);
      // From here the host no longer terminates this thread on cancel; it raises the flag instead.
      if (Atomics.compareExchange(job.state, COMMIT_STATE.phase, COMMIT_PHASE.deriving, COMMIT_PHASE.writing) !== COMMIT_PHASE.deriving) throw cancelled();
      progress(80, 'Adding to the cohort');
      const result = commitProposals(db, derivation, {
        accepted: new Set(job.proposalIds),
        includeReviewed: job.includeReviewed,
        edited,
        // Called before each course and once more just before COMMIT: throwing rolls everything back.
        onProgress: ({ done, total }) => {
          if (Atomics.load(job.state, COMMIT_STATE.cancel) !== 0) throw cancelled();
          if (done % REPORT_EVERY === 0 && done < total) progress(80 + Math.floor((19 * done) / total), `Adding to the cohort (${done}/${total} courses)`);
        },
      });
      return { type: 'done', value: result };
    } finally {
      db.close();
    }
  } catch (error) {
    return workerFailure(error);
  }
}

parentPort?.postMessage(run(workerData as DicomCommitJob));
