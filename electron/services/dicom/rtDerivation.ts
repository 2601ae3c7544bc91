// From the DICOM index to proposed patients, lesions and RT courses (cli.md `dicom-scan`).
//
// A lesion's RT course is assembled from every plan, fraction group and treatment record that
// treats its target (issue 10):
// - Each TARGET dose reference (300A,0020) of a plan is a target; its ReferencedROINumber names the
//   target ROI in the plan's RT Structure Set. A plan with several targets (one plan, two isocentres)
//   gives several lesions.
// - Levels come from the first source that names any: the target ROI name, the dose reference
//   description, then — only for single-target plans — the plan label and plan name
//   (shared/domain/vertebralLevels).
// - Each fraction group treating the target is a phase: the groups that reference the target's dose
//   reference, else every group. Dose per fraction: the group's own TargetPrescriptionDose (inside its
//   ReferencedDoseReferenceSequence) / its fractions, else — one group — the target's
//   TargetPrescriptionDose / fractions, else — several groups, one plan prescription (Pinnacle,
//   Monaco sequential boosts) — the group's BeamDose sum, checked against the prescription.
// - Targets of one patient naming the same levels whose plans follow each other within
//   COURSE_GAP_DAYS are one course: a re-plan, a boost plan (RayStation beam sets, Eclipse boost
//   plans). Later than that they are separate courses of the same lesion (re-irradiation, flagged).
// - Delivered fractions per phase come from rtDelivery.ts. A phase a later delivered plan of the
//   course replaced counts the fractions delivered under it (a re-plan; a never-delivered draft
//   counts none); every other phase counts its planned fractions. Course totals sum the counted
//   fractions; BED/EQD2 are summed phase by phase (shared/domain/radiobiology); dose per fraction is
//   null when it varies; SBRT follows the phase with the highest dose per fraction.
// - Start/end = first and last treatment date over all phases; reference date = start, else the
//   first plan date. Pre-RT imaging M = a series of modality M 0…window days before it.
// - Derivable things (re-plan, boost, per-beam records, make-up sessions) are derived; anything a
//   person must decide is still proposed, with needsReview and the reasons: no treatment record,
//   an incomplete course, no RT start date, a delivered plan not approved, records of a plan or a
//   fraction group not in the folder, a skipped file of the patient, contradictions.
import type { DicomCoursePhase, DicomLesionProposal, DicomPatientProposal } from '../../../shared/api/dicom';
import { addDays, daysBetween, isIsoDate } from '../../../shared/domain/calendarDates';
import {
  classifySbrt,
  DEFAULT_ALPHA_BETA_GY,
  DEFAULT_SBRT_RULE,
  phasedBiologicallyEffectiveDose,
  phasedEquivalentDoseIn2GyFractions,
  roundDose,
  type SbrtRule,
} from '../../../shared/domain/radiobiology';
import { lesionLocation, parseLevels, type SpineRegion } from '../../../shared/domain/vertebralLevels';
import { sopClassName } from './sopClassNames';
import type { DoseReference, FractionGroup, PlanContent, StructureSetContent } from './dicomRecord';
import type { IndexContent, IndexedPatient, IndexedRtInstance } from './dicomIndex';
import { planDelivery, type PlanDelivery } from './rtDelivery';

export interface DeriveOptions {
  imagingWindowDays?: number;
  alphaBetaGy?: number;
  sbrtRule?: SbrtRule;
}

export interface Derivation {
  patients: DicomPatientProposal[];
  lesions: DicomLesionProposal[];
}

/**
 * Plans of one target starting within this many days after the previous plan's last treatment are
 * one course (a re-plan or sequential boost follows within days; a re-irradiation months later).
 */
export const COURSE_GAP_DAYS = 30;

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

/** Treatment beams' BeamDose of a fraction group (SETUP beams excluded). */
function treatmentBeamDoses(plan: PlanContent, group: FractionGroup) {
  const treatment = new Map<number, { isocenter: string | null; delivery: string }>();
  for (const b of plan.beams) if (b.number !== null) treatment.set(b.number, { isocenter: b.isocenter, delivery: b.deliveryType });
  return {
    treatment,
    doses: group.beamDoses.filter(
      (b) => b.doseGy !== null && (b.beamNumber === null || (treatment.get(b.beamNumber)?.delivery || 'TREATMENT') === 'TREATMENT'),
    ),
  };
}

/** Whether the beams' BeamDose agree with dose per fraction d (whole plan, per target, or per isocentre). */
function beamCheck(plan: PlanContent, group: FractionGroup, d: number, targets: number): string | null {
  const { treatment, doses } = treatmentBeamDoses(plan, group);
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

// ——— phases of one target ———

/** One fraction group of one plan treating one target. */
interface PhaseDraft {
  planUid: string;
  planLabel: string;
  planDate: string | null;
  approved: boolean;
  machine: string | null;
  targetRoiName: string | null;
  fractionGroup: number | null;
  dosePerFractionGy: number | null;
  /** Planned dose of the group to the target, when given directly (avoids d·n rounding). */
  groupDoseGy: number | null;
  fractionsPlanned: number | null;
  /** null when the plan has no treatment record at all. */
  fractionsDelivered: number | null;
  dates: string[];
  firstFraction: number | null;
}

function validFractions(n: number | null): n is number {
  return n !== null && Number.isInteger(n) && n >= 1;
}

/** The fraction groups that treat a target: those referencing its dose reference, else all. */
function groupsOfTarget(plan: PlanContent, ref: DoseReference | null, targets: number, reasons: string[]): FractionGroup[] {
  const groups = plan.fractionGroups;
  if (groups.length === 0) {
    reasons.push('plan has no fraction group (number of fractions unknown)');
    return [];
  }
  const referencing = groups.filter((g) => ref?.number !== null && ref?.number !== undefined && g.doseReferenceNumbers.includes(ref.number));
  if (referencing.length) return referencing;
  if (groups.length > 1 && targets > 1) reasons.push(`plan has ${groups.length} fraction groups and ${targets} targets, and no group names the target it treats`);
  return groups;
}

/** Dose per fraction of one group to the target (see the header for the order of sources). */
function groupDose(plan: PlanContent, group: FractionGroup, ref: DoseReference | null, groupsOfThisTarget: number, reasons: string[]): { d: number | null; doseGy: number | null } {
  const n = group.fractionsPlanned;
  if (!validFractions(n)) return { d: null, doseGy: null };
  const own = ref?.number !== null && ref?.number !== undefined ? (group.prescriptionsGy ?? []).find((p) => p.doseReferenceNumber === ref.number) : undefined;
  if (own && own.doseGy > 0) return { d: own.doseGy / n, doseGy: own.doseGy };
  const D = ref?.prescriptionDoseGy ?? null;
  if (groupsOfThisTarget === 1) return D !== null && D > 0 ? { d: D / n, doseGy: D } : { d: null, doseGy: null };
  const { doses } = treatmentBeamDoses(plan, group);
  if (!doses.length) {
    reasons.push(`fraction group ${group.number ?? '?'} gives no dose of its own and no beam doses`);
    return { d: null, doseGy: null };
  }
  return { d: doses.reduce((s, b) => s + (b.doseGy as number), 0), doseGy: null };
}

/** Phases of one target of one plan, with the deliveries of its records. */
function targetPhases(
  rt: IndexedRtInstance,
  plan: PlanContent,
  ref: DoseReference | null,
  targets: number,
  delivery: PlanDelivery,
  context: { planDate: string | null; machine: string | null; roiName: string | null; hasRecords: boolean },
  reasons: string[],
): PhaseDraft[] {
  const groups = groupsOfTarget(plan, ref, targets, reasons);
  const phases: PhaseDraft[] = [];
  for (const group of groups) {
    if (!validFractions(group.fractionsPlanned)) reasons.push('NumberOfFractionsPlanned missing or invalid');
    const { d, doseGy } = groupDose(plan, group, ref, groups.length, reasons);
    if (d !== null && (doseGy !== null || groups.length === 1)) {
      const check = beamCheck(plan, group, d, Math.max(1, targets));
      if (check) reasons.push(check);
    }
    const delivered = delivery.groups.get(group.number) ?? (groups.length === 1 && plan.fractionGroups.length === 1 ? delivery.groups.get(null) : undefined);
    phases.push({
      planUid: rt.sopInstanceUid,
      planLabel: plan.label,
      planDate: context.planDate,
      approved: plan.approvalStatus === 'APPROVED',
      machine: context.machine,
      targetRoiName: context.roiName,
      fractionGroup: group.number,
      dosePerFractionGy: d,
      groupDoseGy: doseGy,
      fractionsPlanned: group.fractionsPlanned,
      fractionsDelivered: context.hasRecords ? (delivered?.completed.size ?? 0) : null,
      dates: delivered?.dates ?? [],
      firstFraction: delivered?.firstFraction ?? null,
    });
  }
  // Several groups with one plan-level prescription: their doses must add up to it.
  const D = ref?.prescriptionDoseGy ?? null;
  if (phases.length > 1 && D !== null && phases.every((p) => p.dosePerFractionGy !== null && p.groupDoseGy === null && validFractions(p.fractionsPlanned))) {
    const sum = phases.reduce((s, p) => s + (p.dosePerFractionGy as number) * (p.fractionsPlanned as number), 0);
    if (Math.abs(sum - D) > doseTolerance(D)) {
      reasons.push(`the fraction groups' beam doses add up to ${round6(sum)} Gy, the target prescription is ${round6(D)} Gy`);
    }
  }
  return phases;
}

// ——— targets ———

interface TargetEntry {
  patientId: number;
  key: string;
  refKey: string;
  planUid: string;
  planLabel: string;
  planDate: string | null;
  approved: boolean;
  approvalStatus: string;
  reading: LevelReading;
  roiName: string | null;
  machine: string | null;
  phases: PhaseDraft[];
  reasons: string[];
  instanceIds: number[];
  start: string | null;
  end: string | null;
}

interface Indexes {
  structureSets: Map<string, IndexedRtInstance & { structureSet: StructureSetContent }>;
  recordsByPlan: Map<string, IndexedRtInstance[]>;
}

function planMachine(plan: PlanContent, delivery: PlanDelivery, reasons: string[]): string | null {
  // Machine from the treatment beams (model name as the clinic knows it), else machine name.
  const machines = new Set(
    plan.beams.filter((b) => !b.deliveryType || b.deliveryType === 'TREATMENT').map((b) => b.model || b.machineName).filter(Boolean),
  );
  const machine = machines.size ? [...machines][0] : delivery.machines.size ? [...delivery.machines][0] : null;
  if (machines.size > 1) reasons.push(`beams name several machines: ${[...machines].join(', ')}`);
  if (!machine) reasons.push('no treatment machine in the plan');
  if (machine && delivery.machines.size && !delivery.machines.has(machine)) {
    reasons.push(`treatment records name machine ${[...delivery.machines].join(', ')}, the plan ${machine}`);
  }
  return machine || null;
}

function levelReasons(reading: LevelReading, candidates: Array<[DicomLesionProposal['levelSource'], string]>, planName: string): string[] {
  const reasons: string[] = [];
  if (reading.levels.length === 0) {
    reasons.push(
      reading.regionOnly
        ? `target names a region (${reading.regionOnly}) but no vertebral levels`
        : 'no vertebral level in the ROI name, dose reference, plan label or plan name',
    );
    return reasons;
  }
  if (!reading.contiguous) reasons.push(`levels ${reading.levels.join(', ')} are not contiguous`);
  if (reading.invalid.length) reasons.push(`unrecognised level mention(s): ${reading.invalid.join(', ')}`);
  // The plan name is free text (technique, dose, dates): levels read only there are a guess.
  if (reading.source === 'planName') reasons.push(`levels read only from the plan name "${planName}"`);
  // Other structured sources naming different levels are a contradiction a person must resolve.
  for (const [source, text] of candidates) {
    if (source === reading.source || source === 'planName' || !text) continue;
    const other = parseLevels(text).levels;
    if (other.length && other.join(',') !== reading.levels.join(',')) {
      reasons.push(`${source} "${text}" names ${other.join(', ')}, ${reading.source} names ${reading.levels.join(', ')}`);
    }
  }
  return reasons;
}

/** Every target of one plan, with its phases and the plan-level reasons. */
function planTargets(rt: IndexedRtInstance, plan: PlanContent, idx: Indexes, usedStructureSets: Set<string>): TargetEntry[] {
  const planReasons: string[] = [];
  if (!rt.patientId && rt.patientId !== 0) planReasons.push('plan has no patient');
  const structureSet = plan.structureSetUid ? idx.structureSets.get(plan.structureSetUid) : undefined;
  if (plan.structureSetUid) usedStructureSets.add(plan.structureSetUid);
  if (!plan.structureSetUid) planReasons.push('plan references no RT Structure Set');
  else if (!structureSet) planReasons.push('the RT Structure Set the plan references is not in the scanned files');
  let planDate = plan.date;
  if (!planDate) {
    planDate = rt.studyDate;
    planReasons.push(planDate ? 'plan has no RTPlanDate; study date used' : 'plan has no RTPlanDate or study date');
  }
  const records = idx.recordsByPlan.get(rt.sopInstanceUid) ?? [];
  const delivery = planDelivery(plan, records);
  planReasons.push(...delivery.reasons);
  const machine = planMachine(plan, delivery, planReasons);
  const targets = plan.doseReferences.filter((r) => r.type === 'TARGET');
  const targetList: Array<DoseReference | null> = targets.length ? targets : [null];
  if (!targets.length) planReasons.push('plan has no TARGET dose reference');

  return targetList.map((ref) => {
    const reasons = [...planReasons];
    const roi = ref?.roiNumber !== null && ref?.roiNumber !== undefined ? structureSet?.structureSet.rois.find((r) => r.number === ref.roiNumber) : undefined;
    if (ref && ref.roiNumber === null) reasons.push('TARGET dose reference has no ReferencedROINumber');
    else if (ref && structureSet && !roi) reasons.push(`ROI ${ref.roiNumber} of the TARGET dose reference is not in the structure set`);
    const candidates: Array<[DicomLesionProposal['levelSource'], string]> = [
      ['roi', roi?.name ?? ''],
      ['doseReference', ref?.description ?? ''],
    ];
    if (targetList.length === 1) candidates.push(['planLabel', plan.label], ['planName', plan.name]);
    const reading = readLevels(candidates);
    reasons.push(...levelReasons(reading, candidates, plan.name));
    // The plan calls it a target; a structure set typing it as an organ contradicts that.
    if (roi && NON_TARGET_TYPES.has(roi.interpretedType)) reasons.push(`target ROI "${roi.name}" is typed ${roi.interpretedType} in the structure set`);
    if (ref && ref.prescriptionDoseGy === null && !(plan.fractionGroups.some((g) => (g.prescriptionsGy ?? []).some((p) => p.doseReferenceNumber === ref.number)))) {
      reasons.push('TARGET dose reference has no TargetPrescriptionDose');
    }
    if (ref?.prescriptionDoseGy !== null && ref?.prescriptionDoseGy !== undefined && !(ref.prescriptionDoseGy > 0)) {
      reasons.push(`prescription dose ${ref.prescriptionDoseGy} Gy is not positive`);
    }
    const phases = targetPhases(rt, plan, ref, targets.length, delivery, { planDate, machine, roiName: roi?.name ?? null, hasRecords: records.length > 0 }, reasons);
    const dates = phases.flatMap((p) => p.dates).sort();
    const refKey = ref ? String(ref.number ?? `roi${ref.roiNumber}`) : 'none';
    return {
      patientId: rt.patientId,
      key: reading.levels.length ? `${rt.patientId}|${reading.levels.join(',')}` : `${rt.sopInstanceUid}#${refKey}`,
      refKey,
      planUid: rt.sopInstanceUid,
      planLabel: plan.label,
      planDate,
      approved: plan.approvalStatus === 'APPROVED',
      approvalStatus: plan.approvalStatus,
      reading,
      roiName: roi?.name ?? null,
      machine,
      phases,
      reasons,
      instanceIds: [rt.instanceId, ...(structureSet ? [structureSet.instanceId] : []), ...delivery.recordIds],
      start: dates[0] ?? null,
      end: dates[dates.length - 1] ?? null,
    };
  });
}

// ——— courses ———

const entryStart = (e: TargetEntry) => e.start ?? e.planDate ?? '';
const delivered = (e: TargetEntry) => e.phases.some((p) => (p.fractionsDelivered ?? 0) > 0);

/** Targets of one patient and levels → courses: consecutive plans within COURSE_GAP_DAYS. */
function groupCourses(entries: TargetEntry[]): TargetEntry[][] {
  const byKey = new Map<string, TargetEntry[]>();
  for (const e of entries) byKey.set(e.key, [...(byKey.get(e.key) ?? []), e]);
  const courses: TargetEntry[][] = [];
  for (const list of byKey.values()) {
    list.sort((a, b) => (entryStart(a) < entryStart(b) ? -1 : entryStart(a) > entryStart(b) ? 1 : a.planUid < b.planUid ? -1 : 1));
    let current: TargetEntry[] = [];
    let end = '';
    for (const e of list) {
      const start = entryStart(e);
      if (current.length && isIsoDate(start) && isIsoDate(end) && start > addDays(end, COURSE_GAP_DAYS)) {
        courses.push(current);
        current = [];
      }
      current.push(e);
      const last = e.end ?? e.planDate ?? '';
      if (last > end) end = last;
    }
    if (current.length) courses.push(current);
  }
  return courses;
}

/**
 * Drops from a course what is not part of the treatment: never-delivered unapproved drafts beside
 * delivered plans, and — for a plan with several targets on the same levels (a simultaneous
 * boost) — all but the highest dose per fraction (flagged: a person says which dose to report).
 */
function pruneCourse(entries: TargetEntry[], courseReasons: string[]): TargetEntry[] {
  let kept = entries;
  if (entries.some(delivered)) kept = entries.filter((e) => e.approved || delivered(e));
  const byPlan = new Map<string, TargetEntry[]>();
  for (const e of kept) byPlan.set(e.planUid, [...(byPlan.get(e.planUid) ?? []), e]);
  const result: TargetEntry[] = [];
  for (const list of byPlan.values()) {
    // Targets of one plan in different fraction groups are sequential phases (a boost volume
    // treated after the main one); only targets sharing a group are a simultaneous boost.
    const groups = list.map((e) => new Set(e.phases.map((p) => p.fractionGroup)));
    const shareGroup = groups.some((g, i) => groups.some((h, j) => j > i && [...g].some((x) => h.has(x))));
    if (list.length === 1 || !shareGroup) {
      result.push(...list);
      continue;
    }
    const d = (e: TargetEntry) => Math.max(...e.phases.map((p) => p.dosePerFractionGy ?? 0));
    const best = list.reduce((a, b) => (d(b) > d(a) ? b : a));
    courseReasons.push(
      `plan "${best.planLabel}" has ${list.length} targets on these levels (${list.map((e) => e.roiName ?? e.refKey).join(', ')}); the highest dose per fraction was used`,
    );
    result.push(best);
  }
  return result.sort((a, b) => entries.indexOf(a) - entries.indexOf(b));
}

interface CountedPhase extends PhaseDraft {
  superseded: boolean;
  counted: number | null;
}

/** Which phases a later delivered plan replaced (see the header). */
function countPhases(phases: PhaseDraft[]): CountedPhase[] {
  return phases.map((p) => {
    const planned = validFractions(p.fractionsPlanned) ? p.fractionsPlanned : null;
    const given = p.fractionsDelivered ?? 0;
    const later = phases.filter((q) => q.planUid !== p.planUid && (q.fractionsDelivered ?? 0) > 0);
    let superseded = false;
    if (planned !== null && given < planned) {
      const last = p.dates[p.dates.length - 1];
      superseded = given > 0
        ? later.some((q) => q.dates[0] !== undefined && q.dates[0] >= last)
        : later.some((q) => (q.planDate ?? '') > (p.planDate ?? ''));
    }
    return { ...p, superseded, counted: superseded ? given : planned };
  });
}

interface CourseNumbers {
  totalDoseGy: number | null;
  fractionsPlanned: number | null;
  fractionsDelivered: number | null;
  dosePerFractionGy: number | null;
  bedGy: number | null;
  eqd2Gy: number | null;
  sbrt: boolean | null;
}

function courseNumbers(phases: CountedPhase[], alphaBeta: number, sbrtRule: SbrtRule): CourseNumbers {
  const hasRecords = phases.some((p) => p.fractionsDelivered !== null);
  const fractionsDelivered = hasRecords ? phases.reduce((s, p) => s + (p.fractionsDelivered ?? 0), 0) : null;
  const counting = phases.filter((p) => p.counted !== 0);
  const unknown = { totalDoseGy: null, fractionsPlanned: null, dosePerFractionGy: null, bedGy: null, eqd2Gy: null, sbrt: null };
  if (!counting.length || counting.some((p) => p.counted === null || p.dosePerFractionGy === null || !(p.dosePerFractionGy > 0))) {
    const planned = counting.length && counting.every((p) => p.counted !== null) ? counting.reduce((s, p) => s + (p.counted as number), 0) : null;
    return { ...unknown, fractionsPlanned: planned, fractionsDelivered };
  }
  const dose = (p: CountedPhase) => (p.groupDoseGy !== null && p.counted === p.fractionsPlanned ? p.groupDoseGy : (p.dosePerFractionGy as number) * (p.counted as number));
  const doses = counting.map((p) => ({ dosePerFractionGy: dose(p) / (p.counted as number), fractions: p.counted as number, totalDoseGy: dose(p) }));
  const d0 = doses[0].dosePerFractionGy;
  const highest = counting.reduce((a, b) => ((b.dosePerFractionGy as number) > (a.dosePerFractionGy as number) ? b : a));
  return {
    totalDoseGy: round6(counting.reduce((s, p) => s + dose(p), 0)),
    fractionsPlanned: doses.reduce((s, p) => s + p.fractions, 0),
    fractionsDelivered,
    dosePerFractionGy: doses.every((p) => Math.abs(p.dosePerFractionGy - d0) <= 1e-6) ? round6(d0) : null,
    bedGy: roundDose(phasedBiologicallyEffectiveDose(doses, alphaBeta)),
    eqd2Gy: roundDose(phasedEquivalentDoseIn2GyFractions(doses, alphaBeta)),
    sbrt: classifySbrt({ technique: null, machine: highest.machine, totalDoseGy: dose(highest), fractions: highest.counted as number }, sbrtRule).sbrt,
  };
}

/** The reasons a person must look at a course (issue 10 item 3). */
function courseFlags(entries: TargetEntry[], phases: CountedPhase[], n: CourseNumbers, rtStartDate: string | null): string[] {
  const reasons: string[] = [];
  if (n.fractionsDelivered === null) reasons.push('no treatment record: delivered fractions and RT dates unknown');
  else if (n.fractionsPlanned !== null && n.fractionsDelivered < n.fractionsPlanned) {
    reasons.push(`incomplete course: ${n.fractionsDelivered} of ${n.fractionsPlanned} planned fractions delivered`);
  }
  if (!rtStartDate) reasons.push('no RT start date (the time origin of every endpoint)');
  for (const e of entries) {
    if (e.approved) continue;
    reasons.push(
      delivered(e)
        ? `plan "${e.planLabel}" was delivered but its approval status is ${e.approvalStatus || 'missing'} (not APPROVED)`
        : `plan approval status is ${e.approvalStatus || 'missing'} (not APPROVED)`,
    );
  }
  // The first treated phase's records continue a count from elsewhere: an earlier phase is missing.
  const firstTreated = phases.find((p) => p.dates.length > 0);
  if (firstTreated && firstTreated.firstFraction !== null && firstTreated.firstFraction > 1) {
    reasons.push(`the records of plan "${firstTreated.planLabel}" start at fraction ${firstTreated.firstFraction}: an earlier phase is not in the scanned files?`);
  }
  for (const p of phases) {
    if (p.fractionsDelivered !== null && validFractions(p.fractionsPlanned) && p.fractionsDelivered > p.fractionsPlanned) {
      reasons.push(`${p.fractionsDelivered} fractions delivered under plan "${p.planLabel}" group ${p.fractionGroup ?? '?'}, ${p.fractionsPlanned} planned`);
    }
  }
  return reasons;
}

function toPhase(p: CountedPhase): DicomCoursePhase {
  return {
    planSopInstanceUid: p.planUid,
    fractionGroup: p.fractionGroup,
    dosePerFractionGy: p.dosePerFractionGy === null ? null : round6(p.dosePerFractionGy),
    fractionsPlanned: p.fractionsPlanned,
    fractionsDelivered: p.fractionsDelivered,
    fractionsCounted: p.counted,
    superseded: p.superseded,
    planLabel: p.planLabel || null,
    targetRoiName: p.targetRoiName,
  };
}

interface PatientContext {
  sourcePatientId: string;
  pseudonym: string;
  series: Array<{ modality: string; date: string | null }>;
  skipped: string[];
}

function preRtImaging(series: PatientContext['series'], referenceDate: string | null, windowDays: number) {
  const found = { CT: false, MR: false, PT: false };
  if (!referenceDate || !isIsoDate(referenceDate)) return found;
  for (const s of series) {
    if (!(s.modality in found) || !s.date || !isIsoDate(s.date)) continue;
    const before = daysBetween(s.date, referenceDate);
    if (before >= 0 && before <= windowDays) found[s.modality as 'CT' | 'MR' | 'PT'] = true;
  }
  return found;
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

function courseProposal(all: TargetEntry[], patient: PatientContext, options: Required<DeriveOptions>): DicomLesionProposal {
  const courseReasons: string[] = [];
  const entries = pruneCourse(all, courseReasons);
  const drafts = entries.flatMap((e) => e.phases);
  // Once any plan of the course has records, a plan without any delivered none of its fractions.
  const anyRecords = drafts.some((p) => p.fractionsDelivered !== null);
  const phases = countPhases(
    drafts.map((p) => (anyRecords && p.fractionsDelivered === null ? { ...p, fractionsDelivered: 0 } : p)).sort((a, b) => {
      const ka = `${a.dates[0] ?? a.planDate ?? ''}`;
      const kb = `${b.dates[0] ?? b.planDate ?? ''}`;
      return ka < kb ? -1 : ka > kb ? 1 : (a.fractionGroup ?? 0) - (b.fractionGroup ?? 0);
    }),
  );
  // The course is named after its first plan that counts (a never-delivered draft before it does not).
  const firstCounted = phases.find((p) => p.counted !== 0);
  const first = entries.find((e) => e.planUid === firstCounted?.planUid) ?? entries[0];
  const numbers = courseNumbers(phases, options.alphaBetaGy, options.sbrtRule);
  const dates = phases.flatMap((p) => p.dates).sort();
  const rtStartDate = dates[0] ?? null;
  const rtEndDate = dates[dates.length - 1] ?? null;
  const planDates = entries.map((e) => e.planDate).filter((d): d is string => !!d).sort();
  const planDate = first.planDate ?? planDates[0] ?? null;
  const reasons = unique([...entries.flatMap((e) => e.reasons), ...courseReasons, ...courseFlags(entries, phases, numbers, rtStartDate), ...patient.skipped]);
  const planUids = unique(phases.map((p) => p.planUid));
  return {
    proposalId: `${first.planUid}#${first.refKey}`,
    sourcePatientId: patient.sourcePatientId,
    pseudonym: patient.pseudonym,
    levels: first.reading.levels,
    location: first.reading.levels.length ? lesionLocation(first.reading.levels) : first.reading.regionOnly,
    ...numbers,
    rtStartDate,
    rtEndDate,
    planDate,
    machine: first.machine,
    preRtImaging: preRtImaging(patient.series, rtStartDate ?? planDate, options.imagingWindowDays),
    planSopInstanceUid: first.planUid,
    planSopInstanceUids: planUids.length ? planUids : [first.planUid],
    phases: phases.map(toPhase),
    targetRoiName: first.roiName,
    planLabel: first.planLabel || null,
    levelSource: first.reading.source,
    needsReview: reasons.length > 0,
    reviewReasons: reasons,
    instanceIds: unique(all.flatMap((e) => e.instanceIds)),
  };
}

/** Courses of the same levels more than COURSE_GAP_DAYS apart: a re-irradiation a person must confirm. */
function flagRepeatCourses(lesions: DicomLesionProposal[]): void {
  const byLevels = new Map<string, DicomLesionProposal[]>();
  for (const l of lesions) {
    if (!l.levels.length || !l.pseudonym) continue;
    const key = `${l.pseudonym}|${l.levels.join(',')}`;
    byLevels.set(key, [...(byLevels.get(key) ?? []), l]);
  }
  for (const group of byLevels.values()) {
    if (group.length < 2) continue;
    for (const l of group) {
      const others = group.filter((o) => o !== l).map((o) => o.rtStartDate ?? o.planDate ?? '?');
      l.reviewReasons.push(`${l.levels.join(', ')} also treated in another course (${others.join(', ')}): re-irradiation?`);
      l.needsReview = true;
    }
  }
}

export function deriveProposals(index: IndexContent, options: DeriveOptions = {}): Derivation {
  const resolved: Required<DeriveOptions> = {
    imagingWindowDays: options.imagingWindowDays ?? 60,
    alphaBetaGy: options.alphaBetaGy ?? DEFAULT_ALPHA_BETA_GY,
    sbrtRule: options.sbrtRule ?? DEFAULT_SBRT_RULE,
  };
  const patientsById = new Map(index.patients.map((p) => [p.id, p]));
  const idx: Indexes = { structureSets: new Map(), recordsByPlan: new Map() };
  const plans: Array<{ rt: IndexedRtInstance; plan: PlanContent }> = [];
  for (const rt of index.rt) {
    if (rt.structureSet) idx.structureSets.set(rt.sopInstanceUid, rt as IndexedRtInstance & { structureSet: StructureSetContent });
    if (rt.plan) plans.push({ rt, plan: rt.plan });
    if (rt.treatmentRecord?.planUid) {
      const list = idx.recordsByPlan.get(rt.treatmentRecord.planUid) ?? [];
      list.push(rt);
      idx.recordsByPlan.set(rt.treatmentRecord.planUid, list);
    }
  }
  const seriesByPatient = new Map<number, Array<{ modality: string; date: string | null }>>();
  for (const s of index.series) {
    const list = seriesByPatient.get(s.patientId) ?? [];
    list.push(s);
    seriesByPatient.set(s.patientId, list);
  }
  const skippedByPatient = new Map<number, string[]>();
  for (const f of index.skipped ?? []) {
    const list = skippedByPatient.get(f.patientId) ?? [];
    list.push(`a file of this patient was skipped (${sopClassName(f.sopClassUid)}): ${f.reason}`);
    skippedByPatient.set(f.patientId, list);
  }
  const patientContext = (id: number): PatientContext => {
    const p = patientsById.get(id);
    const skipped = unique(skippedByPatient.get(id) ?? []);
    return { sourcePatientId: p?.sourcePatientId ?? '', pseudonym: p?.pseudonym ?? '', series: seriesByPatient.get(id) ?? [], skipped };
  };

  const lesions: DicomLesionProposal[] = [];
  const usedStructureSets = new Set<string>();
  const planUids = new Set(plans.map((p) => p.rt.sopInstanceUid));
  const entries = plans.flatMap(({ rt, plan }) => planTargets(rt, plan, idx, usedStructureSets));
  for (const course of groupCourses(entries)) {
    const context = patientContext(course[0].patientId);
    const proposal = courseProposal(course, context, resolved);
    if (!patientsById.get(course[0].patientId)?.hasSourcePatientId) {
      proposal.reviewReasons.unshift('plan has no PatientID');
      proposal.needsReview = true;
    }
    lesions.push(proposal);
  }
  flagRepeatCourses(lesions);

  // Structure sets no plan uses: their target volumes may be lesions planned elsewhere (or never).
  for (const [uid, ss] of idx.structureSets) {
    if (usedStructureSets.has(uid)) continue;
    const patient = patientsById.get(ss.patientId);
    const skipped = patientContext(ss.patientId).skipped;
    for (const roi of ss.structureSet.rois) {
      const isTarget = ['PTV', 'CTV', 'GTV'].includes(roi.interpretedType) || /^z?ptv/i.test(roi.name);
      if (!isTarget || !/ptv/i.test(roi.name + roi.interpretedType)) continue;
      const parsed = parseLevels(roi.name);
      const reasons = ['structure set is not used by any scanned plan: no dose, fractions or dates'];
      if (!parsed.levels.length) reasons.push('no vertebral level in the ROI name');
      reasons.push(...skipped);
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
        planSopInstanceUids: [],
        phases: [],
        targetRoiName: roi.name,
        planLabel: null,
        levelSource: parsed.levels.length ? 'roi' : 'none',
        needsReview: true,
        reviewReasons: reasons,
        instanceIds: [ss.instanceId],
      });
    }
  }

  // Treatment records of plans that were not scanned cannot be attributed: their own proposal, and
  // every course of the patient is flagged (they may be a phase of it — a re-plan's first plan).
  const orphanPatients = new Map<number, string[]>();
  for (const [planUid, records] of idx.recordsByPlan) {
    if (planUids.has(planUid)) continue;
    const dates = records.map((r) => r.treatmentRecord?.date).filter((d): d is string => !!d).sort();
    const span = dates.length ? ` (${dates[0]} to ${dates[dates.length - 1]})` : '';
    const list = orphanPatients.get(records[0].patientId) ?? [];
    list.push(`${records.length} treatment record(s) of this patient${span} reference a plan not in the scanned files: a phase of this course?`);
    orphanPatients.set(records[0].patientId, list);
  }
  for (const l of lesions) {
    const id = index.patients.find((p) => p.pseudonym === l.pseudonym)?.id;
    const notes = id === undefined ? undefined : orphanPatients.get(id);
    if (!notes) continue;
    l.reviewReasons.push(...notes);
    l.needsReview = true;
  }
  for (const [planUid, records] of idx.recordsByPlan) {
    if (planUids.has(planUid)) continue;
    const patient = patientsById.get(records[0].patientId);
    const delivery = planDelivery(undefined, records);
    const dates = [...delivery.groups.values()].flatMap((g) => g.dates).sort();
    const fractions = [...delivery.groups.values()].reduce((s, g) => s + g.completed.size, 0);
    lesions.push({
      proposalId: `${planUid}#records`,
      sourcePatientId: patient?.sourcePatientId ?? '',
      pseudonym: patient?.pseudonym ?? '',
      levels: [],
      location: null,
      totalDoseGy: null,
      fractionsPlanned: null,
      fractionsDelivered: fractions,
      dosePerFractionGy: null,
      bedGy: null,
      eqd2Gy: null,
      sbrt: null,
      rtStartDate: dates[0] ?? null,
      rtEndDate: dates[dates.length - 1] ?? null,
      planDate: null,
      machine: delivery.machines.size ? [...delivery.machines][0] : null,
      preRtImaging: { CT: false, MR: false, PT: false },
      planSopInstanceUid: planUid,
      planSopInstanceUids: [planUid],
      phases: [],
      targetRoiName: null,
      planLabel: null,
      levelSource: 'none',
      needsReview: true,
      reviewReasons: unique([
        'treatment records reference a plan that is not in the scanned files',
        ...delivery.reasons,
        ...patientContext(records[0].patientId).skipped,
      ]),
      instanceIds: records.map((r) => r.instanceId),
    });
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
