// The service host's slow study-file work, in a worker thread (./studyFileWorker.ts), so the host
// keeps answering other calls (the recent-studies list, reads, progress) meanwhile:
// - opening: the integrity check, backup copy and migrations (./studyFile.ts prepareStudy) —
//   seconds on a large study; the host holds the writer lock and opens its connection after;
// - checkpoints: folding the WAL into the file after an import committed from its worker and
//   before closing (./studyFile.ts checkpointStudy) — the frames of a large import, which the
//   host's connection would otherwise copy on its own thread (at its next commit, or at close).
import type { HostKeyStoreConfig } from '../host/hostKeyStore';
import { runTerminableWorkerJob, type JobControl } from '../host/workerJob';
import type { CheckpointMode, PreparedStudy, StudyPreparation, StudyPreparer } from './studyFile';

/** Where the worker finds the study keys a migration stores (the host's store, rebuilt there). */
export interface StudyKeysLocation {
  userDataDir: string;
  keyStore: HostKeyStoreConfig;
}

export type StudyFileTask =
  | ({ kind: 'prepare' } & Pick<StudyPreparation, 'path' | 'journalMode'> & StudyKeysLocation)
  | { kind: 'checkpoint'; path: string; mode: CheckpointMode };

// Neither task is cancellable: the user waits for the study to open (a migration is one
// transaction), and a checkpoint is short and safe to finish.
function runStudyFileTask<T>(task: StudyFileTask, progress: JobControl['progress'] = () => {}): Promise<T> {
  return runTerminableWorkerJob<T>('studyFileWorker', new URL('./studyFileWorker.ts', import.meta.url), task, { signal: new AbortController().signal, progress }, 'Cancelled.');
}

/** A StudyPreparer running the app's migrations in a worker thread, with the key store at `keys`. */
export function studyPreparerInWorker(keys: StudyKeysLocation): StudyPreparer {
  return ({ path, journalMode, onProgress }) => runStudyFileTask<PreparedStudy>({ kind: 'prepare', path, journalMode, ...keys }, onProgress);
}

/** Checkpoints the study's WAL from a connection of a worker thread. */
export function checkpointInWorker(path: string, mode: CheckpointMode): Promise<void> {
  return runStudyFileTask<void>({ kind: 'checkpoint', path, mode });
}
