// `commitDicomProposals` as a job of the service host: a worker thread (./dicomCommitWorker.ts)
// derives the proposals from the index, applies the review's corrections and writes the accepted
// courses into the cohort in ONE transaction on a connection of its own — ~0.35 ms per course of
// validated, audited writes (300 courses: ~105 ms; test/bench/dicomHost.bench.ts), which on the
// host's connection would hold up every other call.
//
// Cancel, all or nothing, and a truthful answer: a shared state word says whether the worker has
// begun writing. Cancelled before (deriving: nothing written), the host claims the state and
// terminates the worker at once. Once writing, the host raises a flag the worker checks before
// every course and just before COMMIT (throwing there rolls the transaction back) and answers what
// the worker reports: CANCELLED, or the result when the commit had already happened.
import type { DicomCommitResult } from '../../../shared/api/dicom';
import type { StudyFile } from '../db/studyFile';
import { startTerminableWorkerJob, type JobControl } from '../host/workerJob';
import type { WorkerJobMessage } from '../host/workerMessages';
import type { ProposalEdit } from './dicomImport';
import { scannedOf, type ScannedIdentity } from './dicomIndex';
import type { DeriveOptions } from './rtDerivation';

/** Slots of the shared state word (Int32Array). */
export const COMMIT_STATE = { phase: 0, cancel: 1 } as const;
/** Values of the `phase` slot: set once, by whichever side gets there first. */
export const COMMIT_PHASE = { deriving: 0, writing: 1, cancelled: 2 } as const;

export interface DicomCommitJob {
  studyPath: string;
  scanned: Array<[number, ScannedIdentity]>;
  options: DeriveOptions;
  proposalIds: string[];
  includeReviewed: boolean;
  edits: ProposalEdit[];
  state: Int32Array;
}

export type DicomCommitMessage = WorkerJobMessage<DicomCommitResult>;

export const COMMIT_CANCELLED_MESSAGE = 'DICOM import cancelled; nothing was added to the cohort.';

export function runDicomCommitJob(
  study: StudyFile,
  input: Pick<DicomCommitJob, 'options' | 'proposalIds' | 'includeReviewed' | 'edits'>,
  control: JobControl,
): Promise<DicomCommitResult> {
  const state = new Int32Array(new SharedArrayBuffer(8));
  const job: DicomCommitJob = { ...input, studyPath: study.path, scanned: [...scannedOf(study.db)], state };
  // Cancelled while deriving, the host claims the state: nothing written, the worker stops anywhere.
  // Once writing, the worker is told to roll back and its own answer stands.
  const terminateOnCancel = () => {
    if (Atomics.compareExchange(state, COMMIT_STATE.phase, COMMIT_PHASE.deriving, COMMIT_PHASE.cancelled) === COMMIT_PHASE.deriving) return true;
    Atomics.store(state, COMMIT_STATE.cancel, 1);
    return false;
  };
  const entry = new URL('./dicomCommitWorker.ts', import.meta.url);
  return startTerminableWorkerJob<DicomCommitResult>('dicomCommitWorker', entry, job, control, COMMIT_CANCELLED_MESSAGE, terminateOnCancel).result;
}
