// The service side of the API: every handler, merged, plus the runtime both transports build.
// The type annotation makes the compiler reject a method without a handler.
import { api, type Api } from '../../../shared/api/index';
import { populateDemoStudy } from '../analysis/demoStudy';
import type { MethodRecord } from '../../../shared/api/contract';
import { analysisHandlers } from './analysisHandlers';
import { createApiService, type ApiService, type Handlers, type PathChooser } from './apiService';
import { cohortHandlers } from './cohortHandlers';
import { dicomHandlers } from './dicomHandlers';
import { exportHandlers } from './exportHandlers';
import { studyHandlers } from './studyHandlers';
import { StudySession, type StudySessionOptions } from './studySession';
import { checkpointInWorker, studyPreparerInWorker } from '../db/studyFileJob';
import type { HostKeyStoreConfig } from '../host/hostKeyStore';

export const handlers: Handlers<Api> = {
  ...studyHandlers,
  ...cohortHandlers,
  ...dicomHandlers,
  ...analysisHandlers,
  ...exportHandlers,
};

export interface ApiRuntimeOptions {
  userDataDir: string;
  choosePath: PathChooser;
  /** Default: the built-in synthetic cohort (electron/services/analysis/demoStudy.ts). */
  populateDemo?: StudySessionOptions['populateDemo'];
  logError?: (method: string, error: unknown) => void;
  /** The installation's folders (desktop app): like the user-data folder, never an export target. */
  appDirs?: readonly string[];
  /** Study keys: the desktop app's safeStorage store; default 0600 key files (StudySession). */
  keyStore?: StudySessionOptions['keyStore'];
  /**
   * What `keyStore` is (service host: from main's `init`), so the worker that migrates a study on
   * open (db/studyFileJob.ts) stores keys in the same place. Default: plain key files. A
   * `keyStore` without it keeps opening in this thread.
   */
  keyStoreConfig?: HostKeyStoreConfig;
  /** Default: the process's locale (StudySession.locale). */
  locale?: string;
  /** A different contract (transport tests); default: the app's `api` with `handlers`. */
  contract?: ServedContract;
}

/** A method record with its handlers, type-erased so any contract can be served. */
export interface ServedContract {
  methods: MethodRecord;
  handlers: Handlers<MethodRecord>;
}

export function servedContract<T extends MethodRecord>(methods: T, handlers: Handlers<T>): ServedContract {
  return { methods, handlers: handlers as unknown as Handlers<MethodRecord> };
}

/** One StudySession + ApiService, as used by electron/main and electron/harness. */
export function createApiRuntime(options: ApiRuntimeOptions): ApiService {
  const session = new StudySession({
    userDataDir: options.userDataDir,
    // The built-in synthetic demo cohort (cohort area) unless a test supplies another.
    populateDemo: options.populateDemo ?? ((db) => populateDemoStudy(db)),
    keyStore: options.keyStore,
    locale: options.locale,
    // Integrity check, backup and migrations of an opened study, and folding its WAL after an
    // import and before closing, run in a worker thread (db/studyFileJob.ts).
    prepareStudy:
      options.keyStore && !options.keyStoreConfig
        ? undefined
        : studyPreparerInWorker({ userDataDir: options.userDataDir, keyStore: options.keyStoreConfig ?? { kind: 'files' } }),
    checkpointStudy: checkpointInWorker,
  });
  const contract = options.contract ?? servedContract(api, handlers);
  return createApiService({ session, ...contract, choosePath: options.choosePath, logError: options.logError, appDirs: options.appDirs });
}

export type { ApiService, HandlerContext, Handler, Handlers, PathChooser, PathRequest } from './apiService';
export { StudySession } from './studySession';
export { FileGrants, PATH_PURPOSES, type ChosenPath } from './fileGrants';
