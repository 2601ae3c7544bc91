// Commits accepted DICOM proposals into the cohort (patients, lesions, RT courses) in one
// transaction, through the cohort's validated writes (audit log, provenance). Idempotent: a course
// is keyed by its proposal (plan SOP Instance UID + target), a lesion by patient + levels, a patient
// by pseudonym — re-running adds nothing twice.
//
// Only de-identified values reach the cohort tables: the pseudonym, sex, age at first RT, clinical
// dates, doses, machine and the plan UID; provenance locators point at dicom_instance rows.
import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { DicomCommitResult, DicomLesionProposal, DicomPatientProposal, DicomScanResult } from '../../../shared/api/dicom';
import { createProvenance, createRecord, currentUser } from '../db/cohortRecords';
import { recordAuditEvent } from '../db/auditEvents';
import { openStudy, type StudyFileOptions } from '../db/studyFile';
import { assertIdentifiedImportAllowed } from '../identity/sharedCopy';
import { linkHospitalIdHash } from '../identity/patientLink';
import { defaultKeyStore, getOrCreateStudyKey, type StudyKeyStore } from '../identity/studyKey';
import { scanIntoIndex } from './dicomScan';
import type { ScanOptions, ScanProgress } from './folderScan';
import type { DeriveOptions, Derivation } from './rtDerivation';
import { courseKey, markInCohort, studyDeriveOptions } from './studyDerivation';

// Callers (the CLI, tests) find the derivation next to the commit.
export { deriveFromStudy, markInCohort, studyDeriveOptions } from './studyDerivation';

/**
 * The phases to store with a course: only when they still add up to its totals (a person who
 * corrected the dose or fractions in the review replaced the phase arithmetic with their own).
 */
function phasesToStore(p: DicomLesionProposal): DicomLesionProposal['phases'] {
  const counted = p.phases.filter((ph) => (ph.fractionsCounted ?? 0) > 0);
  if (!counted.length || counted.some((ph) => ph.dosePerFractionGy === null || !(ph.dosePerFractionGy > 0))) return [];
  const fractions = counted.reduce((s, ph) => s + (ph.fractionsCounted as number), 0);
  const dose = counted.reduce((s, ph) => s + (ph.dosePerFractionGy as number) * (ph.fractionsCounted as number), 0);
  if (fractions !== p.fractionsPlanned || p.totalDoseGy === null || Math.abs(dose - p.totalDoseGy) > 1e-3) return [];
  return counted;
}

/** Why a proposal cannot be written even when accepted (the cohort needs these facts). */
function missingFacts(p: DicomLesionProposal): string[] {
  const missing: string[] = [];
  if (!p.pseudonym) missing.push('no patient');
  if (!p.levels.length) missing.push('no vertebral levels');
  if (!(p.totalDoseGy && p.totalDoseGy > 0)) missing.push('no total dose');
  if (!p.fractionsPlanned) missing.push('no planned fractions');
  if (!(p.rtStartDate ?? p.planDate)) missing.push('no RT start or plan date');
  return missing;
}

export interface CommitOptions {
  /** Proposal ids to commit; default every proposal that needs no review. */
  accepted?: ReadonlySet<string>;
  /** Commit accepted proposals even if flagged needsReview (the user reviewed them). */
  includeReviewed?: boolean;
  /** Accepted proposals a person corrected in the review: reviewed, so committed even when flagged. */
  edited?: ReadonlySet<string>;
  who?: string;
  onProgress?: (progress: ScanProgress) => void;
}

/** Corrections a person typed in the review table (shared/api/dicom.ts commitDicomProposals `edits`). */
export type ProposalEdit = { proposalId: string } & Partial<Pick<DicomLesionProposal, 'levels' | 'totalDoseGy' | 'fractionsPlanned' | 'fractionsDelivered' | 'rtStartDate'>>;

/**
 * Replaces derived values with the review's corrections (the cohort validates them on write);
 * returns the ids corrected — a correction is a person's review, so an edited flagged proposal is
 * committed like an accepted one (CommitOptions.edited).
 */
export function applyEdits(lesions: DicomLesionProposal[], edits: readonly ProposalEdit[]): Set<string> {
  const byId = new Map(edits.map(({ proposalId, ...changes }) => [proposalId, changes]));
  for (const lesion of lesions) {
    const changes = byId.get(lesion.proposalId);
    if (changes) Object.assign(lesion, Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)));
  }
  return new Set(byId.keys());
}

export function commitProposals(db: Database.Database, derivation: Derivation, options: CommitOptions = {}): DicomCommitResult {
  assertIdentifiedImportAllowed(db, 'DICOM import');
  const who = options.who ?? currentUser();
  const result: DicomCommitResult = { patientsAdded: 0, lesionsAdded: 0, coursesAdded: 0, alreadyPresent: 0, notCommitted: [] };
  const patientByPseudonym = new Map<string, DicomPatientProposal>(derivation.patients.map((p) => [p.pseudonym, p]));
  const known = new Set(derivation.lesions.map((l) => l.proposalId));
  for (const id of options.accepted ?? []) if (!known.has(id)) result.notCommitted.push({ proposalId: id, reasons: ['no such proposal'] });

  const present = db.prepare('SELECT 1 FROM rt_courses WHERE source_key = ?').pluck();
  const chosen: DicomLesionProposal[] = [];
  for (const p of derivation.lesions) {
    const accepted = options.accepted ? options.accepted.has(p.proposalId) : true;
    if (!accepted) continue;
    // Already in the cohort (a person accepted it earlier, flagged or not): nothing to decide again.
    if (present.get(courseKey(p)) !== undefined) {
      result.alreadyPresent++;
      continue;
    }
    if (p.needsReview && !options.includeReviewed && !options.edited?.has(p.proposalId)) {
      result.notCommitted.push({ proposalId: p.proposalId, reasons: p.reviewReasons });
      continue;
    }
    const missing = missingFacts(p);
    if (missing.length) {
      result.notCommitted.push({ proposalId: p.proposalId, reasons: missing });
      continue;
    }
    chosen.push(p);
  }

  const findCourse = db.prepare('SELECT id FROM rt_courses WHERE source_key = ?');
  const findPatient = db.prepare('SELECT id FROM patients WHERE pseudonym = ?');
  // The hospital-ID hash the index keeps for the pseudonym (identity/patientLink.ts): it links the
  // cohort patient for MRN-keyed spreadsheets, and finds a patient a sheet created first.
  const indexHash = db.prepare('SELECT id_hash AS idHash FROM dicom_patient WHERE pseudonym = ?');
  const findLinked = db.prepare('SELECT patient_id AS id FROM patient_hospital_id WHERE id_hash = ?');
  const findLesion = db.prepare('SELECT id FROM lesions WHERE patient_id = ? AND levels = ?');
  const insertPhase = db.prepare(
    `INSERT INTO rt_course_phases (rt_course_id, phase_number, plan_sop_instance_uid, fraction_group, dose_per_fraction_gy,
       fractions_planned, fractions_delivered, fractions_counted, superseded) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );

  db.transaction(() => {
    let provenanceId: number | null = null;
    const provenance = () => {
      if (provenanceId === null) {
        // A fingerprint of what was committed (UIDs, hashed) — no names or paths in the label.
        const fingerprint = createHash('sha256')
          .update(chosen.map((p) => p.proposalId).sort().join('\n'))
          .digest('hex');
        provenanceId = createProvenance(db, { kind: 'dicom', label: 'DICOM import', fingerprint }, who);
      }
      return provenanceId;
    };
    let done = 0;
    for (const p of chosen) {
      options.onProgress?.({ phase: 'committing', done: done++, total: chosen.length });
      if (findCourse.get(courseKey(p))) {
        result.alreadyPresent++;
        continue;
      }
      const locator = `dicom_instance ${p.instanceIds.join(',')}`;
      const idHash = (indexHash.get(p.pseudonym) as { idHash: string | null } | undefined)?.idHash ?? null;
      let patientId =
        (findPatient.get(p.pseudonym) as { id: number } | undefined)?.id ?? (idHash ? (findLinked.get(idHash) as { id: number } | undefined)?.id : undefined);
      if (patientId === undefined) {
        const pp = patientByPseudonym.get(p.pseudonym);
        patientId = createRecord(
          db,
          'patient',
          { pseudonym: p.pseudonym, sex: pp?.sex ?? null, ageAtFirstRt: pp?.ageAtFirstRT ?? null, sourceKey: `dicom:${p.pseudonym}`, sourceLocator: locator },
          { who, provenanceId: provenance() },
        ).id;
        result.patientsAdded++;
      }
      if (idHash) linkHospitalIdHash(db, patientId, idHash);
      const levels = p.levels.join(',');
      let lesionId = (findLesion.get(patientId, levels) as { id: number } | undefined)?.id;
      if (lesionId === undefined) {
        lesionId = createRecord(
          db,
          'lesion',
          {
            patientId,
            levels,
            imagingCt: p.preRtImaging.CT,
            imagingMri: p.preRtImaging.MR,
            imagingPet: p.preRtImaging.PT,
            sourceKey: `dicom:lesion:${p.proposalId}`,
            sourceLocator: locator,
          },
          { who, provenanceId: provenance() },
        ).id;
        result.lesionsAdded++;
      }
      const course = createRecord(
        db,
        'rtCourse',
        {
          lesionId,
          startDate: p.rtStartDate ?? p.planDate,
          endDate: p.rtEndDate,
          totalDoseGy: p.totalDoseGy,
          fractionsPlanned: p.fractionsPlanned,
          fractionsDelivered: p.fractionsDelivered,
          // Only SBRT is a known technique here; otherwise left to the machine/dose rule.
          technique: p.sbrt ? 'SBRT' : null,
          machine: p.machine,
          completed: p.fractionsDelivered === null || p.fractionsPlanned === null ? null : p.fractionsDelivered >= p.fractionsPlanned,
          planSopInstanceUid: p.planSopInstanceUid,
          sourceKey: courseKey(p),
          sourceLocator: locator,
        },
        { who, provenanceId: provenance() },
      );
      phasesToStore(p).forEach((ph, i) => {
        insertPhase.run(
          course.id,
          i + 1,
          ph.planSopInstanceUid,
          ph.fractionGroup,
          ph.dosePerFractionGy,
          ph.fractionsPlanned,
          ph.fractionsDelivered,
          ph.fractionsCounted,
          ph.superseded ? 1 : 0,
        );
      });
      result.coursesAdded++;
    }
    if (result.coursesAdded > 0) {
      // In the same transaction as the rows: an import is never in the study without its log entry.
      recordAuditEvent(db, 'import', 'dicom', { patientsAdded: result.patientsAdded, lesionsAdded: result.lesionsAdded, coursesAdded: result.coursesAdded }, who);
    }
    options.onProgress?.({ phase: 'committing', done, total: chosen.length });
  })();
  return result;
}

export interface ImportResult extends DicomCommitResult {
  files: DicomScanResult['files'];
  newInstances: number;
  reusedFiles: number;
  needsReview: Array<Pick<DicomLesionProposal, 'proposalId' | 'sourcePatientId' | 'levels' | 'planLabel' | 'targetRoiName' | 'reviewReasons'>>;
}

/**
 * `study import-dicom`: scan into the study's index, derive, commit the proposals that need no
 * review — all in ONE transaction, so a killed import leaves the study file as it was.
 */
export async function importDicomFolder(
  studyPath: string,
  dir: string,
  options: ScanOptions & DeriveOptions & Pick<CommitOptions, 'who'> & { keyStore?: StudyKeyStore; study?: StudyFileOptions } = {},
): Promise<ImportResult> {
  const keyStore = options.keyStore ?? defaultKeyStore();
  const study = await openStudy(studyPath, { ...options.study, keyStore });
  const db = study.db;
  try {
    db.exec('BEGIN IMMEDIATE');
    try {
      const key = getOrCreateStudyKey(db, keyStore, 'Importing DICOM files into this study');
      const scan = markInCohort(db, await scanIntoIndex(db, dir, key, { ...options, ...studyDeriveOptions(db, options) }));
      const committed = commitProposals(db, { patients: scan.patients, lesions: scan.lesions }, { who: options.who, onProgress: options.onProgress });
      db.exec('COMMIT');
      return {
        files: scan.files,
        newInstances: scan.newInstances,
        reusedFiles: scan.reusedFiles,
        ...committed,
        // Flagged proposals not in the cohort, with their reasons: for a person, in the review screen.
        needsReview: scan.lesions
          .filter((l) => l.needsReview && !l.inCohort)
          .map((l) => ({
            proposalId: l.proposalId,
            sourcePatientId: l.sourcePatientId,
            levels: l.levels,
            planLabel: l.planLabel,
            targetRoiName: l.targetRoiName,
            reviewReasons: l.reviewReasons,
          })),
      };
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw error;
    }
  } finally {
    study.close();
  }
}
