// Dicom methods (owned by the dicom helper). See contract.ts for how to add one.
//
// Flow: `scanDicomFolder` (long: progress + cancel) indexes a folder into the open study and returns
// the proposals derived from the whole index; the review screen shows them (sourcePatientId is only
// in this local review, never stored in the study: it is '' when this session has not read the
// patient's files); `commitDicomProposals` writes the accepted
// ones in one transaction. `listDicomProposals` re-derives from the index without scanning.
// All three are long (progress + cancel): each derives from the whole index.
import { z } from 'zod';
import { defineMethod, returns, type MethodRecord } from './contract';

export interface DicomFileCounts {
  total: number;
  dicom: number;
  duplicates: number;
  skipped: Array<{ path: string; reason: string }>;
}

export interface DicomPatientProposal {
  sourcePatientId: string;
  pseudonym: string;
  sex: 'M' | 'F' | 'O' | null;
  ageAtFirstRT: number | null;
}

export interface PreRtImaging {
  CT: boolean;
  MR: boolean;
  PT: boolean;
}

/**
 * One phase of an RT course: one fraction group of one plan treating the lesion's target
 * (cli.md `dicom-scan`). A re-plan, a boost plan or a second fraction group is another phase.
 */
export interface DicomCoursePhase {
  planSopInstanceUid: string;
  /** FractionGroupNumber (300A,0071); null when the plan does not number it. */
  fractionGroup: number | null;
  dosePerFractionGy: number | null;
  fractionsPlanned: number | null;
  /** Distinct fraction numbers delivered completely under this phase; null without records. */
  fractionsDelivered: number | null;
  /**
   * Fractions this phase adds to the course: the delivered ones when a later plan superseded it
   * (re-plan, never-delivered draft), else the planned ones.
   */
  fractionsCounted: number | null;
  /** A later plan of the course replaced this phase before all its fractions were given. */
  superseded: boolean;
  planLabel: string | null;
  targetRoiName: string | null;
}

/** One lesion + its RT course, assembled from every plan, fraction group and record treating its target. */
export interface DicomLesionProposal {
  /** Stable across scans: first plan's SOP Instance UID + target dose reference/ROI. */
  proposalId: string;
  sourcePatientId: string;
  pseudonym: string;
  levels: string[];
  location: 'cervical' | 'thoracic' | 'lumbar' | 'sacral' | null;
  totalDoseGy: number | null;
  fractionsPlanned: number | null;
  fractionsDelivered: number | null;
  dosePerFractionGy: number | null;
  bedGy: number | null;
  eqd2Gy: number | null;
  sbrt: boolean | null;
  rtStartDate: string | null;
  rtEndDate: string | null;
  planDate: string | null;
  machine: string | null;
  preRtImaging: PreRtImaging;
  /** The course's first plan (the earliest phase). */
  planSopInstanceUid: string | null;
  /** Every plan of the course, in phase order. */
  planSopInstanceUids: string[];
  phases: DicomCoursePhase[];
  targetRoiName: string | null;
  planLabel: string | null;
  /** Where the levels were read: ROI name, dose reference description, plan label or name. */
  levelSource: 'roi' | 'doseReference' | 'planLabel' | 'planName' | 'none';
  needsReview: boolean;
  reviewReasons: string[];
  /** Index rows (dicom_instance.id) the proposal was derived from: plan, structure set, records. */
  instanceIds: number[];
  /** The course is already in the open study's cohort (set by scan/list on a study; false otherwise). */
  inCohort?: boolean;
}

export interface DicomScanResult {
  files: DicomFileCounts;
  /** Instances added to the study's index by this scan. */
  newInstances: number;
  /** Files recognised from an earlier scan (same path, size, mtime) and not parsed again. */
  reusedFiles: number;
  patients: DicomPatientProposal[];
  lesions: DicomLesionProposal[];
}

export interface DicomCommitResult {
  patientsAdded: number;
  lesionsAdded: number;
  coursesAdded: number;
  /** Accepted proposals already in the cohort (re-import adds nothing twice). */
  alreadyPresent: number;
  /** Proposals not committed, with why (needs review and not accepted, unknown id, invalid). */
  notCommitted: Array<{ proposalId: string; reasons: string[] }>;
}

const deriveOptions = {
  imagingWindowDays: z.number().int().min(0).max(3650).default(60),
  alphaBetaGy: z.number().positive().max(100).optional(),
};

export const dicomMethods = {
  scanDicomFolder: defineMethod({
    input: z.object({ dir: z.string().min(1).max(4096), ...deriveOptions }),
    result: returns<DicomScanResult>(),
    long: true,
  }),
  /** Long: derives from the whole index (seconds for a hospital's folder), with progress and cancel. */
  listDicomProposals: defineMethod({
    input: z.object({ ...deriveOptions }),
    result: returns<Pick<DicomScanResult, 'patients' | 'lesions'>>(),
    long: true,
  }),
  commitDicomProposals: defineMethod({
    input: z.object({
      proposalIds: z.array(z.string().min(1).max(512)).max(100_000),
      /** Also commit accepted proposals flagged needsReview (the user reviewed them). */
      includeReviewed: z.boolean().default(false),
      /** Corrections typed in the review table (added by the UI helper): they replace the derived values. */
      edits: z
        .array(
          z.object({
            proposalId: z.string().min(1).max(512),
            levels: z.array(z.string().min(1).max(8)).min(1).max(30).optional(),
            totalDoseGy: z.number().positive().max(200).optional(),
            fractionsPlanned: z.number().int().min(1).max(100).optional(),
            fractionsDelivered: z.number().int().min(0).max(100).optional(),
            rtStartDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
          }),
        )
        .max(100_000)
        .default([]),
      ...deriveOptions,
    }),
    result: returns<DicomCommitResult>(),
    /** Long: derives again before writing; cancelled before the write, nothing is written. */
    long: true,
  }),
} satisfies MethodRecord;
