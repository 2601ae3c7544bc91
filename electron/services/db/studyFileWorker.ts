// Worker thread body of ./studyFileJob.ts, on a connection of its own closed before it answers:
// `prepare` checks (PRAGMA integrity_check), backs up and migrates a study (./studyFile.ts
// prepareStudy); `checkpoint` folds its WAL into the file (checkpointStudy).
// Runs as plain JavaScript bundled by ../host/workerSource.ts.
import { parentPort, workerData } from 'node:worker_threads';
import { hostKeyStore } from '../host/hostKeyStore';
import { lowerJobThreadPriority } from '../host/jobThreadPriority';
import { workerFailure, type WorkerJobMessage } from '../host/workerMessages';
import { migrations } from './migrations/index';
import { checkpointStudy, prepareStudy } from './studyFile';
import type { StudyFileTask } from './studyFileJob';

lowerJobThreadPriority();

async function run(task: StudyFileTask): Promise<unknown> {
  if (task.kind === 'checkpoint') return checkpointStudy(task.path, task.mode);
  return prepareStudy({
    path: task.path,
    journalMode: task.journalMode,
    migrations,
    keyStore: hostKeyStore(task.userDataDir, task.keyStore),
    onProgress: (pct, message) => parentPort?.postMessage({ type: 'progress', pct, message } satisfies WorkerJobMessage<unknown>),
  });
}

run(workerData as StudyFileTask).then(
  (value) => parentPort?.postMessage({ type: 'done', value } satisfies WorkerJobMessage<unknown>),
  (error: unknown) => parentPort?.postMessage(workerFailure(error)),
);
