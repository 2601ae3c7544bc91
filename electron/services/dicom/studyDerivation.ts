// RT course/lesion proposals derived from a study's DICOM index: the study's derivation options,
// and which proposals its cohort already holds. Used on the calling thread by the CLI
// (./dicomImport.ts) and in the service host's derivation worker (./deriveWorker.ts) — kept apart
// from the cohort writes so the worker's bundle holds only reads.
import type Database from 'better-sqlite3';
import type { DicomLesionProposal } from '../../../shared/api/dicom';
import { getStudySettings } from '../db/cohortRecords';
import { readIndex, type AgeAtFirstRt, type IndexContent } from './dicomIndex';
import { ageAtFirstRt, deriveProposals, firstReferenceDates, type DeriveOptions, type Derivation } from './rtDerivation';

/** Derivation options of a study: its α/β and SBRT rule, unless overridden. */
export function studyDeriveOptions(db: Database.Database, overrides: DeriveOptions = {}): DeriveOptions {
  const s = getStudySettings(db);
  return {
    imagingWindowDays: overrides.imagingWindowDays ?? 60,
    alphaBetaGy: overrides.alphaBetaGy ?? s.alphaBetaGy,
    sbrtRule: overrides.sbrtRule ?? { minDosePerFractionGy: s.sbrtMinDosePerFractionGy, maxFractions: s.sbrtMaxFractions },
  };
}

/** The proposals of the study's whole index, on the calling thread (the CLI; tests). */
export function deriveFromStudy(db: Database.Database, options: DeriveOptions = {}): Derivation {
  return markInCohort(db, deriveProposals(readIndex(db), studyDeriveOptions(db, options)));
}

/** The cohort course a proposal becomes (rt_courses.source_key). */
export function courseKey(p: DicomLesionProposal): string {
  return `dicom:${p.proposalId}`;
}

/** Sets inCohort on every proposal whose course the study already holds (a re-scan shows them, unselected). */
export function markInCohort<T extends { lesions: DicomLesionProposal[] }>(db: Database.Database, derivation: T): T {
  const find = db.prepare('SELECT 1 FROM rt_courses WHERE source_key = ?').pluck();
  // Studies imported before courses were assembled hold a re-plan or boost plan as a course of its own.
  const byPlan = db.prepare("SELECT source_key FROM rt_courses WHERE plan_sop_instance_uid = ? AND source_key LIKE 'dicom:%'").pluck();
  for (const l of derivation.lesions) {
    l.inCohort = find.get(courseKey(l)) !== undefined;
    const separate = l.planSopInstanceUids
      .filter((uid) => uid !== l.planSopInstanceUid)
      .flatMap((uid) => byPlan.all(uid) as string[])
      .filter((key) => key !== courseKey(l));
    if (separate.length) {
      l.reviewReasons.push(`the cohort already holds ${separate.length} plan(s) of this course as separate course(s) (an earlier import): merge or delete them`);
      l.needsReview = true;
    }
  }
  return derivation;
}

/** A scan's derivation: the proposals, and the ages at first RT it could compute from birth dates. */
export interface ScanDerivation extends Derivation {
  ages: AgeAtFirstRt[];
}

/** Derives the proposals of an index read (readIndex) and the ages to keep (recordAgesAtFirstRt). */
export function deriveScan(index: IndexContent, options: DeriveOptions = {}): ScanDerivation {
  const { patients, lesions } = deriveProposals(index, options);
  // The ages this scan could compute from birth dates are kept; the birth dates are not.
  const firstRt = firstReferenceDates(lesions);
  const ages = index.patients.flatMap((p) => {
    const referenceDate = firstRt.get(p.pseudonym);
    const age = p.birthDate && referenceDate ? ageAtFirstRt(p, referenceDate) : null;
    return age !== null && referenceDate ? [{ indexPatientId: p.id, ageAtFirstRt: age, referenceDate }] : [];
  });
  return { patients, lesions, ages };
}
