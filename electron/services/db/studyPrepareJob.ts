// Opening a study in the service host: the integrity check, backup copy and migrations
// (./studyFile.ts prepareStudy) run in a worker thread (./studyPrepareWorker.ts) — seconds on a
// large study, during which the host keeps answering other calls (the recent-studies list, a
// progress poll). The host holds the writer lock meanwhile and opens its own connection after.
import type { HostKeyStoreConfig } from '../host/hostKeyStore';
import { runTerminableWorkerJob } from '../host/workerJob';
import type { PreparedStudy, StudyPreparation, StudyPreparer } from './studyFile';

/** Where the worker finds the study keys a migration stores (the host's store, rebuilt there). */
export interface StudyKeysLocation {
  userDataDir: string;
  keyStore: HostKeyStoreConfig;
}

export type StudyPrepareJob = Pick<StudyPreparation, 'path' | 'journalMode'> & StudyKeysLocation;

/** A StudyPreparer running the app's migrations in a worker thread, with the key store at `keys`. */
export function studyPreparerInWorker(keys: StudyKeysLocation): StudyPreparer {
  return ({ path, journalMode, onProgress }) =>
    runTerminableWorkerJob<PreparedStudy>(
      'studyPrepareWorker',
      new URL('./studyPrepareWorker.ts', import.meta.url),
      { path, journalMode, ...keys } satisfies StudyPrepareJob,
      // Not cancellable: the user waits for the study to open (a migration is one transaction).
      { signal: new AbortController().signal, progress: onProgress ?? (() => {}) },
      'Opening the study was cancelled.',
    );
}
