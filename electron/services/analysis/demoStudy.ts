// The built-in demo study: SYNTHETIC data, no real patient. It is shaped like the reference study
// (spinal metastases of renal cell carcinoma, RT with or without concurrent targeted therapy;
// shared/reference/reference-study-tables.md) and reproduces its published counts exactly:
// 24 patients / 28 lesions (3 patients with more than one lesion); 13 lesions in 11 patients
// treated concurrently; Table 1's counts per group (sex, ECOG 0–1/2–4, cord compression, SINS
// groups, prior irradiation, SBRT/non-SBRT with the published schedules, BED < / ≥ 51.4 Gy, pain
// response in 18 lesions / 16 patients, regions involved C 1 / T 9 / L 16 / S 10, pre-RT CT 28 /
// MRI 19 / PET 8); targeted therapy before 6 / concurrent 11 / after 5 / none 2 patients with the
// published agents; 10 local progressions; Table 3's first-failure counts per group; grade 1
// toxicity in 4 patients (nausea 2, fatigue 2). Its outcomes are close to the published ones
// (1-year LPFR 90% concurrent vs 51% not, log-rank p < 0.05; median follow-up ≈ 11 months,
// range 2–58). The published data are not fully consistent (e.g. a non-SBRT BED median of 51.4
// with 12 of 20 non-SBRT lesions below 51.4), so medians follow from the counts, not the text.
//
// Everything is a fixed table below plus date arithmetic: fully deterministic.
import type Database from 'better-sqlite3';
import { addDays } from '../../../shared/domain/calendarDates';
import { createProvenance, insertValidated, updateStudySettings, validateForWrite } from '../db/cohortRecords';
import { AGENT_CLASSES } from '../../../shared/domain/cohortModel';

export const DEMO_STUDY_TITLE = 'Demo study — SYNTHETIC data (spinal metastases of RCC, shaped like the reference study)';

type Timing = 'concurrent' | 'before' | 'after' | 'none';

interface DemoLesion {
  levels: string;
  sins: number;
  cord: boolean;
  prior: boolean;
  /** Pain response: NRS falls from pre to post. */
  pain: boolean;
  mri: boolean;
  pet: boolean;
  dose: [totalGy: number, fractions: number];
  sbrtMachine?: 'CyberKnife' | 'Hi-Art';
  /** Months from this lesion's RT start: death or last follow-up. */
  os: number;
  /** Months to local progression. */
  lp?: number;
  /** Months to systemic progression. */
  sp?: number;
}

interface DemoPatient {
  sex: 'M' | 'F';
  ecog: number;
  age: number;
  dead: boolean;
  timing: Timing;
  agent?: string;
  toxicity?: 'Nausea' | 'Fatigue';
  /** Months between the first lesion's RT start and each later lesion's (same death/FU date). */
  lesions: DemoLesion[];
}

// Group N ("nonconcurrent/none"): 13 patients, 15 lesions. Group C ("concurrent"): 11 / 13.
// Comments give the lesion's role in Table 3: L local only, B both, S systemic first, 0 none.
const PATIENTS: DemoPatient[] = [
  // ---- nonconcurrent / none ----
  { sex: 'M', ecog: 2, age: 71, dead: true, timing: 'before', agent: 'pazopanib', lesions: [
    { levels: 'T8', sins: 13, cord: true, prior: false, pain: false, mri: false, pet: false, dose: [30, 10], os: 3.0, lp: 1.1 } ] }, // L
  { sex: 'F', ecog: 2, age: 64, dead: true, timing: 'after', agent: 'sorafenib', toxicity: 'Nausea', lesions: [
    { levels: 'L2', sins: 9, cord: true, prior: false, pain: false, mri: true, pet: true, dose: [20, 5], os: 11.0, lp: 2.5, sp: 2.8 } ] }, // B
  { sex: 'M', ecog: 1, age: 58, dead: true, timing: 'before', agent: 'sorafenib', lesions: [
    { levels: 'L5-S1', sins: 10, cord: true, prior: false, pain: false, mri: true, pet: false, dose: [30, 10], os: 15.0, lp: 3.6, sp: 3.4 } ] }, // B
  { sex: 'M', ecog: 0, age: 66, dead: false, timing: 'after', agent: 'sunitinib', lesions: [
    { levels: 'L3', sins: 5, cord: true, prior: false, pain: true, mri: true, pet: true, dose: [24, 3], sbrtMachine: 'CyberKnife', os: 11.5, lp: 4.8, sp: 9.0 } ] }, // L
  { sex: 'M', ecog: 3, age: 73, dead: true, timing: 'before', agent: 'sorafenib', lesions: [
    { levels: 'L1-L2', sins: 8, cord: false, prior: false, pain: false, mri: false, pet: false, dose: [35, 10], os: 19.0, lp: 5.7, sp: 2.0 } ] }, // S
  { sex: 'F', ecog: 1, age: 55, dead: true, timing: 'after', agent: 'everolimus', lesions: [
    { levels: 'C7-T1', sins: 11, cord: false, prior: true, pain: true, mri: true, pet: false, dose: [25, 10], os: 27.0, lp: 5.9, sp: 3.0 } ] }, // S
  { sex: 'M', ecog: 1, age: 62, dead: false, timing: 'before', agent: 'sunitinib', toxicity: 'Fatigue', lesions: [
    { levels: 'L4', sins: 9, cord: false, prior: false, pain: true, mri: true, pet: false, dose: [36, 12], os: 10.0, lp: 9.0, sp: 4.0 } ] }, // S
  { sex: 'M', ecog: 0, age: 60, dead: true, timing: 'after', agent: 'temsirolimus', lesions: [
    { levels: 'S1', sins: 4, cord: false, prior: false, pain: true, mri: true, pet: true, dose: [18, 1], sbrtMachine: 'CyberKnife', os: 36.0, lp: 17.0, sp: 8.0 } ] }, // S
  // N01: two lesions 7 months apart (both alive at last follow-up)
  { sex: 'M', ecog: 1, age: 65, dead: false, timing: 'after', agent: 'pazopanib', lesions: [
    { levels: 'L4-S1', sins: 12, cord: false, prior: false, pain: true, mri: true, pet: false, dose: [40, 10], os: 40.0, lp: 25.2, sp: 12.0 }, // S
    { levels: 'T4', sins: 6, cord: false, prior: false, pain: true, mri: true, pet: false, dose: [40, 10], os: 33.0, sp: 10.0 } ] }, // S
  { sex: 'F', ecog: 2, age: 77, dead: true, timing: 'before', agent: 'sunitinib', lesions: [
    { levels: 'T10', sins: 6, cord: true, prior: false, pain: true, mri: false, pet: false, dose: [30, 10], os: 7.5, sp: 4.0 } ] }, // S
  { sex: 'M', ecog: 3, age: 80, dead: true, timing: 'none', lesions: [
    { levels: 'T11-L1', sins: 7, cord: false, prior: false, pain: true, mri: true, pet: false, dose: [36, 12], os: 8.2, sp: 5.0 } ] }, // S
  // N02: two lesions 47 months apart
  { sex: 'F', ecog: 0, age: 50, dead: false, timing: 'before', agent: 'pazopanib', lesions: [
    { levels: 'S2', sins: 3, cord: false, prior: false, pain: true, mri: true, pet: false, dose: [48, 4], sbrtMachine: 'Hi-Art', os: 58.0, sp: 20.0 }, // S
    { levels: 'L3-L4', sins: 8, cord: false, prior: false, pain: false, mri: false, pet: false, dose: [30, 10], os: 11.0, sp: 6.0 } ] }, // S
  { sex: 'F', ecog: 2, age: 68, dead: true, timing: 'none', lesions: [
    { levels: 'S1-S2', sins: 10, cord: false, prior: true, pain: true, mri: true, pet: true, dose: [18, 1], sbrtMachine: 'CyberKnife', os: 20.5, sp: 9.0 } ] }, // S
  // ---- concurrent ----
  { sex: 'M', ecog: 2, age: 82, dead: true, timing: 'concurrent', agent: 'pazopanib', lesions: [
    { levels: 'T11', sins: 5, cord: false, prior: false, pain: false, mri: false, pet: false, dose: [30, 10], os: 2.0 } ] }, // 0
  { sex: 'M', ecog: 3, age: 75, dead: true, timing: 'concurrent', agent: 'pazopanib', lesions: [
    { levels: 'L5-S2', sins: 9, cord: true, prior: false, pain: true, mri: true, pet: true, dose: [20, 5], os: 3.1, sp: 2.0 } ] }, // S
  { sex: 'F', ecog: 2, age: 69, dead: true, timing: 'concurrent', agent: 'pazopanib', lesions: [
    { levels: 'L2-L3', sins: 8, cord: false, prior: false, pain: false, mri: false, pet: false, dose: [30, 10], os: 4.4 } ] }, // 0
  { sex: 'M', ecog: 2, age: 67, dead: true, timing: 'concurrent', agent: 'pazopanib', lesions: [
    { levels: 'L5-S1', sins: 10, cord: false, prior: true, pain: false, mri: true, pet: false, dose: [36, 12], os: 8.5, sp: 5.0 } ] }, // S
  // C01: three lesions treated together
  { sex: 'M', ecog: 1, age: 63, dead: true, timing: 'concurrent', agent: 'pazopanib', lesions: [
    { levels: 'T6-T7', sins: 9, cord: false, prior: false, pain: true, mri: true, pet: false, dose: [30, 10], os: 9.5, sp: 6.0 }, // S
    { levels: 'L3', sins: 7, cord: false, prior: false, pain: true, mri: false, pet: false, dose: [30, 10], os: 9.5, sp: 6.0 }, // S
    { levels: 'S1', sins: 8, cord: false, prior: false, pain: false, mri: false, pet: false, dose: [20, 5], os: 9.5, sp: 6.0 } ] }, // S
  { sex: 'M', ecog: 1, age: 61, dead: true, timing: 'concurrent', agent: 'sorafenib', lesions: [
    { levels: 'L1', sins: 11, cord: true, prior: false, pain: false, mri: true, pet: false, dose: [40, 10], os: 14.0, lp: 8.0, sp: 4.0 } ] }, // S
  { sex: 'F', ecog: 0, age: 70, dead: true, timing: 'concurrent', agent: 'sorafenib', toxicity: 'Nausea', lesions: [
    { levels: 'T12-L1', sins: 12, cord: true, prior: false, pain: true, mri: true, pet: true, dose: [35, 10], os: 13.0, sp: 7.0 } ] }, // S
  { sex: 'M', ecog: 1, age: 34, dead: false, timing: 'concurrent', agent: 'sorafenib', lesions: [
    { levels: 'S3', sins: 2, cord: false, prior: false, pain: true, mri: false, pet: false, dose: [24, 3], sbrtMachine: 'Hi-Art', os: 11.2 } ] }, // 0
  { sex: 'M', ecog: 0, age: 52, dead: false, timing: 'concurrent', agent: 'sunitinib', toxicity: 'Fatigue', lesions: [
    { levels: 'T9', sins: 6, cord: false, prior: false, pain: true, mri: true, pet: true, dose: [24, 3], sbrtMachine: 'CyberKnife', os: 22.0, sp: 15.0 } ] }, // S
  { sex: 'F', ecog: 1, age: 65, dead: true, timing: 'concurrent', agent: 'sunitinib', lesions: [
    { levels: 'L5-S1', sins: 9, cord: false, prior: true, pain: true, mri: true, pet: true, dose: [40, 5], sbrtMachine: 'Hi-Art', os: 30.0, sp: 20.0 } ] }, // S
  { sex: 'M', ecog: 0, age: 45, dead: false, timing: 'concurrent', agent: 'everolimus', lesions: [
    { levels: 'L2', sins: 4, cord: false, prior: false, pain: true, mri: true, pet: false, dose: [18, 1], sbrtMachine: 'CyberKnife', os: 45.0 } ] }, // 0
];

// First RT start of each patient, in table order: spread over June 2009 – June 2015. N02 (58 months
// of follow-up, second lesion 47 months later) starts first.
const FIRST_RT_START = [
  '2012-09-10', '2013-02-04', '2011-05-16', '2014-03-03', '2010-11-08', '2010-02-22', '2014-08-11', '2011-10-03',
  '2009-09-14', '2013-07-22', '2014-11-17', '2009-07-06', '2012-04-23',
  '2015-01-12', '2014-05-19', '2013-10-07', '2012-12-03', '2011-08-29', '2013-04-15', '2014-09-29', '2012-02-13',
  '2010-06-21', '2010-03-29', '2011-03-14',
];

const toDays = (months: number) => Math.round(months * 30.4375);

/** Calendar days of a course: fractions on weekdays (5 a week). */
function courseEnd(start: string, fractions: number): string {
  return addDays(start, Math.floor(((fractions - 1) * 7) / 5));
}

/**
 * Writes the demo cohort into a freshly created (migrated, empty) study — e.g. as
 * createStudy(..., { initialize: populateDemoStudy }). Every row cites the "demo" provenance.
 */
export function populateDemoStudy(db: Database.Database, who = 'demo'): void {
  if (PATIENTS.length !== FIRST_RT_START.length) throw new Error('demo table: one start date per patient');
  db.transaction(() => {
    updateStudySettings(db, { title: DEMO_STUDY_TITLE, synthetic: true }, { who });
    const provenanceId = createProvenance(db, { kind: 'demo', label: 'built-in synthetic demo study' }, who);
    const put = (entity: Parameters<typeof validateForWrite>[1], input: Record<string, unknown>) =>
      insertValidated(db, entity, validateForWrite(db, entity, input), provenanceId, who);

    PATIENTS.forEach((p, i) => {
      const pseudonym = `SYN-${String(i + 1).padStart(3, '0')}`;
      const firstStart = FIRST_RT_START[i];
      const first = p.lesions[0];
      // Patient-level end of follow-up (death or last follow-up), the same for every lesion.
      const endDate = addDays(firstStart, toDays(first.os));
      const patient = put('patient', {
        pseudonym,
        sex: p.sex,
        ageAtFirstRt: p.age,
        histology: 'renal cell carcinoma',
        ecog: p.ecog,
        vitalStatus: p.dead ? 'dead' : 'alive',
        deathDate: p.dead ? endDate : null,
        lastFollowupDate: endDate,
        sourceKey: `demo:${pseudonym}`,
        sourceLocator: `demo patient ${i + 1}`,
      });
      const systemic = new Set<string>();
      let firstEnd = firstStart;
      let lastEnd = firstStart;
      p.lesions.forEach((l, j) => {
        const start = addDays(endDate, -toDays(l.os));
        const [total, fx] = l.dose;
        const end = courseEnd(start, fx);
        if (j === 0) firstEnd = end;
        if (end > lastEnd) lastEnd = end;
        const lesion = put('lesion', {
          patientId: patient.id,
          levels: l.levels,
          sins: l.sins,
          cordCompression: l.cord,
          epiduralDisease: l.cord,
          priorIrradiation: l.prior,
          imagingCt: true,
          imagingMri: l.mri,
          imagingPet: l.pet,
          painPre: l.pain ? 6 : 4,
          painPost: l.pain ? 2 : 4,
          sourceKey: `demo:${pseudonym}:${j + 1}`,
          sourceLocator: `demo patient ${i + 1} lesion ${j + 1}`,
        });
        put('rtCourse', {
          lesionId: lesion.id,
          startDate: start,
          endDate: end,
          totalDoseGy: total,
          fractionsPlanned: fx,
          fractionsDelivered: fx,
          technique: l.sbrtMachine ? 'SBRT' : '3D',
          machine: l.sbrtMachine ?? (i % 3 === 0 ? 'Clinac iX' : 'TrueBeam'),
          prescriptionIsodose: l.sbrtMachine ? 80 : 100,
          completed: true,
          sourceKey: `demo:${pseudonym}:${j + 1}:rt`,
        });
        if (l.lp !== undefined) {
          put('event', {
            patientId: patient.id,
            lesionId: lesion.id,
            type: 'local_progression',
            date: addDays(start, toDays(l.lp)),
            criterion: l.cord ? 'epidural_progression' : 'tumour_growth',
            sourceKey: `demo:${pseudonym}:${j + 1}:lp`,
          });
        }
        if (l.sp !== undefined) systemic.add(addDays(start, toDays(l.sp)));
      });
      [...systemic].sort().forEach((date, k) => {
        put('event', { patientId: patient.id, type: 'systemic_progression', date, sourceKey: `demo:${pseudonym}:sp${k + 1}` });
      });
      if (p.agent) {
        // Exposure intervals that give the patient's timing for every one of its courses.
        const interval =
          p.timing === 'concurrent'
            ? { startDate: addDays(firstStart, -21), stopDate: p.dead && addDays(lastEnd, 90) > endDate ? endDate : addDays(lastEnd, 90) }
            : p.timing === 'before'
              ? { startDate: addDays(firstStart, -320), stopDate: addDays(firstStart, -35) }
              : { startDate: addDays(lastEnd, 28), stopDate: addDays(lastEnd, 210) };
        put('systemicTherapy', {
          patientId: patient.id,
          agent: p.agent,
          drugClass: AGENT_CLASSES[p.agent],
          ...interval,
          sourceKey: `demo:${pseudonym}:drug`,
        });
      }
      if (p.toxicity) {
        put('toxicity', {
          patientId: patient.id,
          lesionId: null,
          term: p.toxicity,
          grade: 1,
          date: addDays(firstEnd, -1),
          attribution: 'probable',
          sourceKey: `demo:${pseudonym}:tox`,
        });
      }
    });
  })();
}
