// Worker thread body of ./deriveJob.ts, started by the service host: reads the DICOM index on a
// read-only connection of its own (WAL: the study as last committed — the host commits every
// index batch before it starts this job), derives the proposals, marks those the cohort holds.
// Writes nothing, so a cancel may terminate it anywhere. Runs as plain JavaScript bundled by
// ../host/workerSource.ts.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { lowerJobThreadPriority } from '../host/jobThreadPriority';
import { workerFailure, type WorkerJobMessage } from '../host/workerMessages';
import type { DeriveJob } from './deriveJob';
import { readIndex } from './dicomIndex';
import { deriveScan, markInCohort, studyDeriveOptions, type ScanDerivation } from './studyDerivation';

lowerJobThreadPriority();

const progress = (pct: number, message: string) => parentPort?.postMessage({ type: 'progress', pct, message } satisfies WorkerJobMessage<unknown>);

function run(job: DeriveJob): WorkerJobMessage<ScanDerivation> {
  try {
    const db = new Database(job.studyPath, { readonly: true, fileMustExist: true });
    try {
      db.pragma('busy_timeout = 5000');
      progress(0, 'Reading the DICOM index');
      const index = readIndex(db, new Map(job.scanned));
      progress(20, 'Deriving lesions and courses');
      const derivation = deriveScan(index, studyDeriveOptions(db, job.options));
      progress(90, 'Checking the cohort');
      return { type: 'done', value: markInCohort(db, derivation) };
    } finally {
      db.close();
    }
  } catch (error) {
    return workerFailure(error);
  }
}

parentPort?.postMessage(run(workerData as DeriveJob));
