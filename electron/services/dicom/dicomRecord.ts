// What the header scan keeps of one DICOM instance: the index keys, the few identifying fields
// re-scans and pseudonyms need (kept apart from cohort tables), and the RT content the derivation
// reads. Plain JSON-able objects so they cross worker_threads cheaply.

export interface DoseReference {
  number: number | null;
  roiNumber: number | null;
  description: string;
  type: string; // TARGET | ORGAN_AT_RISK
  structureType: string;
  prescriptionDoseGy: number | null;
}

export interface PlanBeam {
  number: number | null;
  name: string;
  machineName: string;
  manufacturer: string;
  model: string;
  deliveryType: string; // TREATMENT | SETUP …
  isocenter: string | null; // first control point's IsocenterPosition, as written
}

export interface FractionGroup {
  number: number | null;
  fractionsPlanned: number | null;
  beamDoses: Array<{ beamNumber: number | null; doseGy: number | null; meterset: number | null }>;
  /** ReferencedDoseReferenceSequence of the fraction group, when present. */
  doseReferenceNumbers: number[];
  /**
   * TargetPrescriptionDose (300A,0026) given per dose reference inside the fraction group's
   * ReferencedDoseReferenceSequence (PS3.3 C.8.8.13): the dose of this group alone.
   */
  prescriptionsGy: Array<{ doseReferenceNumber: number; doseGy: number }>;
}

export interface PlanContent {
  label: string;
  name: string;
  description: string;
  date: string | null;
  approvalStatus: string;
  intent: string;
  planningSystem: string;
  structureSetUid: string | null;
  doseReferences: DoseReference[];
  fractionGroups: FractionGroup[];
  beams: PlanBeam[];
}

export interface StructureSetRoi {
  number: number | null;
  name: string;
  interpretedType: string;
}

export interface StructureSetContent {
  label: string;
  date: string | null;
  rois: StructureSetRoi[];
}

/** One item of the TreatmentSessionBeamSequence (3008,0020): one beam delivered (or not) in the session. */
export interface SessionBeam {
  /** ReferencedBeamNumber (300C,0006). */
  beamNumber: number | null;
  /** CurrentFractionNumber (3008,0022). */
  fractionNumber: number | null;
  /** TreatmentTerminationStatus (3008,002A): NORMAL, OPERATOR, MACHINE, UNKNOWN. */
  termination: string;
  /** TreatmentDeliveryType (300A,00CE): TREATMENT, CONTINUATION, SETUP, VERIFICATION … */
  deliveryType: string;
  /** SpecifiedPrimaryMeterset (3008,0032) and DeliveredPrimaryMeterset (3008,0036), MU. */
  specifiedMeterset: number | null;
  deliveredMeterset: number | null;
  /** First TreatmentControlPointDate (3008,0024) of the beam, when written. */
  date: string | null;
}

export interface TreatmentRecordContent {
  date: string | null;
  planUid: string | null;
  /** ReferencedFractionGroupNumber (300C,0022), top level or inside the plan reference. */
  fractionGroup: number | null;
  machineName: string;
  model: string;
  manufacturer: string;
  /** CurrentFractionNumber values of the session's beams. */
  fractionNumbers: number[];
  terminationStatuses: string[];
  beams: SessionBeam[];
}

export interface InstanceHeader {
  sopInstanceUid: string;
  /** (0002,0003) of the file meta when present; differs from sopInstanceUid only in a damaged file. */
  mediaStorageSopInstanceUid?: string;
  sopClassUid: string;
  transferSyntaxUid: string;
  modality: string;
  // Identifying: never stored — hashed with the study key (identity/patientLink.ts) or kept in memory for the scan's review only (dicomIndex.ts).
  patientId: string;
  issuerOfPatientId: string;
  patientName: string;
  birthDate: string | null;
  sex: string;
  studyInstanceUid: string;
  studyDate: string | null;
  seriesInstanceUid: string;
  seriesDate: string | null;
  seriesNumber: number | null;
  warnings: string[];
  plan?: PlanContent;
  structureSet?: StructureSetContent;
  treatmentRecord?: TreatmentRecordContent;
}

/** What could still be read of a skipped file: whose it is and what it was (to flag that patient's proposals). */
export interface SkippedIdentity {
  sopClassUid: string;
  sopInstanceUid: string;
  patientId: string;
  issuerOfPatientId: string;
}

export type ParseOutcome =
  | { kind: 'dicom'; header: InstanceHeader }
  | { kind: 'skipped'; reason: string; identity?: SkippedIdentity };

/** A parse outcome plus the file's size and mtime (kept in the index to recognise it again). */
export type FileOutcome = ParseOutcome & { size: number; mtimeMs: number };

export const SOP_CLASS = {
  rtPlan: '1.2.840.10008.5.1.4.1.1.481.5',
  ionPlan: '1.2.840.10008.5.1.4.1.1.481.8',
  rtStruct: '1.2.840.10008.5.1.4.1.1.481.3',
  rtBeamsRecord: '1.2.840.10008.5.1.4.1.1.481.4',
  rtIonBeamsRecord: '1.2.840.10008.5.1.4.1.1.481.9',
  rtDose: '1.2.840.10008.5.1.4.1.1.481.2',
  rtTreatmentSummaryRecord: '1.2.840.10008.5.1.4.1.1.481.7',
  mediaDirectory: '1.2.840.10008.1.3.10',
} as const;
