// The analysis dataset: one row per treated lesion (or per patient: the patient's first treated
// lesion), every derived value computed by the shared/domain rules. This is the same table the
// app's analyses use and `rtcw dataset` prints (cli.md "Studies"), so a statistician loading the CSV
// in R or SPSS gets our numbers.
//
// Row rules (documented here, applied below):
// - A lesion's RT course is its FIRST course (earliest start date, then lowest id); re-irradiation
//   courses do not move the time origin. Dose/fractions/BED/EQD2 are that course's PLANNED values;
//   BED/EQD2 are summed over the course's phases (rt_course_phases, migration 5) when they still
//   add up to its totals, and SBRT then follows the phase with the highest dose per fraction.
// - `lesion` = pseudonym + "-" + the lesion's rank among the patient's lesions by first RT start.
// - ageAtRT: age at first RT + whole years elapsed to this lesion's RT start (floored); without
//   it, RT year − birth year.
// - sbrt: shared/domain/radiobiology classifySbrt with the study's rule.
// - targetedTiming: shared/domain/targetedTherapy with the study's concurrency window; concurrent = 1
//   when the timing is "concurrent".
// - Endpoints: shared/domain/endpoints (times in months = days / 30.4375) with the study's
//   first-failure window; death date = the patient's date of death, else the earliest death event.
// - Missing values are NA in the CSV.
import { csvField } from '../../../shared/domain/csvField';
import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import { daysBetween, daysToMonths } from '../../../shared/domain/calendarDates';
import { painResponse, sinsGroup } from '../../../shared/domain/clinicalScores';
import { lesionEndpoints, EndpointError } from '../../../shared/domain/endpoints';
import {
  classifySbrt,
  coursePhases,
  phasedBiologicallyEffectiveDose,
  phasedEquivalentDoseIn2GyFractions,
  roundDose,
  type DosePhase,
} from '../../../shared/domain/radiobiology';
import { SAFE_HARBOR_AGE_CAP } from '../../../shared/domain/safeHarbor';
import { therapyTimingForCourse } from '../../../shared/domain/targetedTherapy';
import { formatLevels, lesionLocation, levelsFromStorage, regionsInvolved, type SpineRegion } from '../../../shared/domain/vertebralLevels';
import { DATASET_COLUMNS, type AnalysisRow, type AnalysisUnit, type DatasetColumn } from '../../../shared/domain/analysisDataset';
import { getStudySettings, listRecords, type CohortRow, type StudySettings } from '../db/cohortRecords';

export { DATASET_COLUMNS, type AnalysisRow, type AnalysisUnit, type DatasetColumn } from '../../../shared/domain/analysisDataset';

/** Facts beside the CSV columns that Table 1 and the report need. */
export interface RowDetail {
  patientId: number;
  lesionId: number;
  rtStartDate: string | null;
  regions: SpineRegion[];
  imaging: { ct: boolean | null; mri: boolean | null; pet: boolean | null };
  agents: string[];
}

export interface AnalysisDataset {
  unit: AnalysisUnit;
  columns: readonly DatasetColumn[];
  rows: AnalysisRow[];
  details: RowDetail[];
  /** Rows with incomplete data (e.g. no RT course, no follow-up date): what is missing and why. */
  warnings: string[];
  settings: StudySettings;
}

const bool01 = (v: unknown): 0 | 1 | null => (v === null || v === undefined ? null : v ? 1 : 0);

function firstCourse(courses: CohortRow[]): CohortRow | null {
  if (courses.length === 0) return null;
  return [...courses].sort((a, b) => (a.startDate as string).localeCompare(b.startDate as string) || a.id - b.id)[0];
}

/** Phases of every course that has them (migration 4), in phase order. */
function coursePhaseRows(db: Database.Database): Map<number, DosePhase[]> {
  const rows = db
    .prepare(
      `SELECT rt_course_id AS courseId, dose_per_fraction_gy AS d, fractions_counted AS n FROM rt_course_phases
       WHERE fractions_counted > 0 ORDER BY rt_course_id, phase_number`,
    )
    .all() as Array<{ courseId: number; d: number; n: number }>;
  const byCourse = new Map<number, DosePhase[]>();
  for (const r of rows) byCourse.set(r.courseId, [...(byCourse.get(r.courseId) ?? []), { dosePerFractionGy: r.d, fractions: r.n }]);
  return byCourse;
}

export function buildDataset(db: Database.Database, options: { unit?: AnalysisUnit } = {}): AnalysisDataset {
  const unit = options.unit ?? 'lesion';
  const settings = getStudySettings(db);
  const patients = listRecords(db, 'patient');
  const lesions = listRecords(db, 'lesion');
  const courses = listRecords(db, 'rtCourse');
  const therapies = listRecords(db, 'systemicTherapy');
  const events = listRecords(db, 'event');

  const coursesByLesion = groupBy(courses, (c) => c.lesionId as number);
  const phasesByCourse = coursePhaseRows(db);
  const lesionsByPatient = groupBy(lesions, (l) => l.patientId as number);
  const therapiesByPatient = groupBy(therapies, (t) => t.patientId as number);
  const eventsByPatient = groupBy(events, (e) => e.patientId as number);

  const rows: AnalysisRow[] = [];
  const details: RowDetail[] = [];
  const warnings: string[] = [];

  for (const patient of patients) {
    const pseudonym = patient.pseudonym as string;
    const own = (lesionsByPatient.get(patient.id) ?? []).map((lesion) => ({ lesion, course: firstCourse(coursesByLesion.get(lesion.id) ?? []) }));
    // Rank lesions by first RT start (lesions without a course last), then id.
    own.sort((a, b) => {
      const sa = (a.course?.startDate as string | undefined) ?? '9999';
      const sb = (b.course?.startDate as string | undefined) ?? '9999';
      return sa.localeCompare(sb) || a.lesion.id - b.lesion.id;
    });
    const patientCourses = own.map((o) => o.course).filter((c): c is CohortRow => c !== null);
    const firstRtStart = patientCourses.length ? (patientCourses.map((c) => c.startDate as string).sort()[0]) : null;
    const ptEvents = eventsByPatient.get(patient.id) ?? [];
    const deathEvents = ptEvents.filter((e) => e.type === 'death').map((e) => e.date as string).sort();
    const deathDate = (patient.deathDate as string | null) ?? deathEvents[0] ?? null;
    const systemicDates = ptEvents.filter((e) => e.type === 'systemic_progression').map((e) => e.date as string);
    const ptTherapies = (therapiesByPatient.get(patient.id) ?? []).map((t) => ({ startDate: t.startDate as string, stopDate: t.stopDate as string | null }));
    const agents = [...new Set((therapiesByPatient.get(patient.id) ?? []).map((t) => t.agent as string))];

    if (own.length === 0) warnings.push(`patient ${pseudonym}: no lesion recorded (not in the dataset)`);
    own.forEach(({ lesion, course }, index) => {
      const levels = levelsFromStorage(lesion.levels as string);
      const name = `${pseudonym}-${index + 1}`;
      const row: AnalysisRow = {
        patient: pseudonym,
        lesion: name,
        sex: (patient.sex as string | null) ?? null,
        ageAtRT: null,
        ecog: (patient.ecog as number | null) ?? null,
        levels: formatLevels(levels),
        location: levels.length ? lesionLocation(levels) : null,
        cordCompression: bool01(lesion.cordCompression),
        sins: (lesion.sins as number | null) ?? null,
        sinsGroup: lesion.sins === null ? null : sinsGroup(lesion.sins as number),
        priorIrradiation: bool01(lesion.priorIrradiation),
        sbrt: null,
        totalDoseGy: null,
        fractions: null,
        bedGy: null,
        eqd2Gy: null,
        targetedTiming: 'none',
        concurrent: 0,
        painResponse: bool01(painResponse(lesion.painPre as number | null, lesion.painPost as number | null)),
        localTime: null,
        localEvent: null,
        osTime: null,
        osEvent: null,
        systemicTime: null,
        systemicEvent: null,
        firstFailure: null,
      };
      if (!course) {
        warnings.push(`lesion ${name} (${row.levels}): no RT course recorded; dose, timing and endpoints are NA`);
      } else {
        const start = course.startDate as string;
        const total = course.totalDoseGy as number;
        const fx = course.fractionsPlanned as number;
        row.totalDoseGy = total;
        row.fractions = fx;
        const phases = coursePhases(total, fx, phasesByCourse.get(course.id) ?? []);
        const highest = phases.reduce((a, b) => (b.dosePerFractionGy > a.dosePerFractionGy ? b : a));
        row.bedGy = roundDose(phasedBiologicallyEffectiveDose(phases, settings.alphaBetaGy));
        row.eqd2Gy = roundDose(phasedEquivalentDoseIn2GyFractions(phases, settings.alphaBetaGy));
        const sbrtDose = phases.length > 1 ? { totalDoseGy: highest.dosePerFractionGy * highest.fractions, fractions: highest.fractions } : { totalDoseGy: total, fractions: fx };
        row.sbrt = classifySbrt(
          { technique: course.technique as string | null, machine: course.machine as string | null, ...sbrtDose },
          { minDosePerFractionGy: settings.sbrtMinDosePerFractionGy, maxFractions: settings.sbrtMaxFractions },
        ).sbrt
          ? 1
          : 0;
        row.targetedTiming = therapyTimingForCourse({ startDate: start, endDate: course.endDate as string | null }, ptTherapies, settings.concurrencyWindowDays);
        row.concurrent = row.targetedTiming === 'concurrent' ? 1 : 0;
        if (patient.ageAtFirstRt !== null && firstRtStart) {
          row.ageAtRT = Math.floor((patient.ageAtFirstRt as number) + daysBetween(firstRtStart, start) / 365.25);
        } else if (patient.birthYear !== null) {
          row.ageAtRT = Number(start.slice(0, 4)) - (patient.birthYear as number);
        }
        if (settings.sharedCopy && row.ageAtRT !== null) row.ageAtRT = Math.min(row.ageAtRT, SAFE_HARBOR_AGE_CAP);
        try {
          const ep = lesionEndpoints(
            {
              rtStartDate: start,
              localProgressionDates: ptEvents.filter((e) => e.type === 'local_progression' && e.lesionId === lesion.id).map((e) => e.date as string),
              systemicProgressionDates: systemicDates,
              lastImagingDate: (lesion.lastImagingDate as string | null) ?? null,
              deathDate,
              lastFollowupDate: (patient.lastFollowupDate as string | null) ?? null,
            },
            settings.firstFailureWindowDays,
          );
          row.localTime = daysToMonths(ep.local.days);
          row.localEvent = ep.local.event;
          row.osTime = daysToMonths(ep.os.days);
          row.osEvent = ep.os.event;
          row.systemicTime = daysToMonths(ep.systemic.days);
          row.systemicEvent = ep.systemic.event;
          row.firstFailure = ep.firstFailure;
        } catch (error) {
          if (!(error instanceof EndpointError)) throw error;
          warnings.push(`lesion ${name}: ${error.message}; endpoints are NA`);
        }
      }
      if (unit === 'lesion' || index === 0) {
        rows.push(row);
        details.push({
          patientId: patient.id,
          lesionId: lesion.id,
          rtStartDate: (course?.startDate as string | undefined) ?? null,
          regions: levels.length ? regionsInvolved(levels) : [],
          imaging: { ct: lesion.imagingCt as boolean | null, mri: lesion.imagingMri as boolean | null, pet: lesion.imagingPet as boolean | null },
          agents,
        });
      }
    });
  }
  return { unit, columns: DATASET_COLUMNS, rows, details, warnings, settings };
}

function groupBy<T>(items: T[], key: (item: T) => number): Map<number, T[]> {
  const map = new Map<number, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = map.get(k);
    if (list) list.push(item);
    else map.set(k, [item]);
  }
  return map;
}

/**
 * RFC 4180 CSV (CRLF-free: "\n" line ends, as R writes), NA for missing values, full precision;
 * text that a spreadsheet would run as a formula is neutralised (shared/domain/csvField.ts).
 */
export function datasetToCsv(dataset: Pick<AnalysisDataset, 'columns' | 'rows'>): string {
  const lines = [dataset.columns.map((c) => csvField(c)).join(',')];
  for (const row of dataset.rows) lines.push(dataset.columns.map((c) => csvField(row[c], 'NA')).join(','));
  return `${lines.join('\n')}\n`;
}

/** sha256 of the CSV: recorded with every analysis/export so results can be traced to the data. */
export function datasetFingerprint(dataset: Pick<AnalysisDataset, 'columns' | 'rows'>): string {
  return createHash('sha256').update(datasetToCsv(dataset)).digest('hex');
}
