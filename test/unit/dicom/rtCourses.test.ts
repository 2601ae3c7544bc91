// RT courses assembled from plans, fraction groups and treatment records (issue 10, item 2 and 3),
// on DICOM files generated in code (dicomWriter.ts): a re-plan continuing the fraction count, a
// sequential boost in one plan (two fraction groups, with and without their own prescription), a
// boost plan, two targets in one plan, a never-delivered draft beside the delivered plan, a plan
// never delivered at all, an incomplete course, per-beam records with an interrupted beam made up
// in a later session (and one never made up), an unapproved plan that was delivered, a
// re-irradiation, and a skipped record of a patient. Every derived field is checked; the expected
// doses are computed here from the linear-quadratic formula, not copied from the code under test.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStudy, openStudy } from '../../../electron/services/db/studyFile';
import { commitProposals, deriveFromStudy } from '../../../electron/services/dicom/dicomImport';
import { scanFolderReadOnly, scanIntoIndex } from '../../../electron/services/dicom/dicomScan';
import { buildDataset } from '../../../electron/services/analysis/dataset';
import type { DicomLesionProposal, DicomScanResult } from '../../../shared/api/dicom';
import { encodeDicom, rtCourse, shiftDate, writeAll, type CourseSpec, type Encoding, type SyntheticPatient } from './dicomWriter';

const AB = 7;
/** BED of phases [Gy per fraction, fractions] by the LQ formula: Σ n·d·(1 + d/(α/β)). */
const bed = (phases: Array<[number, number]>) => phases.reduce((s, [d, n]) => s + n * d * (1 + d / AB), 0);
const round2 = (x: number) => Math.round(x * 100) / 100;
const iso = (d: string) => `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`;
const days = (start: string, n: number) => Array.from({ length: n }, (_, i) => shiftDate(start, i));

let root: string;
let result: DicomScanResult;
const plans: Record<string, string> = {};

function patient(id: string): SyntheticPatient {
  return { patientId: id, name: `TESTFALL^${id}`, birthDate: '19600101', sex: 'F' };
}

function write(p: SyntheticPatient, key: string, course: CourseSpec, encoding: Encoding = 'explicitLE') {
  const objects = rtCourse(p, course);
  plans[key] = objects.plan.uid;
  writeAll(join(root, p.patientId, key), [objects.plan, objects.struct, ...objects.records], (o) => `${o.uid}.dcm`, { encoding });
  return objects;
}

const base = (label: string, roiName: string, doseGy: number, fractions: number, planDate: string, treatmentDates: string[]): CourseSpec => ({
  label,
  planDate,
  fractions,
  machineModel: 'TrueBeam',
  targets: [{ roiName, doseGy }],
  treatmentDates,
});

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'rtcw-rt-courses-'));
  // Re-plan: 3 Gy × 10 planned, 5 given; the re-plan gives 7 × 2.5 Gy, fractions 6–12.
  const replan = patient('C1');
  write(replan, 'p1', base('T8 30/10', 'PTV_T8', 30, 10, '20190301', days('20190304', 5)));
  write(replan, 'p2', { ...base('T8 replan', 'PTV_T8_v2', 17.5, 7, '20190307', days('20190309', 7)), fractionStart: 6 }, 'implicitLE');
  // Sequential boost in one plan: FG1 30 Gy/10 and FG2 8 Gy/2 to the same target (own prescriptions).
  const twoGroups = patient('C2');
  const fg = (own: boolean): CourseSpec => ({
    ...base('L2 30+8', 'PTV_L2', 38, 12, '20190401', []),
    fractionGroups: [
      { fractions: 10, targetDosesGy: [30], ownPrescription: own },
      { fractions: 2, targetDosesGy: [8], ownPrescription: own },
    ],
    sessions: [
      ...days('20190403', 10).map((date, i) => ({ date, fraction: i + 1, fractionGroup: 1 })),
      ...days('20190413', 2).map((date, i) => ({ date, fraction: i + 1, fractionGroup: 2 })),
    ],
  });
  write(twoGroups, 'fg', fg(true), 'implicitLE');
  // The same plan with only beam doses per group (a plan-level prescription of 38 Gy).
  write(patient('C3'), 'fg', fg(false));
  // Boost plan: 20 Gy/5 then 8 Gy/1 — BED is summed, not that of 28 Gy/6.
  const boost = patient('C4');
  write(boost, 'main', base('T10', 'PTV_T10', 20, 5, '20190501', days('20190506', 5)));
  write(boost, 'boost', base('T10 boost', 'PTV_T10_boost', 8, 1, '20190502', ['20190511']));
  // Two targets in one plan, all delivered: two lesions, one phase each.
  write(patient('C5'), 'two', {
    ...base('T4+L3', 'PTV1_T4', 30, 10, '20190601', days('20190603', 10)),
    targets: [
      { roiName: 'PTV1_T4', doseGy: 30 },
      { roiName: 'PTV1_L3', doseGy: 30 },
    ],
  });
  // A draft never delivered, then the plan that was: the draft counts nothing and is not flagged.
  const draft = patient('C6');
  write(draft, 'draft', base('L4 draft', 'PTV_L4', 30, 10, '20190620', []));
  write(draft, 'final', base('L4', 'PTV_L4', 30, 10, '20190625', days('20190701', 10)));
  // An unapproved alternative beside the delivered plan: not part of the course.
  write(draft, 'alt', { ...base('L4 alt', 'PTV_L4', 24, 3, '20190626', []), approval: 'UNAPPROVED' });
  // A boost planned after the main plan but not (yet) given: the course is incomplete, not shortened.
  const pending = patient('C14');
  write(pending, 'main', base('T9', 'PTV_T9', 30, 10, '20190601', days('20190603', 10)));
  write(pending, 'boost', base('T9 boost', 'PTV_T9_boost', 8, 2, '20190610', []));
  // A re-plan whose first plan is not in the export (only its records are): the course cannot be whole.
  const partial = patient('C15');
  const missing = rtCourse(partial, base('T3 30/10', 'PTV_T3', 30, 10, '20190801', days('20190805', 5)));
  writeAll(join(root, partial.patientId, 'orphan-records'), missing.records, (o) => `${o.uid}.dcm`);
  write(partial, 'replan', { ...base('T3 replan', 'PTV_T3', 12.5, 5, '20190809', days('20190812', 5)), fractionStart: 6 });
  // One plan, a boost volume in its own fraction group (FG1 PTV_L3 30 Gy/10, FG2 PTV_L3_boost 8 Gy/2).
  write(patient('C16'), 'seq', {
    ...base('L3 30+8', 'PTV_L3', 30, 12, '20190901', []),
    targets: [
      { roiName: 'PTV_L3', doseGy: 30 },
      { roiName: 'PTV_L3_boost', doseGy: 8 },
    ],
    fractionGroups: [
      { fractions: 10, targetDosesGy: [30, 0], ownPrescription: true },
      { fractions: 2, targetDosesGy: [0, 8], ownPrescription: true },
    ],
    sessions: [
      ...days('20190902', 10).map((date, i) => ({ date, fraction: i + 1, fractionGroup: 1 })),
      ...days('20190912', 2).map((date, i) => ({ date, fraction: i + 1, fractionGroup: 2 })),
    ],
  });
  // Simultaneous integrated boost: two targets on the same level in the same group (flagged, highest dose kept).
  write(patient('C17'), 'sib', {
    ...base('T12 SIB', 'PTV_T12', 20, 5, '20190901', days('20190902', 5)),
    targets: [
      { roiName: 'PTV_T12', doseGy: 20 },
      { roiName: 'GTV_T12', doseGy: 30 },
    ],
  });
  // A plan never delivered at all (no record): flagged.
  write(patient('C7'), 'none', base('T6', 'PTV_T6', 20, 5, '20190701', []));
  // Incomplete: 7 of 10.
  write(patient('C8'), 'short', base('T11', 'PTV_T11', 30, 10, '20190801', days('20190805', 7)));
  // Per-beam records (one file per beam), fraction 2 interrupted on beam 2, made up the next day.
  const perBeam = (made: boolean): CourseSpec => ({
    ...base('L1 20/5', 'PTV_L1', 20, 5, '20190901', []),
    recordsPer: 'beam',
    sessions: [
      { date: '20190902', fraction: 1 },
      { date: '20190903', fraction: 2, beams: [{ beam: 1 }, { beam: 2, status: 'MACHINE', share: 0.4 }] },
      ...(made ? [{ date: '20190904', fraction: 2, beams: [{ beam: 2, continuation: true, share: 0.6 }] }] : []),
      { date: '20190904', fraction: 3 },
      { date: '20190905', fraction: 4 },
      { date: '20190906', fraction: 5 },
    ],
  });
  write(patient('C9'), 'beams', perBeam(true), 'implicitLE');
  write(patient('C10'), 'beams', perBeam(false));
  // Delivered under a plan that is not approved.
  write(patient('C11'), 'unapproved', { ...base('T2', 'PTV_T2', 8, 1, '20191001', ['20191002']), approval: 'UNAPPROVED' });
  // Re-irradiation of the same level a year later: two courses, both flagged.
  const reirr = patient('C12');
  write(reirr, 'first', base('T5', 'PTV_T5', 20, 5, '20180101', days('20180103', 5)));
  write(reirr, 'second', base('T5 re', 'PTV_T5', 24, 3, '20190101', days('20190103', 3)));
  // A treatment record of this patient that cannot be read (cut short): the course says so.
  const lost = patient('C13');
  const objects = write(lost, 'lost', base('L5', 'PTV_L5', 20, 5, '20191101', days('20191104', 5)));
  const extra = rtCourse(lost, base('L5', 'PTV_L5', 20, 5, '20191101', ['20191111'])).records[0];
  writeFileSync(join(root, lost.patientId, 'cut-record.dcm'), encodeDicom(extra.dataSet).subarray(0, 700));
  expect(objects.records).toHaveLength(5);

  result = await scanFolderReadOnly(root, { workers: 1 });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function lesionsOf(id: string): DicomLesionProposal[] {
  return result.lesions.filter((l) => l.sourcePatientId === id);
}
function only(id: string): DicomLesionProposal {
  const list = lesionsOf(id);
  expect(list, id).toHaveLength(1);
  return list[0];
}
function derived(l: DicomLesionProposal) {
  return {
    levels: l.levels,
    totalDoseGy: l.totalDoseGy,
    fractionsPlanned: l.fractionsPlanned,
    fractionsDelivered: l.fractionsDelivered,
    dosePerFractionGy: l.dosePerFractionGy,
    bedGy: l.bedGy,
    eqd2Gy: l.eqd2Gy,
    sbrt: l.sbrt,
    rtStartDate: l.rtStartDate,
    rtEndDate: l.rtEndDate,
  };
}
const eqd2 = (b: number) => round2(b / (1 + 2 / AB));

describe('RT courses from plans, fraction groups and records', () => {
  it('reads every generated file', () => {
    expect(result.files.skipped.map((s) => s.path.split('/').pop())).toEqual(['cut-record.dcm']);
  });

  it('joins a re-plan to its course: the superseded phase counts what it delivered', () => {
    const l = only('C1');
    const b = bed([[3, 5], [2.5, 7]]);
    expect(derived(l)).toEqual({
      levels: ['T8'],
      totalDoseGy: 32.5,
      fractionsPlanned: 12,
      fractionsDelivered: 12,
      dosePerFractionGy: null,
      bedGy: round2(b),
      eqd2Gy: eqd2(b),
      sbrt: false,
      rtStartDate: '2019-03-04',
      rtEndDate: iso(shiftDate('20190309', 6)),
    });
    expect(l.planSopInstanceUids).toEqual([plans.p1, plans.p2]);
    expect(l.planSopInstanceUid).toBe(plans.p1);
    expect(l.phases.map((p) => [p.dosePerFractionGy, p.fractionsPlanned, p.fractionsDelivered, p.fractionsCounted, p.superseded])).toEqual([
      [3, 10, 5, 5, true],
      [2.5, 7, 7, 7, false],
    ]);
    expect(l.needsReview, l.reviewReasons.join('; ')).toBe(false);
  });

  it('sums two fraction groups of one plan (own prescriptions, or beam doses only)', () => {
    const b = bed([[3, 10], [4, 2]]);
    for (const id of ['C2', 'C3']) {
      const l = only(id);
      expect(derived(l), id).toEqual({
        levels: ['L2'],
        totalDoseGy: 38,
        fractionsPlanned: 12,
        fractionsDelivered: 12,
        dosePerFractionGy: null,
        bedGy: round2(b),
        eqd2Gy: eqd2(b),
        sbrt: false,
        rtStartDate: '2019-04-03',
        rtEndDate: '2019-04-14',
      });
      expect(l.phases.map((p) => [p.fractionGroup, p.dosePerFractionGy, p.fractionsPlanned, p.fractionsDelivered]), id).toEqual([
        [1, 3, 10, 10],
        [2, 4, 2, 2],
      ]);
      expect(l.needsReview, `${id}: ${l.reviewReasons.join('; ')}`).toBe(false);
    }
  });

  it('treats a boost volume in its own fraction group of the same plan as a second phase', () => {
    const l = only('C16');
    const b = bed([[3, 10], [4, 2]]);
    expect(derived(l)).toEqual({
      levels: ['L3'],
      totalDoseGy: 38,
      fractionsPlanned: 12,
      fractionsDelivered: 12,
      dosePerFractionGy: null,
      bedGy: round2(b),
      eqd2Gy: eqd2(b),
      sbrt: false,
      rtStartDate: '2019-09-02',
      rtEndDate: '2019-09-13',
    });
    expect(l.phases.map((p) => [p.targetRoiName, p.fractionGroup, p.dosePerFractionGy])).toEqual([
      ['PTV_L3', 1, 3],
      ['PTV_L3_boost', 2, 4],
    ]);
    expect(l.needsReview, l.reviewReasons.join('; ')).toBe(false);
  });

  it('flags two targets on one level in the same fraction group (a simultaneous boost) and keeps the higher dose', () => {
    const l = only('C17');
    expect(derived(l)).toMatchObject({ totalDoseGy: 30, fractionsPlanned: 5, fractionsDelivered: 5, dosePerFractionGy: 6 });
    expect(l.phases).toHaveLength(1);
    expect(l.reviewReasons.join('; ')).toMatch(/plan "T12 SIB" has 2 targets on these levels \(PTV_T12, GTV_T12\); the highest dose per fraction was used/);
  });

  it('adds a boost plan phase by phase: 20 Gy/5 + 8 Gy/1 is not 28 Gy/6', () => {
    const l = only('C4');
    const b = bed([[4, 5], [8, 1]]);
    expect(b).not.toBeCloseTo(bed([[28 / 6, 6]]), 1);
    expect(derived(l)).toEqual({
      levels: ['T10'],
      totalDoseGy: 28,
      fractionsPlanned: 6,
      fractionsDelivered: 6,
      dosePerFractionGy: null,
      bedGy: round2(b),
      eqd2Gy: eqd2(b),
      // SBRT follows the phase with the highest dose per fraction (8 Gy × 1).
      sbrt: true,
      rtStartDate: '2019-05-06',
      rtEndDate: '2019-05-11',
    });
    expect(l.phases).toHaveLength(2);
    expect(l.needsReview, l.reviewReasons.join('; ')).toBe(false);
  });

  it('gives two lesions for two targets of one plan, each with the shared records', () => {
    const list = lesionsOf('C5');
    expect(list.map((l) => l.levels)).toEqual(expect.arrayContaining([['T4'], ['L3']]));
    for (const l of list) {
      expect(derived(l)).toMatchObject({ totalDoseGy: 30, fractionsPlanned: 10, fractionsDelivered: 10, dosePerFractionGy: 3, rtStartDate: '2019-06-03' });
      expect(l.phases).toHaveLength(1);
      expect(l.needsReview, l.reviewReasons.join('; ')).toBe(false);
    }
  });

  it('counts a never-delivered draft as nothing and leaves out an unapproved alternative', () => {
    const l = only('C6');
    expect(derived(l)).toMatchObject({ totalDoseGy: 30, fractionsPlanned: 10, fractionsDelivered: 10, dosePerFractionGy: 3, rtStartDate: '2019-07-01' });
    expect(l.planLabel).toBe('L4');
    expect(l.phases.map((p) => [p.planLabel, p.fractionsDelivered, p.fractionsCounted, p.superseded])).toEqual([
      ['L4 draft', 0, 0, true],
      ['L4', 10, 10, false],
    ]);
    expect(l.needsReview, l.reviewReasons.join('; ')).toBe(false);
  });

  it('keeps a planned boost not yet given in the course, as an incomplete course', () => {
    const l = only('C14');
    expect(derived(l)).toMatchObject({ totalDoseGy: 38, fractionsPlanned: 12, fractionsDelivered: 10, dosePerFractionGy: null });
    expect(l.phases.map((p) => [p.fractionsDelivered, p.fractionsCounted, p.superseded])).toEqual([
      [10, 10, false],
      [0, 2, false],
    ]);
    expect(l.reviewReasons).toEqual(['incomplete course: 10 of 12 planned fractions delivered']);
  });

  it('flags a course whose records continue a count from a plan that is not in the folder', () => {
    const list = lesionsOf('C15');
    const course = list.find((l) => l.planLabel === 'T3 replan') as DicomLesionProposal;
    expect(derived(course)).toMatchObject({ totalDoseGy: 12.5, fractionsPlanned: 5, fractionsDelivered: 5, rtStartDate: '2019-08-12' });
    expect(course.reviewReasons).toEqual([
      'the records of plan "T3 replan" start at fraction 6: an earlier phase is not in the scanned files?',
      '5 treatment record(s) of this patient (2019-08-05 to 2019-08-09) reference a plan not in the scanned files: a phase of this course?',
    ]);
    const orphan = list.find((l) => l.planLabel === null) as DicomLesionProposal;
    expect(orphan).toMatchObject({ fractionsDelivered: 5, rtStartDate: '2019-08-05', needsReview: true });
    expect(orphan.reviewReasons[0]).toBe('treatment records reference a plan that is not in the scanned files');
  });

  it('flags a plan without any treatment record and an incomplete course', () => {
    const none = only('C7');
    expect(derived(none)).toMatchObject({ fractionsDelivered: null, rtStartDate: null, rtEndDate: null, totalDoseGy: 20, fractionsPlanned: 5 });
    expect(none.reviewReasons).toEqual(['no treatment record: delivered fractions and RT dates unknown', 'no RT start date (the time origin of every endpoint)']);
    const short = only('C8');
    expect(derived(short)).toMatchObject({ fractionsDelivered: 7, fractionsPlanned: 10, rtStartDate: '2019-08-05' });
    expect(short.reviewReasons).toEqual(['incomplete course: 7 of 10 planned fractions delivered']);
  });

  it('counts per-beam records once per fraction, an interrupted beam made up the next day included', () => {
    const made = only('C9');
    expect(derived(made)).toMatchObject({ fractionsDelivered: 5, fractionsPlanned: 5, totalDoseGy: 20, rtStartDate: '2019-09-02', rtEndDate: '2019-09-06' });
    expect(made.needsReview, made.reviewReasons.join('; ')).toBe(false);
    const notMade = only('C10');
    expect(derived(notMade)).toMatchObject({ fractionsDelivered: 4, fractionsPlanned: 5 });
    expect(notMade.reviewReasons).toEqual([
      'fraction 2 of plan "L1 20/5" was not completed: beam 2 MACHINE',
      'incomplete course: 4 of 5 planned fractions delivered',
    ]);
  });

  it('flags a delivered plan that is not approved, and a re-irradiation of the same level', () => {
    expect(only('C11').reviewReasons).toEqual(['plan "T2" was delivered but its approval status is UNAPPROVED (not APPROVED)']);
    const courses = lesionsOf('C12');
    expect(courses.map((l) => [l.rtStartDate, l.totalDoseGy, l.fractionsPlanned])).toEqual([
      ['2018-01-03', 20, 5],
      ['2019-01-03', 24, 3],
    ]);
    for (const l of courses) expect(l.reviewReasons.join('; ')).toMatch(/T5 also treated in another course .*re-irradiation\?/);
  });

  it('names the SOP class of a skipped file of the patient', () => {
    const l = only('C13');
    expect(derived(l)).toMatchObject({ fractionsDelivered: 5, fractionsPlanned: 5 });
    expect(l.reviewReasons).toHaveLength(1);
    expect(l.reviewReasons[0]).toMatch(/^a file of this patient was skipped \(RT Beams Treatment Record\): truncated/);
  });

  it('stores the phases with the course and sums BED over them in the dataset', async () => {
    const file = join(root, '..', `rt-courses-${process.pid}.rtcw`);
    createStudy(file).close();
    const study = await openStudy(file);
    try {
      await scanIntoIndex(study.db, root, randomBytes(32), { workers: 1 });
      const derivation = deriveFromStudy(study.db);
      const ids = new Set(derivation.lesions.filter((l) => ['C1', 'C4'].includes(l.sourcePatientId)).map((l) => l.proposalId));
      expect(commitProposals(study.db, derivation, { accepted: ids })).toMatchObject({ coursesAdded: 2 });
      const phases = study.db.prepare('SELECT dose_per_fraction_gy AS d, fractions_counted AS n, superseded FROM rt_course_phases ORDER BY rt_course_id, phase_number').all();
      expect(phases).toEqual([
        { d: 3, n: 5, superseded: 1 },
        { d: 2.5, n: 7, superseded: 0 },
        { d: 4, n: 5, superseded: 0 },
        { d: 8, n: 1, superseded: 0 },
      ]);
      const rows = buildDataset(study.db).rows;
      expect(rows.map((r) => [r.totalDoseGy, r.fractions, r.bedGy]).sort()).toEqual(
        [
          [32.5, 12, round2(bed([[3, 5], [2.5, 7]]))],
          [28, 6, round2(bed([[4, 5], [8, 1]]))],
        ].sort(),
      );
      // A study that holds the re-plan as a course of its own (imported before courses were
      // assembled) is told so at the assembled course.
      const replan = derivation.lesions.find((l) => l.sourcePatientId === 'C1') as DicomLesionProposal;
      study.db.prepare("UPDATE rt_courses SET plan_sop_instance_uid = ?, source_key = ? WHERE source_key = ?").run(plans.p2, `dicom:${plans.p2}#1`, `dicom:${replan.proposalId}`);
      const again = deriveFromStudy(study.db).lesions.find((l) => l.sourcePatientId === 'C1') as DicomLesionProposal;
      expect(again.inCohort).toBe(false);
      expect(again.reviewReasons).toEqual(['the cohort already holds 1 plan(s) of this course as separate course(s) (an earlier import): merge or delete them']);
      study.db.prepare("UPDATE rt_courses SET plan_sop_instance_uid = ?, source_key = ? WHERE source_key = ?").run(plans.p1, `dicom:${replan.proposalId}`, `dicom:${plans.p2}#1`);
      expect(deriveFromStudy(study.db).lesions.find((l) => l.sourcePatientId === 'C1')).toMatchObject({ inCohort: true, needsReview: false });
      // A course corrected by hand to other totals is what its totals say.
      study.db.prepare('UPDATE rt_courses SET total_dose_gy = 30, fractions_planned = 10').run();
      expect(buildDataset(study.db).rows.map((r) => r.bedGy)).toEqual([round2(bed([[3, 10]])), round2(bed([[3, 10]]))]);
    } finally {
      study.close();
      rmSync(file, { force: true });
    }
  });
});
