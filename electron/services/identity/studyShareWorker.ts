// Worker thread body of `shareStudyCopy` (./studyShare.ts), started by the service host
// (electron/services/api/studyHandlers.ts): the copy is built from an in-memory image of the whole
// study and written with VACUUM INTO — work proportional to the study, so it runs here on a
// read-only connection of its own (WAL: the study as last committed) while the host keeps
// answering. A cancel terminates it; the host then removes the partial file it named.
// Runs as plain JavaScript bundled by ../host/workerSource.ts.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { SharedCopyResult } from '../../../shared/api/study';
import { workerFailure, type WorkerJobMessage } from '../host/workerMessages';
import { shareStudy } from './studyShare';
import { lowerJobThreadPriority } from '../host/jobThreadPriority';

lowerJobThreadPriority();

export interface StudyShareJob {
  studyPath: string;
  outPath: string;
  partialPath: string;
}

function run(job: StudyShareJob): WorkerJobMessage<SharedCopyResult> {
  try {
    const db = new Database(job.studyPath, { readonly: true, fileMustExist: true });
    try {
      db.pragma('busy_timeout = 5000');
      return { type: 'done', value: shareStudy(db, job.studyPath, job.outPath, { partialPath: job.partialPath }) };
    } finally {
      db.close();
    }
  } catch (error) {
    return workerFailure(error);
  }
}

parentPort?.postMessage(run(workerData as StudyShareJob));
