// The RT course/lesion derivation as a job of the service host: the whole DICOM index is read and
// every course assembled in a worker thread (./deriveWorker.ts) on a read-only connection of its
// own — ~130 ms for 250 courses, seconds for a hospital's folder — so the host's thread keeps
// answering other calls; cancel terminates the worker (it writes nothing). The caller writes what
// the derivation yields (the ages a scan computed, the accepted courses) on the host's connection.
//
// The clear values the host's scans read (PatientID for the review table, birth dates for the age
// at first RT) live only in the host connection's memory (./dicomIndex.ts rememberScanned): they
// are handed to the worker in its workerData — memory to memory, never through the study file.
import type { StudyFile } from '../db/studyFile';
import { runTerminableWorkerJob, type JobControl } from '../host/workerJob';
import { scannedOf, type ScannedIdentity } from './dicomIndex';
import type { ScanDerivation } from './studyDerivation';
import type { DeriveOptions } from './rtDerivation';

export interface DeriveJob {
  studyPath: string;
  /** Index patient id → what the host's scans read in clear (./dicomIndex.ts scannedOf). */
  scanned: Array<[number, ScannedIdentity]>;
  /** Overrides of the study's derivation options (./studyDerivation.ts studyDeriveOptions). */
  options: DeriveOptions;
}

/**
 * Proposals of the study's whole index as last committed, marked inCohort, with the ages at first
 * RT the scans' birth dates give (for recordAgesAtFirstRt after a scan).
 */
export function runDeriveJob(study: StudyFile, options: DeriveOptions, control: JobControl): Promise<ScanDerivation> {
  const job: DeriveJob = { studyPath: study.path, scanned: [...scannedOf(study.db)], options };
  return runTerminableWorkerJob<ScanDerivation>('deriveWorker', new URL('./deriveWorker.ts', import.meta.url), job, control, 'DICOM derivation cancelled.');
}
