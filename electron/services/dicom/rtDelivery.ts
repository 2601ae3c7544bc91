// What the RT Beams Treatment Records of one plan say was delivered, per fraction group
// (used by rtDerivation.ts). Rules (cli.md `dicom-scan`, issue 10):
// - A delivered fraction is a distinct (plan, fraction group, CurrentFractionNumber) whose treatment
//   beams were all completed, whatever the record granularity: ARIA/Eclipse write one record per
//   session, MOSAIQ and others often one per beam; both give the same fractions.
// - A beam is completed when any of its deliveries for that fraction ended NORMAL, or when its
//   deliveries (an interrupted beam and its CONTINUATION in a make-up session) add up to the
//   specified meterset. So an interrupted beam finished in a make-up session counts the fraction once.
// - A fraction with a beam never completed is not counted and is reported (a person decides).
// - Records without CurrentFractionNumber count one fraction per treatment date.
import type { PlanContent, SessionBeam, TreatmentRecordContent } from './dicomRecord';
import type { IndexedRtInstance } from './dicomIndex';

/** Beams that deliver dose; SETUP and VERIFICATION (imaging) items do not make a fraction. */
const DOSE_DELIVERY_TYPES = new Set(['', 'TREATMENT', 'CONTINUATION']);

interface BeamTally {
  completed: boolean;
  delivered: number;
  specified: number | null;
  statuses: Set<string>;
}

export interface GroupDelivery {
  /** Fraction keys (number, or d:DATE without numbers) delivered completely. */
  completed: Set<string>;
  /** Treatment dates of sessions that delivered any dose under this group. */
  dates: string[];
  /** Lowest CurrentFractionNumber recorded (null without numbers). */
  firstFraction: number | null;
}

export interface PlanDelivery {
  /** Per FractionGroupNumber (null: the record names none and the plan cannot tell). */
  groups: Map<number | null, GroupDelivery>;
  reasons: string[];
  machines: Set<string>;
  recordIds: number[];
}

/** Session beams of a record; index rows written before per-beam content was kept have only numbers. */
export function sessionBeams(rec: TreatmentRecordContent): SessionBeam[] {
  if (rec.beams) return rec.beams;
  const numbers = rec.fractionNumbers ?? [];
  const statuses = rec.terminationStatuses ?? [];
  return Array.from({ length: Math.max(numbers.length, statuses.length) }, (_, i) => ({
    beamNumber: null,
    fractionNumber: numbers[i] ?? null,
    termination: statuses[i] ?? '',
    deliveryType: '',
    specifiedMeterset: null,
    deliveredMeterset: null,
    date: null,
  }));
}

function recordGroup(rec: TreatmentRecordContent, beams: SessionBeam[], plan: PlanContent | undefined, reasons: Set<string>): number | null {
  const groups = plan?.fractionGroups ?? [];
  if (rec.fractionGroup !== null && rec.fractionGroup !== undefined) {
    if (plan && groups.length && !groups.some((g) => g.number === rec.fractionGroup)) {
      reasons.add(`treatment records reference fraction group ${rec.fractionGroup}, which plan "${plan.label}" does not have`);
    }
    return rec.fractionGroup;
  }
  if (groups.length <= 1) return groups[0]?.number ?? null;
  // Several groups and no reference: the group whose beams the session delivered.
  const numbers = beams.map((b) => b.beamNumber).filter((n): n is number => n !== null);
  const matching = groups.filter((g) => numbers.length > 0 && numbers.every((n) => g.beamDoses.some((d) => d.beamNumber === n)));
  if (matching.length === 1) return matching[0].number;
  reasons.add(`treatment records of plan "${plan?.label ?? ''}" name no fraction group and their beams do not identify one`);
  return null;
}

function beamCompleted(b: SessionBeam): boolean {
  if (b.termination === 'NORMAL') return true;
  // No status written: trust the metersets when both are there, else the record itself.
  if (b.termination === '') {
    return b.deliveredMeterset === null || b.specifiedMeterset === null || b.deliveredMeterset >= b.specifiedMeterset - metersetTolerance(b.specifiedMeterset);
  }
  return false;
}

function metersetTolerance(specified: number): number {
  return Math.max(0.5, 0.01 * specified);
}

/** Treatment beam numbers of a fraction group (what a complete fraction must deliver). */
function expectedBeams(plan: PlanContent | undefined, group: number | null): Set<string> {
  const fg = plan?.fractionGroups.find((g) => g.number === group) ?? (plan?.fractionGroups.length === 1 ? plan.fractionGroups[0] : undefined);
  if (!plan || !fg) return new Set();
  const setup = new Set(plan.beams.filter((b) => b.deliveryType && b.deliveryType !== 'TREATMENT').map((b) => b.number));
  // A beam with no meterset (a placeholder some systems list in the group) delivers nothing to wait for.
  return new Set(
    fg.beamDoses.filter((d) => d.beamNumber !== null && !setup.has(d.beamNumber) && d.meterset !== 0).map((d) => String(d.beamNumber)),
  );
}

function tallyFraction(tally: Map<string, BeamTally>, key: string, b: SessionBeam): void {
  const t = tally.get(key) ?? { completed: false, delivered: 0, specified: null, statuses: new Set<string>() };
  t.completed ||= beamCompleted(b);
  t.delivered += b.deliveredMeterset ?? 0;
  if (b.specifiedMeterset !== null) t.specified = Math.max(t.specified ?? 0, b.specifiedMeterset);
  if (b.termination) t.statuses.add(b.termination);
  tally.set(key, t);
}

function fractionComplete(beams: Map<string, BeamTally>, expected: Set<string>): { complete: boolean; missing: string[] } {
  const done = (t: BeamTally | undefined) =>
    !!t && (t.completed || (t.specified !== null && t.specified > 0 && t.delivered >= t.specified - metersetTolerance(t.specified)));
  const numbered = [...beams.keys()].every((k) => !k.startsWith('#'));
  const keys = expected.size > 0 && numbered && [...beams.keys()].every((k) => expected.has(k)) ? [...expected] : [...beams.keys()];
  const missing = keys.filter((k) => !done(beams.get(k)));
  return { complete: keys.length > 0 && missing.length === 0, missing };
}

/** Deliveries of one plan from the records referencing it (plan may be absent from the folder). */
export function planDelivery(plan: PlanContent | undefined, records: IndexedRtInstance[]): PlanDelivery {
  const reasons = new Set<string>();
  const machines = new Set<string>();
  // group → fraction key → beam key → tally
  const tallies = new Map<number | null, Map<string, Map<string, BeamTally>>>();
  const dates = new Map<number | null, Set<string>>();
  let undated = 0;
  for (const r of records) {
    const rec = r.treatmentRecord;
    if (!rec) continue;
    const machine = rec.model || rec.machineName;
    if (machine) machines.add(machine);
    const beams = sessionBeams(rec).filter((b) => DOSE_DELIVERY_TYPES.has(b.deliveryType));
    const group = recordGroup(rec, beams, plan, reasons);
    const fractions = tallies.get(group) ?? new Map<string, Map<string, BeamTally>>();
    tallies.set(group, fractions);
    if (!rec.date) undated++;
    else (dates.get(group) ?? dates.set(group, new Set()).get(group))?.add(rec.date);
    const sessionKey = rec.date ? `d:${rec.date}` : `r:${r.instanceId}`;
    if (beams.length === 0) {
      // A session record without beam items: one fraction, given that day.
      fractions.set(sessionKey, new Map([['#session', { completed: true, delivered: 0, specified: null, statuses: new Set() }]]));
      continue;
    }
    beams.forEach((b, i) => {
      const key = b.fractionNumber !== null ? String(b.fractionNumber) : sessionKey;
      const perBeam = fractions.get(key) ?? new Map<string, BeamTally>();
      fractions.set(key, perBeam);
      tallyFraction(perBeam, b.beamNumber !== null ? String(b.beamNumber) : `#${r.instanceId}.${i}`, b);
    });
  }
  if (undated) reasons.add(`${undated} treatment record(s) without a date`);
  const groups = new Map<number | null, GroupDelivery>();
  for (const [group, fractions] of tallies) {
    const expected = expectedBeams(plan, group);
    const completed = new Set<string>();
    for (const [key, beams] of fractions) {
      const { complete, missing } = fractionComplete(beams, expected);
      if (complete) completed.add(key);
      else {
        const statuses = [...new Set(missing.flatMap((m) => [...(beams.get(m)?.statuses ?? [])]))].join('/') || 'never delivered';
        const beamList = missing.map((m) => (m.startsWith('#') ? '?' : m)).join(', ');
        reasons.add(`fraction ${key.replace(/^d:/, 'of ')} of plan "${plan?.label ?? '?'}" was not completed: beam ${beamList} ${statuses}`);
      }
    }
    const numbers = [...fractions.keys()].map(Number).filter((n) => Number.isInteger(n));
    groups.set(group, { completed, dates: [...(dates.get(group) ?? [])].sort(), firstFraction: numbers.length ? Math.min(...numbers) : null });
  }
  return { groups, reasons: [...reasons], machines, recordIds: records.map((r) => r.instanceId) };
}
