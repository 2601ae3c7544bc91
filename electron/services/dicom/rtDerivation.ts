// From the DICOM index to proposed patients, lesions and RT courses (cli.md `dicom-scan`).
//
// Rules, per RT plan:
// - Each TARGET dose reference (300A,0020) of the plan is one lesion; its ReferencedROINumber names the
//   target ROI in the plan's RT Structure Set. A plan with several targets (one plan, two isocentres)
//   gives several lesions sharing the course.
// - Levels come from the first source that names any: the target ROI name, the dose reference
//   description, then — only for single-target plans — the plan label and plan name. Parsing uses
//   shared/domain/vertebralLevels (PTV_T12, PTV_Th12, ptv_l4-5, PTV_C7_T1, PTV_T9T10, VB_T01, …).
// - Total dose = the target's TargetPrescriptionDose; fractions = NumberOfFractionsPlanned of the
//   fraction group (the one referencing the target, else the only one); d = D/n is cross-checked
//   against the BeamDose of the treatment beams (all beams, or those sharing one isocentre).
// - Delivered fractions = distinct RT Beams Treatment Records referencing the plan; start/end = first
//   and last TreatmentDate (null without records). Reference date = start, else the plan date.
// - Machine = the beams' ManufacturerModelName, else TreatmentMachineName.
// - SBRT, BED, EQD2 by shared/domain/radiobiology on the planned prescription.
// - Pre-RT imaging M = a series of modality M whose study date is 0…window days before the reference date.
// - Anything missing, contradictory or unapproved is still proposed, with needsReview and the reasons.
import type { DicomLesionProposal, DicomPatientProposal } from '../../../shared/api/dicom';
import { daysBetween, isIsoDate } from '../../../shared/domain/calendarDates';
import {
  biologicallyEffectiveDose,
  classifySbrt,
  DEFAULT_ALPHA_BETA_GY,
  DEFAULT_SBRT_RULE,
  equivalentDoseIn2GyFractions,
  roundDose,
  type SbrtRule,
} from '../../../shared/domain/radiobiology';
import { lesionLocation, parseLevels, type SpineRegion } from '../../../shared/domain/vertebralLevels';
import type { DoseReference, FractionGroup, PlanContent, StructureSetContent } from './dicomRecord';
import type { IndexContent, IndexedPatient, IndexedRtInstance } from './dicomIndex';

export interface DeriveOptions {
  imagingWindowDays?: number;
  alphaBetaGy?: number;
  sbrtRule?: SbrtRule;
}

export interface Derivation {
  patients: DicomPatientProposal[];
  lesions: DicomLesionProposal[];
}

const NON_TARGET_TYPES = new Set(['EXTERNAL', 'ORGAN', 'AVOIDANCE', 'SUPPORT', 'FIXATION', 'BOLUS', 'CONTRAST_AGENT', 'CAVITY', 'MARKER', 'ISOCENTER', 'REGISTRATION', 'DOSE_REGION', 'CONTROL']);

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** Completed years from birth to date (ISO strings). */
export function completedYears(birth: string, date: string): number {
  const by = Number(birth.slice(0, 4));
  const dy = Number(date.slice(0, 4));
  const beforeBirthday = date.slice(5) < birth.slice(5);
  return dy - by - (beforeBirthday ? 1 : 0);
}

interface LevelReading {
  levels: string[];
  regionOnly: SpineRegion | null;
  source: DicomLesionProposal['levelSource'];
  contiguous: boolean;
  invalid: string[];
}

function readLevels(candidates: Array<[DicomLesionProposal['levelSource'], string]>): LevelReading {
  let regionOnly: SpineRegion | null = null;
  for (const [source, text] of candidates) {
    if (!text) continue;
    const parsed = parseLevels(text);
    if (parsed.levels.length) return { levels: parsed.levels, regionOnly: null, source, contiguous: parsed.contiguous, invalid: parsed.invalid };
    regionOnly ??= parsed.regionOnly;
  }
  return { levels: [], regionOnly, source: 'none', contiguous: false, invalid: [] };
}

function doseTolerance(d: number): number {
  return Math.max(0.02, 0.01 * d);
}

/** Whether the beams' BeamDose agree with dose per fraction d (whole plan, per target, or per isocentre). */
function beamCheck(plan: PlanContent, group: FractionGroup, d: number, targets: number): string | null {
  const treatment = new Map<number, { isocenter: string | null; delivery: string }>();
  for (const b of plan.beams) if (b.number !== null) treatment.set(b.number, { isocenter: b.isocenter, delivery: b.deliveryType });
  const doses = group.beamDoses.filter(
    (b) => b.doseGy !== null && (b.beamNumber === null || (treatment.get(b.beamNumber)?.delivery ?? 'TREATMENT') === 'TREATMENT'),
  );
  if (doses.length === 0) return null;
  const sum = doses.reduce((s, b) => s + (b.doseGy as number), 0);
  const tol = doseTolerance(d);
  if (Math.abs(sum - d) <= tol) return null;
  if (targets > 1 && Math.abs(sum - targets * d) <= tol * targets) return null;
  const byIsocenter = new Map<string, number>();
  for (const b of doses) {
    const iso = (b.beamNumber !== null ? treatment.get(b.beamNumber)?.isocenter : null) ?? '?';
    byIsocenter.set(iso, (byIsocenter.get(iso) ?? 0) + (b.doseGy as number));
  }
  if (byIsocenter.size > 1 && [...byIsocenter.values()].some((s) => Math.abs(s - d) <= tol)) return null;
  return `beam doses sum to ${round6(sum)} Gy per fraction but the prescription gives ${round6(d)} Gy`;
}

function pickFractionGroup(plan: PlanContent, ref: DoseReference, reasons: string[]): FractionGroup | null {
  const groups = plan.fractionGroups;
  if (groups.length === 0) {
    reasons.push('plan has no fraction group (number of fractions unknown)');
    return null;
  }
  if (groups.length === 1) return groups[0];
  const referencing = groups.filter((g) => ref.number !== null && g.doseReferenceNumbers.includes(ref.number));
  if (referencing.length === 1) return referencing[0];
  reasons.push(`plan has ${groups.length} fraction groups; the first was used`);
  return groups[0];
}

interface PlanContext {
  rt: IndexedRtInstance;
  plan: PlanContent;
}

export function deriveProposals(index: IndexContent, options: DeriveOptions = {}): Derivation {
  const windowDays = options.imagingWindowDays ?? 60;
  const alphaBeta = options.alphaBetaGy ?? DEFAULT_ALPHA_BETA_GY;
  const sbrtRule = options.sbrtRule ?? DEFAULT_SBRT_RULE;
  const patientsById = new Map(index.patients.map((p) => [p.id, p]));
  const structureSets = new Map<string, IndexedRtInstance & { structureSet: StructureSetContent }>();
  const recordsByPlan = new Map<string, IndexedRtInstance[]>();
  const plans: PlanContext[] = [];
  for (const rt of index.rt) {
    if (rt.structureSet) structureSets.set(rt.sopInstanceUid, rt as IndexedRtInstance & { structureSet: StructureSetContent });
    if (rt.plan) plans.push({ rt, plan: rt.plan });
    if (rt.treatmentRecord?.planUid) {
      const list = recordsByPlan.get(rt.treatmentRecord.planUid) ?? [];
      list.push(rt);
      recordsByPlan.set(rt.treatmentRecord.planUid, list);
    }
  }
  const seriesByPatient = new Map<number, Array<{ modality: string; date: string | null }>>();
  for (const s of index.series) {
    const list = seriesByPatient.get(s.patientId) ?? [];
    list.push(s);
    seriesByPatient.set(s.patientId, list);
  }

  const lesions: DicomLesionProposal[] = [];
  const usedStructureSets = new Set<string>();
  const planUids = new Set(plans.map((p) => p.rt.sopInstanceUid));

  for (const { rt, plan } of plans) {
    const patient = patientsById.get(rt.patientId);
    const planReasons: string[] = [];
    if (plan.approvalStatus !== 'APPROVED') {
      planReasons.push(`plan approval status is ${plan.approvalStatus || 'missing'} (not APPROVED)`);
    }
    if (!patient?.hasSourcePatientId) planReasons.push('plan has no PatientID');
    const structureSet = plan.structureSetUid ? structureSets.get(plan.structureSetUid) : undefined;
    if (plan.structureSetUid) usedStructureSets.add(plan.structureSetUid);
    if (!plan.structureSetUid) planReasons.push('plan references no RT Structure Set');
    else if (!structureSet) planReasons.push('the RT Structure Set the plan references is not in the scanned files');

    let planDate = plan.date;
    if (!planDate) {
      planDate = rt.studyDate;
      planReasons.push(planDate ? 'plan has no RTPlanDate; study date used' : 'plan has no RTPlanDate or study date');
    }

    // Records referencing this plan, one per distinct SOP instance (the index is already unique).
    const records = recordsByPlan.get(rt.sopInstanceUid) ?? [];
    const recordDates = records.map((r) => r.treatmentRecord?.date).filter((d): d is string => !!d && isIsoDate(d)).sort();
    const fractionsDelivered = records.length ? records.length : null;
    if (records.length && recordDates.length < records.length) planReasons.push(`${records.length - recordDates.length} treatment record(s) without a date`);
    const fractionNumbers = new Set(records.flatMap((r) => r.treatmentRecord?.fractionNumbers ?? []));
    if (fractionNumbers.size > 0 && fractionsDelivered !== null && fractionNumbers.size !== fractionsDelivered) {
      planReasons.push(`${fractionsDelivered} treatment records but ${fractionNumbers.size} distinct fraction numbers`);
    }
    const rtStartDate = recordDates[0] ?? null;
    const rtEndDate = recordDates[recordDates.length - 1] ?? null;
    const referenceDate = rtStartDate ?? planDate;

    // Machine from the treatment beams (model name as the clinic knows it), else machine name.
    const machines = new Set(
      plan.beams.filter((b) => !b.deliveryType || b.deliveryType === 'TREATMENT').map((b) => b.model || b.machineName).filter(Boolean),
    );
    const recordMachines = new Set(records.map((r) => r.treatmentRecord?.model || r.treatmentRecord?.machineName || '').filter(Boolean));
    let machine: string | null = machines.size ? [...machines][0] : recordMachines.size ? [...recordMachines][0] : null;
    if (machines.size > 1) planReasons.push(`beams name several machines: ${[...machines].join(', ')}`);
    if (!machine) planReasons.push('no treatment machine in the plan');
    if (machine && recordMachines.size && !recordMachines.has(machine)) {
      planReasons.push(`treatment records name machine ${[...recordMachines].join(', ')}, the plan ${machine}`);
    }
    machine = machine || null;

    // Pre-RT imaging of the patient.
    const preRtImaging = { CT: false, MR: false, PT: false };
    if (referenceDate && isIsoDate(referenceDate)) {
      for (const s of seriesByPatient.get(rt.patientId) ?? []) {
        if (!(s.modality in preRtImaging) || !s.date || !isIsoDate(s.date)) continue;
        const before = daysBetween(s.date, referenceDate);
        if (before >= 0 && before <= windowDays) preRtImaging[s.modality as 'CT' | 'MR' | 'PT'] = true;
      }
    }

    const targets = plan.doseReferences.filter((r) => r.type === 'TARGET');
    const targetList: Array<DoseReference | null> = targets.length ? targets : [null];
    if (!targets.length) planReasons.push('plan has no TARGET dose reference');

    for (const ref of targetList) {
      const reasons = [...planReasons];
      const roi =
        ref?.roiNumber !== null && ref?.roiNumber !== undefined
          ? structureSet?.structureSet.rois.find((r) => r.number === ref.roiNumber)
          : undefined;
      if (ref && ref.roiNumber === null) reasons.push('TARGET dose reference has no ReferencedROINumber');
      else if (ref && structureSet && !roi) reasons.push(`ROI ${ref.roiNumber} of the TARGET dose reference is not in the structure set`);
      const targetRoiName = roi?.name ?? null;
      const candidates: Array<[DicomLesionProposal['levelSource'], string]> = [
        ['roi', targetRoiName ?? ''],
        ['doseReference', ref?.description ?? ''],
      ];
      if (targetList.length === 1) candidates.push(['planLabel', plan.label], ['planName', plan.name]);
      const reading = readLevels(candidates);
      if (reading.levels.length === 0) {
        reasons.push(
          reading.regionOnly
            ? `target names a region (${reading.regionOnly}) but no vertebral levels`
            : 'no vertebral level in the ROI name, dose reference, plan label or plan name',
        );
      } else {
        if (!reading.contiguous) reasons.push(`levels ${reading.levels.join(', ')} are not contiguous`);
        if (reading.invalid.length) reasons.push(`unrecognised level mention(s): ${reading.invalid.join(', ')}`);
        // The plan name is free text (technique, dose, dates): levels read only there are a guess.
        if (reading.source === 'planName') reasons.push(`levels read only from the plan name "${plan.name}"`);
        // Other structured sources naming different levels are a contradiction a person must resolve.
        for (const [source, text] of candidates) {
          if (source === reading.source || source === 'planName' || !text) continue;
          const other = parseLevels(text).levels;
          if (other.length && other.join(',') !== reading.levels.join(',')) {
            reasons.push(`${source} "${text}" names ${other.join(', ')}, ${reading.source} names ${reading.levels.join(', ')}`);
          }
        }
      }
      // The plan calls it a target; a structure set typing it as an organ contradicts that.
      if (roi && NON_TARGET_TYPES.has(roi.interpretedType)) {
        reasons.push(`target ROI "${roi.name}" is typed ${roi.interpretedType} in the structure set`);
      }

      const totalDoseGy = ref?.prescriptionDoseGy ?? null;
      if (ref && totalDoseGy === null) reasons.push('TARGET dose reference has no TargetPrescriptionDose');
      if (totalDoseGy !== null && !(totalDoseGy > 0)) reasons.push(`prescription dose ${totalDoseGy} Gy is not positive`);
      const group = ref ? pickFractionGroup(plan, ref, reasons) : (plan.fractionGroups[0] ?? null);
      const fractionsPlanned = group?.fractionsPlanned ?? null;
      if (group && (fractionsPlanned === null || !Number.isInteger(fractionsPlanned) || fractionsPlanned < 1)) {
        reasons.push('NumberOfFractionsPlanned missing or invalid');
      }
      let dosePerFractionGy: number | null = null;
      let bedGy: number | null = null;
      let eqd2Gy: number | null = null;
      let sbrt: boolean | null = null;
      const doseKnown = totalDoseGy !== null && totalDoseGy > 0 && fractionsPlanned !== null && Number.isInteger(fractionsPlanned) && fractionsPlanned >= 1;
      if (doseKnown) {
        const D = totalDoseGy as number;
        const n = fractionsPlanned as number;
        dosePerFractionGy = round6(D / n);
        bedGy = roundDose(biologicallyEffectiveDose(D, n, alphaBeta));
        eqd2Gy = roundDose(equivalentDoseIn2GyFractions(D, n, alphaBeta));
        sbrt = classifySbrt({ technique: null, machine, totalDoseGy: D, fractions: n }, sbrtRule).sbrt;
        const check = group ? beamCheck(plan, group, D / n, Math.max(1, targets.length)) : null;
        if (check) reasons.push(check);
      }
      if (fractionsDelivered !== null && fractionsPlanned !== null && fractionsDelivered > fractionsPlanned) {
        reasons.push(`${fractionsDelivered} fractions recorded, ${fractionsPlanned} planned`);
      }

      const recordIds = records.map((r) => r.instanceId);
      lesions.push({
        proposalId: `${rt.sopInstanceUid}#${ref ? (ref.number ?? `roi${ref.roiNumber}`) : 'none'}`,
        sourcePatientId: patient?.sourcePatientId ?? '',
        pseudonym: patient?.pseudonym ?? '',
        levels: reading.levels,
        location: reading.levels.length ? lesionLocation(reading.levels) : reading.regionOnly,
        totalDoseGy,
        fractionsPlanned,
        fractionsDelivered,
        dosePerFractionGy,
        bedGy,
        eqd2Gy,
        sbrt,
        rtStartDate,
        rtEndDate,
        planDate,
        machine,
        preRtImaging,
        planSopInstanceUid: rt.sopInstanceUid,
        targetRoiName,
        planLabel: plan.label || null,
        levelSource: reading.source,
        needsReview: reasons.length > 0,
        reviewReasons: reasons,
        instanceIds: [rt.instanceId, ...(structureSet ? [structureSet.instanceId] : []), ...recordIds],
      });
    }
  }

  // Structure sets no plan uses: their target volumes may be lesions planned elsewhere (or never).
  for (const [uid, ss] of structureSets) {
    if (usedStructureSets.has(uid)) continue;
    const patient = patientsById.get(ss.patientId);
    for (const roi of ss.structureSet.rois) {
      const isTarget = ['PTV', 'CTV', 'GTV'].includes(roi.interpretedType) || /^z?ptv/i.test(roi.name);
      if (!isTarget || !/ptv/i.test(roi.name + roi.interpretedType)) continue;
      const parsed = parseLevels(roi.name);
      const reasons = ['structure set is not used by any scanned plan: no dose, fractions or dates'];
      if (!parsed.levels.length) reasons.push('no vertebral level in the ROI name');
      lesions.push({
        proposalId: `${uid}#roi${roi.number}`,
        sourcePatientId: patient?.sourcePatientId ?? '',
        pseudonym: patient?.pseudonym ?? '',
        levels: parsed.levels,
        location: parsed.levels.length ? lesionLocation(parsed.levels) : parsed.regionOnly,
        totalDoseGy: null,
        fractionsPlanned: null,
        fractionsDelivered: null,
        dosePerFractionGy: null,
        bedGy: null,
        eqd2Gy: null,
        sbrt: null,
        rtStartDate: null,
        rtEndDate: null,
        planDate: null,
        machine: null,
        preRtImaging: { CT: false, MR: false, PT: false },
        planSopInstanceUid: null,
        targetRoiName: roi.name,
        planLabel: null,
        levelSource: parsed.levels.length ? 'roi' : 'none',
        needsReview: true,
        reviewReasons: reasons,
        instanceIds: [ss.instanceId],
      });
    }
  }

  // Treatment records of plans that were not scanned cannot be attributed.
  for (const [planUid, records] of recordsByPlan) {
    if (planUids.has(planUid)) continue;
    const patient = patientsById.get(records[0].patientId);
    const dates = records.map((r) => r.treatmentRecord?.date).filter((d): d is string => !!d).sort();
    lesions.push({
      proposalId: `${planUid}#records`,
      sourcePatientId: patient?.sourcePatientId ?? '',
      pseudonym: patient?.pseudonym ?? '',
      levels: [],
      location: null,
      totalDoseGy: null,
      fractionsPlanned: null,
      fractionsDelivered: records.length,
      dosePerFractionGy: null,
      bedGy: null,
      eqd2Gy: null,
      sbrt: null,
      rtStartDate: dates[0] ?? null,
      rtEndDate: dates[dates.length - 1] ?? null,
      planDate: null,
      machine: records[0].treatmentRecord?.model || records[0].treatmentRecord?.machineName || null,
      preRtImaging: { CT: false, MR: false, PT: false },
      planSopInstanceUid: planUid,
      targetRoiName: null,
      planLabel: null,
      levelSource: 'none',
      needsReview: true,
      reviewReasons: ['treatment records reference a plan that is not in the scanned files'],
      instanceIds: records.map((r) => r.instanceId),
    });
  }

  // Two approved plans proposing the same levels for one patient on overlapping dates are likely
  // a re-plan of one course: flag both rather than double-count.
  const byPatientLevels = new Map<string, DicomLesionProposal[]>();
  for (const l of lesions) {
    if (!l.levels.length || !l.totalDoseGy) continue;
    const key = `${l.pseudonym}|${l.levels.join(',')}`;
    byPatientLevels.set(key, [...(byPatientLevels.get(key) ?? []), l]);
  }
  for (const group of byPatientLevels.values()) {
    if (group.length < 2) continue;
    for (const l of group) {
      const reason = `${group.length} plans target ${l.levels.join(', ')} for this patient (re-plan or re-irradiation?)`;
      l.reviewReasons.push(reason);
      l.needsReview = true;
    }
  }

  const sortKey = (l: DicomLesionProposal) => `${l.sourcePatientId}\u0000${l.rtStartDate ?? l.planDate ?? ''}\u0000${l.levels.join(',')}`;
  lesions.sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));

  // Patients with at least one proposal; age at the first course's reference date.
  const firstReference = firstReferenceDates(lesions);
  const patients: DicomPatientProposal[] = [];
  const listed = new Set<string>();
  for (const l of lesions) {
    if (listed.has(l.pseudonym)) continue;
    listed.add(l.pseudonym);
    const p = index.patients.find((x) => x.pseudonym === l.pseudonym);
    if (!p) continue;
    const ref = firstReference.get(p.pseudonym);
    const sex = p.sex === 'M' || p.sex === 'F' || p.sex === 'O' ? p.sex : null;
    patients.push({
      sourcePatientId: p.sourcePatientId,
      pseudonym: p.pseudonym,
      sex,
      ageAtFirstRT: ageAtFirstRt(p, ref ?? null),
    });
  }
  return { patients, lesions };
}

/** First RT reference date (RT start, else plan date) per pseudonym, over the proposals. */
export function firstReferenceDates(lesions: readonly DicomLesionProposal[]): Map<string, string> {
  const firstReference = new Map<string, string>();
  for (const l of lesions) {
    const date = l.rtStartDate ?? l.planDate;
    if (!date || !l.pseudonym) continue;
    const current = firstReference.get(l.pseudonym);
    if (!current || date < current) firstReference.set(l.pseudonym, date);
  }
  return firstReference;
}

/**
 * Age at first RT (issue 11: computed at scan time, the birth date is not kept): from the birth
 * date while the scan that read it is running; afterwards the age that scan stored in the index,
 * as long as the first RT date is still the one it was computed at (an earlier course found by a
 * later scan without a birth date leaves the age unknown rather than wrong).
 */
export function ageAtFirstRt(
  p: Pick<IndexedPatient, 'birthDate' | 'ageAtFirstRt' | 'ageReferenceDate'>,
  firstRtDate: string | null,
): number | null {
  if (!firstRtDate) return null;
  if (p.birthDate && isIsoDate(p.birthDate)) return completedYears(p.birthDate, firstRtDate);
  return p.ageAtFirstRt !== null && p.ageReferenceDate === firstRtDate ? p.ageAtFirstRt : null;
}
