// Worker thread body of ./studyPrepareJob.ts: checks (PRAGMA integrity_check), backs up and
// migrates a study on a connection of its own, then closes it (./studyFile.ts prepareStudy).
// Runs as plain JavaScript bundled by ../host/workerSource.ts.
import { parentPort, workerData } from 'node:worker_threads';
import { hostKeyStore } from '../host/hostKeyStore';
import { lowerJobThreadPriority } from '../host/jobThreadPriority';
import { workerFailure, type WorkerJobMessage } from '../host/workerMessages';
import { migrations } from './migrations/index';
import { prepareStudy, type PreparedStudy } from './studyFile';
import type { StudyPrepareJob } from './studyPrepareJob';

lowerJobThreadPriority();

const job = workerData as StudyPrepareJob;
prepareStudy({
  path: job.path,
  journalMode: job.journalMode,
  migrations,
  keyStore: hostKeyStore(job.userDataDir, job.keyStore),
  onProgress: (pct, message) => parentPort?.postMessage({ type: 'progress', pct, message } satisfies WorkerJobMessage<PreparedStudy>),
}).then(
  (value) => parentPort?.postMessage({ type: 'done', value } satisfies WorkerJobMessage<PreparedStudy>),
  (error: unknown) => parentPort?.postMessage(workerFailure(error)),
);
