// The whole-study report (`rtcw report`, cli.md "Studies"): Table 1, univariate and multivariable
// Cox, patterns of first failure (Table 3 layout), toxicity by grade, Kaplan–Meier and cumulative
// incidence results and median follow-up — all computed from the analysis dataset (dataset.ts) with
// the statistics engine in shared/stats, written as report.json plus CSV tables.
//
// Choices (stated in the report itself so readers know what was done):
// - Table 1: patient rows use one row per patient (first treated lesion), lesion rows all lesions;
//   n (%) or median (range). Categorical p: Fisher's exact test when any expected count is < 5,
//   else Pearson χ²; continuous p: Wilcoxon rank-sum (2 groups) or Kruskal–Wallis (> 2).
// - Location is counted twice, as the study reported it: the lesion's region (majority rule) and
//   the regions involved (a lesion spanning two regions counts in both; percentages of lesions).
// - Cox: time = the endpoint, every candidate factor alone (univariate), then the factors with
//   p < threshold together (multivariable). Lesion unit: robust variance clustered by patient
//   (as coxph(cluster = patient)). When a fit shows monotone likelihood or events are few (< 10 per
//   variable), the Firth-penalised fit (coxphf defaults; no clustering) is given beside it.
// - Cumulative incidence of local progression treats death without local progression as a
//   competing event (status 1 local progression, 2 death, 0 censored).
import { csvField } from '../../../shared/domain/csvField';
import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { ApiError } from '../../../shared/api/contract';
import { coxModel, coxTerms, ModelFitError } from '../../../shared/stats/coxModel';
import {
  REPORT_GROUP_COLUMNS,
  type CoxFactorResult,
  type ReportEndpoint,
  type ReportGroup,
  type ReportGroupColumn,
  type ReportOptions,
  type StudyReport,
  type SurvivalResult,
  type Table1Row,
} from '../../../shared/domain/studyReport';
import { cumulativeIncidence, cumulativeIncidenceAt, grayTest } from '../../../shared/stats/cumulativeIncidence';
import { firthCox } from '../../../shared/stats/firthCox';
import { followUp } from '../../../shared/stats/followUp';
import { kaplanMeierByGroup, kaplanMeier, survivalAt, survivalQuantile, survivalTable, type KaplanMeierCurve } from '../../../shared/stats/kaplanMeier';
import { survivalDifference } from '../../../shared/stats/survivalDifference';
import { fisherExact, kruskalWallis, pearsonChiSquare, wilcoxonRankSum } from '../../../shared/stats/tableTests';
import { listRecords } from '../db/cohortRecords';
import { buildDataset, datasetFingerprint, datasetToCsv, type AnalysisDataset, type AnalysisRow } from './dataset';

export { REPORT_GROUP_COLUMNS, type ReportEndpoint, type ReportGroupColumn, type ReportOptions, type StudyReport } from '../../../shared/domain/studyReport';


const ENDPOINT_COLUMNS: Record<ReportEndpoint, { time: 'localTime' | 'osTime' | 'systemicTime'; event: 'localEvent' | 'osEvent' | 'systemicEvent'; label: string }> = {
  local: { time: 'localTime', event: 'localEvent', label: 'local progression-free' },
  os: { time: 'osTime', event: 'osEvent', label: 'overall survival' },
  systemic: { time: 'systemicTime', event: 'systemicEvent', label: 'systemic progression-free' },
};

// ---------------- formatting ----------------

const pct = (k: number, n: number) => (n === 0 ? '–' : ((100 * k) / n).toFixed(1));
const nPct = (k: number, n: number) => `${k} (${pct(k, n)})`;
const fmt = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(1));

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function medianRange(values: number[]): string {
  if (values.length === 0) return '–';
  return `${fmt(median(values) as number)} (${fmt(Math.min(...values))}–${fmt(Math.max(...values))})`;
}

// ---------------- grouping ----------------

function groupLabel(column: ReportGroupColumn, value: string): string {
  if (column === 'concurrent') return value === '1' ? 'Concurrent' : 'Nonconcurrent/none';
  if (['cordCompression', 'painResponse', 'priorIrradiation'].includes(column)) return value === '1' ? 'yes' : 'no';
  if (column === 'sbrt') return value === '1' ? 'SBRT' : 'non-SBRT';
  return value;
}

function groupValues(rows: AnalysisRow[], column: ReportGroupColumn): string[] {
  const values = [...new Set(rows.map((r) => r[column]).filter((v) => v !== null).map(String))];
  const numeric = values.every((v) => v !== '' && Number.isFinite(Number(v)));
  return values.sort((a, b) => (numeric ? Number(a) - Number(b) : a < b ? -1 : a > b ? 1 : 0));
}

// ---------------- Table 1 ----------------

function categoricalTest(table: number[][]): { p: number | null; test: string | null } {
  const nonEmptyRows = table.filter((r) => r.some((x) => x > 0));
  const nonEmptyCols = table[0]?.map((_, j) => table.some((r) => r[j] > 0)).filter(Boolean).length ?? 0;
  if (nonEmptyRows.length < 2 || nonEmptyCols < 2) return { p: null, test: null };
  const total = table.flat().reduce((a, b) => a + b, 0);
  const rowSums = table.map((r) => r.reduce((a, b) => a + b, 0));
  const colSums = table[0].map((_, j) => table.reduce((a, r) => a + r[j], 0));
  const small = rowSums.some((rs) => rs > 0 && colSums.some((cs) => cs > 0 && (rs * cs) / total < 5));
  return small ? { p: fisherExact(table).p, test: 'Fisher exact' } : { p: pearsonChiSquare(table).p, test: 'Pearson chi-square' };
}

function continuousTest(values: number[], groups: number[], k: number): { p: number | null; test: string | null } {
  if (k < 2 || new Set(groups).size < 2) return { p: null, test: null };
  if (k === 2) return { p: wilcoxonRankSum(Float64Array.from(values), Int32Array.from(groups)).p, test: 'Wilcoxon rank-sum' };
  return { p: kruskalWallis(Float64Array.from(values), Int32Array.from(groups), k).p, test: 'Kruskal–Wallis' };
}

interface Variable {
  section: 'patient' | 'lesion';
  label: string;
  kind: 'categorical' | 'continuous';
  levels?: Array<[string, (r: AnalysisRow, i: number) => boolean]>;
  value?: (r: AnalysisRow) => number | null;
  note?: string;
  /** No test (e.g. multiple-response counts). */
  noTest?: boolean;
}

function table1(patientRows: AnalysisRow[], lesion: AnalysisDataset, column: ReportGroupColumn, values: string[]): Table1Row[] {
  const regionsOf = (i: number) => lesion.details[i].regions;
  const vars: Variable[] = [
    { section: 'patient', label: 'Age at RT (years)', kind: 'continuous', value: (r) => r.ageAtRT },
    { section: 'patient', label: 'Sex', kind: 'categorical', levels: [['male', (r) => r.sex === 'M'], ['female', (r) => r.sex === 'F']] },
    { section: 'patient', label: 'ECOG PS', kind: 'categorical', levels: [['0–1', (r) => r.ecog !== null && r.ecog <= 1], ['2–4', (r) => r.ecog !== null && r.ecog >= 2]] },
    { section: 'patient', label: 'Targeted therapy', kind: 'categorical', levels: (['before', 'concurrent', 'after', 'none'] as const).map((t) => [t, (r: AnalysisRow) => r.targetedTiming === t]) },
    { section: 'lesion', label: 'Location (region holding most levels)', kind: 'categorical', levels: (['cervical', 'thoracic', 'lumbar', 'sacral'] as const).map((loc) => [loc, (r: AnalysisRow) => r.location === loc]) },
    { section: 'lesion', label: 'Regions involved', kind: 'categorical', noTest: true, note: 'a lesion spanning two regions counts in both; % of lesions', levels: (['cervical', 'thoracic', 'lumbar', 'sacral'] as const).map((loc) => [loc, (_r: AnalysisRow, i: number) => regionsOf(i).includes(loc)]) },
    { section: 'lesion', label: 'Cord compression', kind: 'categorical', levels: [['no', (r) => r.cordCompression === 0], ['yes', (r) => r.cordCompression === 1]] },
    { section: 'lesion', label: 'SINS', kind: 'categorical', levels: (['0-6', '7-12', '13-18'] as const).map((g) => [g.replace('-', '–'), (r: AnalysisRow) => r.sinsGroup === g]) },
    { section: 'lesion', label: 'Prior irradiation', kind: 'categorical', levels: [['no', (r) => r.priorIrradiation === 0], ['yes', (r) => r.priorIrradiation === 1]] },
    { section: 'lesion', label: 'Dose scheme', kind: 'categorical', levels: [['non-SBRT', (r) => r.sbrt === 0], ['SBRT', (r) => r.sbrt === 1]] },
    { section: 'lesion', label: 'BED (Gy, α/β ' + fmt(lesion.settings.alphaBetaGy) + ')', kind: 'continuous', value: (r) => r.bedGy },
    { section: 'lesion', label: 'BED group', kind: 'categorical', levels: [['< 51.4 Gy', (r) => r.bedGy !== null && r.bedGy < 51.4], ['≥ 51.4 Gy', (r) => r.bedGy !== null && r.bedGy >= 51.4]] },
    { section: 'lesion', label: 'Pain response', kind: 'categorical', levels: [['no', (r) => r.painResponse === 0], ['yes', (r) => r.painResponse === 1]] },
  ];
  const out: Table1Row[] = [];
  for (const v of vars) {
    const rows = v.section === 'patient' ? patientRows : lesion.rows;
    const codes = rows.map((r) => values.indexOf(String(r[column])));
    const inGroup = values.map((_, g) => rows.map((_r, i) => i).filter((i) => codes[i] === g));
    const all = rows.map((_r, i) => i);
    if (v.kind === 'continuous' && v.value) {
      const val = v.value;
      const used = all.filter((i) => val(rows[i]) !== null && codes[i] >= 0);
      const test = continuousTest(used.map((i) => val(rows[i]) as number), used.map((i) => codes[i]), values.length);
      out.push({
        section: v.section,
        characteristic: v.label,
        level: null,
        total: medianRange(all.map((i) => val(rows[i])).filter((x): x is number => x !== null)),
        groups: inGroup.map((idx) => medianRange(idx.map((i) => val(rows[i])).filter((x): x is number => x !== null))),
        p: test.p,
        test: test.test,
      });
      continue;
    }
    const levels = v.levels ?? [];
    const counts = levels.map(([, pred]) => values.map((_, g) => inGroup[g].filter((i) => pred(rows[i], i)).length));
    const test = v.noTest ? { p: null, test: null } : categoricalTest(counts);
    levels.forEach(([label, pred], li) => {
      const totalCount = all.filter((i) => pred(rows[i], i)).length;
      const row: Table1Row = {
        section: v.section,
        characteristic: v.label,
        level: label,
        total: nPct(totalCount, rows.length),
        groups: values.map((_, g) => nPct(counts[li][g], inGroup[g].length)),
        p: li === 0 ? test.p : null,
        test: li === 0 ? test.test : null,
      };
      if (v.note && li === 0) row.note = v.note;
      out.push(row);
    });
  }
  return out;
}

// ---------------- Cox ----------------

interface CandidateFactor {
  factor: string;
  label: string;
  value: (r: AnalysisRow) => number | null;
}

/** Candidate factors as in the reference study's Table 2 (binary codings; HR for the named level). */
export const CANDIDATE_FACTORS: CandidateFactor[] = [
  { factor: 'ecog2to4', label: 'ECOG PS 2–4 (vs 0–1)', value: (r) => (r.ecog === null ? null : r.ecog >= 2 ? 1 : 0) },
  { factor: 'concurrent', label: 'Concurrent targeted therapy (vs nonconcurrent/none)', value: (r) => r.concurrent },
  { factor: 'sins7to18', label: 'SINS 7–18 (vs 0–6)', value: (r) => (r.sins === null ? null : r.sins >= 7 ? 1 : 0) },
  { factor: 'cordCompression', label: 'Cord compression (yes vs no)', value: (r) => r.cordCompression },
  { factor: 'priorIrradiation', label: 'Prior irradiation (yes vs no)', value: (r) => r.priorIrradiation },
  { factor: 'sbrt', label: 'Dose scheme SBRT (vs non-SBRT)', value: (r) => r.sbrt },
  { factor: 'bed514', label: 'BED ≥ 51.4 Gy (vs < 51.4)', value: (r) => (r.bedGy === null ? null : r.bedGy >= 51.4 ? 1 : 0) },
  { factor: 'painResponse', label: 'Pain response (yes vs no)', value: (r) => r.painResponse },
];

function fitCox(
  rows: AnalysisRow[],
  factors: CandidateFactor[],
  endpoint: ReportEndpoint,
  clustered: boolean,
  firthMode: 'auto' | 'always' | 'never',
): CoxFactorResult {
  const { time, event } = ENDPOINT_COLUMNS[endpoint];
  const used = rows.filter((r) => r[time] !== null && r[event] !== null && factors.every((f) => f.value(r) !== null));
  const factorName = factors.map((f) => f.factor).join(' + ');
  const result: CoxFactorResult = { factor: factorName, label: factors.map((f) => f.label).join(' + '), n: used.length, events: 0, terms: [], warnings: [] };
  const t = Float64Array.from(used.map((r) => r[time] as number));
  const s = Uint8Array.from(used.map((r) => r[event] as number));
  const x = factors.map((f) => Float64Array.from(used.map((r) => f.value(r) as number)));
  const names = factors.map((f) => f.factor);
  result.events = s.reduce((a, b) => a + b, 0);
  const patientCode = new Map<string, number>();
  for (const r of used) if (!patientCode.has(r.patient)) patientCode.set(r.patient, patientCode.size);
  const cluster = clustered ? Int32Array.from(used.map((r) => patientCode.get(r.patient) as number)) : undefined;
  let monotone = false;
  try {
    const fit = coxModel({ time: t, status: s, x, names, cluster, ties: 'efron' });
    result.terms = coxTerms(fit);
    monotone = fit.monotoneLikelihood;
    if (monotone) result.warnings.push('monotone likelihood: a coefficient diverges (e.g. a level without events); see the Firth estimate');
    if (fit.eventsPerVariable < 10) result.warnings.push(`${fit.events} events for ${fit.p} variable(s): fewer than 10 events per variable`);
  } catch (error) {
    if (!(error instanceof ModelFitError)) throw error;
    result.warnings.push(error.message);
    return result;
  }
  const wantFirth = firthMode === 'always' || (firthMode === 'auto' && (monotone || result.events < 10 * factors.length));
  if (wantFirth) {
    try {
      const f = firthCox({ time: t, status: s, x, names });
      result.firth = f.names.map((term, j) => ({ term, hr: Math.exp(f.coef[j]), lower: f.lower[j], upper: f.upper[j], p: f.p[j] }));
      if (!f.converged) result.warnings.push('Firth fit did not converge');
    } catch (error) {
      if (!(error instanceof ModelFitError)) throw error;
      result.warnings.push(`Firth: ${error.message}`);
    }
  }
  return result;
}

// ---------------- survival ----------------

/** NaN/±Infinity (e.g. a log CI at S = 0) → null, so results stay JSON-able. */
const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);

function curveSummary(curve: KaplanMeierCurve, landmarks: number[]) {
  const median = survivalQuantile(curve, 0.5);
  return {
    n: curve.n,
    events: curve.events,
    median,
    landmarks: curve.n ? survivalAt(curve, landmarks).map(({ time, nRisk, surv, lower, upper }) => ({ time, nRisk, surv, lower: finite(lower), upper: finite(upper) })) : [],
    table: survivalTable(curve).map(({ time, nRisk, nEvent, nCensor, surv, lower, upper }) => ({ time, nRisk, nEvent, nCensor, surv, lower: finite(lower), upper: finite(upper) })),
  };
}

function survivalFor(rows: AnalysisRow[], endpoint: ReportEndpoint, column: ReportGroupColumn, values: string[], landmarks: number[]): SurvivalResult {
  const { time, event, label } = ENDPOINT_COLUMNS[endpoint];
  const used = rows.filter((r) => r[time] !== null && r[event] !== null && values.includes(String(r[column])));
  const t = Float64Array.from(used.map((r) => r[time] as number));
  const e = Uint8Array.from(used.map((r) => r[event] as number));
  const g = Int32Array.from(used.map((r) => values.indexOf(String(r[column]))));
  const overall = kaplanMeier(t, e, { confType: 'log' });
  const curves = kaplanMeierByGroup(t, e, g, values.length, { confType: 'log' });
  const lr = values.length > 1 && used.length > 0 ? survivalDifference(t, e, g, values.length) : null;
  return {
    endpoint,
    label,
    groups: [
      { group: null, label: 'all', ...curveSummary(overall, landmarks) },
      ...curves.map((c, k) => ({ group: values[k], label: groupLabel(column, values[k]), ...curveSummary(c, landmarks) })),
    ],
    logRank: lr ? { chisq: lr.chisq, df: lr.df, p: lr.p } : null,
  };
}

// ---------------- the report ----------------

export function buildReport(db: Database.Database, options: ReportOptions = {}): StudyReport {
  const endpoint = options.endpoint ?? 'local';
  const column = options.group ?? 'concurrent';
  const unit = options.unit ?? 'lesion';
  const pThreshold = options.pThreshold ?? 0.05;
  const landmarks = options.landmarks ?? [12, 24];
  const firthMode = options.firth ?? 'auto';
  if (!REPORT_GROUP_COLUMNS.includes(column)) throw new Error(`group must be one of ${REPORT_GROUP_COLUMNS.join(', ')}`);

  const lesionData = buildDataset(db, { unit: 'lesion' });
  const patientData = buildDataset(db, { unit: 'patient' });
  const analysis = unit === 'lesion' ? lesionData : patientData;
  const settings = lesionData.settings;
  const values = groupValues(lesionData.rows, column);
  const warnings = [...lesionData.warnings];

  const groups: ReportGroup[] = values.map((v) => ({
    value: v,
    label: groupLabel(column, v),
    patients: patientData.rows.filter((r) => String(r[column]) === v).length,
    lesions: lesionData.rows.filter((r) => String(r[column]) === v).length,
  }));

  // Cox: univariate for every candidate, multivariable for those below the threshold.
  const clustered = unit === 'lesion';
  const univariate = CANDIDATE_FACTORS.map((f) => fitCox(analysis.rows, [f], endpoint, clustered, firthMode));
  const selected = CANDIDATE_FACTORS.filter((f, i) => {
    const p = univariate[i].terms[0]?.p;
    return p !== null && p !== undefined && p < pThreshold;
  });
  const multivariable = selected.length > 0 ? { ...fitCox(analysis.rows, selected, endpoint, clustered, firthMode), factors: selected.map((f) => f.factor) } : null;

  // Patterns of first failure (lesion rows; Table 3).
  const patterns: Array<[string, string]> = [['local', 'Local progression only'], ['systemic', 'Systemic progression only'], ['both', 'Both local and systemic'], ['none', 'No progression']];
  const inGroup = values.map((v) => lesionData.rows.filter((r) => String(r[column]) === v));
  const firstFailureRows = patterns.map(([key, label]) => {
    const counts = inGroup.map((rows) => rows.filter((r) => r.firstFailure === key).length);
    const total = lesionData.rows.filter((r) => r.firstFailure === key).length;
    return { pattern: label, total: nPct(total, lesionData.rows.length), groups: counts.map((c, g) => nPct(c, inGroup[g].length)), counts };
  });

  // Toxicity by CTCAE term and worst grade per patient.
  const tox = listRecords(db, 'toxicity');
  const nPatients = patientData.rows.length;
  const worst = new Map<string, Map<number, number>>();
  for (const t of tox) {
    const term = t.term as string;
    const byPatient = worst.get(term) ?? new Map<number, number>();
    byPatient.set(t.patientId as number, Math.max(byPatient.get(t.patientId as number) ?? 0, t.grade as number));
    worst.set(term, byPatient);
  }
  const toxicityRows = [...worst.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([term, byPatient]) => {
      const grades = [1, 2, 3, 4, 5].map((g) => [...byPatient.values()].filter((x) => x === g).length);
      return { term, grades, patients: byPatient.size, percent: nPatients ? (100 * byPatient.size) / nPatients : 0 };
    });
  const grade2Patients = new Set(tox.filter((t) => (t.grade as number) >= 2).map((t) => t.patientId)).size;

  // Survival (all endpoints, so the report has LPFR, OS and SPF together).
  const survival = (['local', 'os', 'systemic'] as const).map((ep) => survivalFor(analysis.rows, ep, column, values, landmarks));

  // Cumulative incidence of local progression, death competing.
  const cifRows = analysis.rows.filter((r) => r.localTime !== null && r.localEvent !== null && r.osEvent !== null);
  const cifTime = Float64Array.from(cifRows.map((r) => r.localTime as number));
  const cifStatus = Int32Array.from(cifRows.map((r) => (r.localEvent === 1 ? 1 : r.osEvent === 1 && Math.abs((r.osTime as number) - (r.localTime as number)) < 1e-9 ? 2 : 0)));
  const cifGroup = Int32Array.from(cifRows.map((r) => values.indexOf(String(r[column]))));
  const cifGroups = values.map((v, k) => {
    const idx = cifRows.map((_, i) => i).filter((i) => cifGroup[i] === k);
    const curve = cumulativeIncidence(Float64Array.from(idx.map((i) => cifTime[i])), Int32Array.from(idx.map((i) => cifStatus[i])), 1);
    const byTime = new Map<number, { time: number; nEvent: number; nCompeting: number; nCensor: number }>();
    for (const i of idx) {
      const row = byTime.get(cifTime[i]) ?? { time: cifTime[i], nEvent: 0, nCompeting: 0, nCensor: 0 };
      if (cifStatus[i] === 1) row.nEvent++;
      else if (cifStatus[i] === 2) row.nCompeting++;
      else row.nCensor++;
      byTime.set(cifTime[i], row);
    }
    return {
      group: v,
      label: groupLabel(column, v),
      at: cumulativeIncidenceAt(curve, landmarks),
      curve: { time: Array.from(curve.time), estimate: Array.from(curve.estimate), variance: Array.from(curve.variance), maxTime: Number.isFinite(curve.maxTime) ? curve.maxTime : null },
      table: [...byTime.values()].sort((a, b) => a.time - b.time),
    };
  });
  let gray: StudyReport['cumulativeIncidence']['gray'] = null;
  if (values.length > 1 && cifRows.length > 0 && cifStatus.some((s) => s === 1)) {
    const g = grayTest(cifTime, cifStatus, 1, cifGroup, values.length);
    gray = { stat: g.stat, df: g.df, p: g.p };
  }

  const fuRows = analysis.rows.filter((r) => r.osTime !== null && r.osEvent !== null);
  const fu = followUp(Float64Array.from(fuRows.map((r) => r.osTime as number)), Uint8Array.from(fuRows.map((r) => r.osEvent as number)));

  const methods = [
    `Unit of analysis: ${unit}${unit === 'lesion' ? ' (Cox variance clustered by patient, robust sandwich as coxph(cluster = patient))' : ''}.`,
    'Times in months from RT start (days / 30.4375).',
    `Endpoint for Cox models: ${ENDPOINT_COLUMNS[endpoint].label}; univariate factors with p < ${pThreshold} enter the multivariable model.`,
    'Cox: Efron ties, Wald 95% CIs; Firth-penalised Cox (coxphf defaults, profile-likelihood CIs) shown when the likelihood is monotone or there are fewer than 10 events per variable.',
    'Table 1: n (%) or median (range); Fisher exact test when any expected count < 5, else Pearson chi-square; Wilcoxon rank-sum (2 groups) or Kruskal–Wallis.',
    `BED with α/β = ${settings.alphaBetaGy} Gy; concurrent = targeted therapy overlapping the RT course ± ${settings.concurrencyWindowDays} days.`,
    `First failure: local and systemic progression within ${settings.firstFailureWindowDays} days count as both.`,
    'Kaplan–Meier with log-transformed CIs (Greenwood); log-rank test; cumulative incidence of local progression with death as competing event (Aalen–Johansen), Gray test.',
    'Median follow-up: reverse Kaplan–Meier on overall survival; observed: median (range) of RT start to death or last follow-up.',
  ];

  return {
    kind: 'rtcw-study-report',
    version: 1,
    title: settings.title,
    synthetic: settings.synthetic,
    unit,
    endpoint,
    groupColumn: column,
    datasetFingerprint: datasetFingerprint(lesionData),
    methods,
    groups,
    counts: { patients: patientData.rows.length, lesions: lesionData.rows.length },
    table1: table1(patientData.rows, lesionData, column, values),
    cox: { endpoint, clustered, pThreshold, univariate, multivariable },
    firstFailure: { windowDays: settings.firstFailureWindowDays, rows: firstFailureRows },
    toxicity: { patients: nPatients, rows: toxicityRows, anyGrade2OrMore: grade2Patients },
    survival,
    cumulativeIncidence: { cause: 'local progression', competing: 'death', groups: cifGroups, gray },
    followUp: { reverseKm: fu.reverseKm, observed: fu.observed },
    warnings,
  };
}

// ---------------- writing ----------------

/** The report tables as CSV; every field through the one CSV writer (shared/domain/csvField.ts). */
function csv(rows: unknown[][]): string {
  return rows.map((r) => r.map((v) => csvField(v)).join(',')).join('\n') + '\n';
}

const hrText = (hr: number | null, lo: number | null, hi: number | null) =>
  hr === null ? 'not estimable' : `${hr.toFixed(2)} (${lo === null ? '–' : lo.toFixed(2)}–${hi === null ? '–' : hi.toFixed(2)})`;

function coxCsv(results: CoxFactorResult[]): string {
  const rows: unknown[][] = [['factor', 'term', 'n', 'events', 'HR (95% CI)', 'hr', 'lower', 'upper', 'p', 'firth HR (95% CI)', 'firth p', 'warnings']];
  for (const r of results) {
    for (const t of r.terms) {
      const f = r.firth?.find((x) => x.term === t.term);
      rows.push([r.label, t.term, r.n, r.events, hrText(t.hr, t.lower, t.upper), t.hr, t.lower, t.upper, t.p, f ? hrText(f.hr, f.lower, f.upper) : '', f?.p ?? '', r.warnings.join('; ')]);
    }
    if (r.terms.length === 0) rows.push([r.label, '', r.n, r.events, 'not estimable', '', '', '', '', '', '', r.warnings.join('; ')]);
  }
  return csv(rows);
}

/** A hook for further outputs (DOCX tables, SVG/PDF figures — electron/services/export). Returns files written. */
export type ReportExporter = (report: StudyReport, outDir: string) => Promise<string[]> | string[];

/**
 * Writes report.json, the CSV tables and the lesion-level dataset into `outDir` (created if
 * needed), then runs each exporter. Returns the file names written.
 */
export async function writeReport(report: StudyReport, outDir: string, options: { dataset?: AnalysisDataset; exporters?: ReportExporter[] } = {}): Promise<string[]> {
  try {
    return await writeReportFiles(report, outDir, options);
  } catch (error) {
    // A folder that cannot be written (not a directory, no permission, disk full) is the user's to fix.
    const { code, syscall } = (error ?? {}) as { code?: unknown; syscall?: unknown };
    if (typeof code === 'string' && typeof syscall === 'string') {
      throw new ApiError('IO_ERROR', `cannot write the report into ${outDir}: ${(error as Error).message}`, { cause: error });
    }
    throw error;
  }
}

async function writeReportFiles(report: StudyReport, outDir: string, options: { dataset?: AnalysisDataset; exporters?: ReportExporter[] }): Promise<string[]> {
  fs.mkdirSync(outDir, { recursive: true });
  const files: Array<[string, string]> = [['report.json', JSON.stringify(report, null, 2) + '\n']];
  const groupLabels = report.groups.map((g) => `${g.label} (${g.patients} pts / ${g.lesions} lesions)`);
  files.push([
    'table1.csv',
    csv([
      ['section', 'characteristic', 'level', `total (${report.counts.patients} pts / ${report.counts.lesions} lesions)`, ...groupLabels, 'p', 'test', 'note'],
      ...report.table1.map((r) => [r.section, r.characteristic, r.level, r.total, ...r.groups, r.p, r.test, r.note ?? '']),
    ]),
  ]);
  files.push(['cox-univariate.csv', coxCsv(report.cox.univariate)]);
  files.push(['cox-multivariable.csv', coxCsv(report.cox.multivariable ? [report.cox.multivariable] : [])]);
  files.push([
    'first-failure.csv',
    csv([['pattern', 'total', ...report.groups.map((g) => `${g.label} (${g.lesions})`)], ...report.firstFailure.rows.map((r) => [r.pattern, r.total, ...r.groups])]),
  ]);
  files.push([
    'toxicity.csv',
    csv([['CTCAE term', 'grade 1', 'grade 2', 'grade 3', 'grade 4', 'grade 5', 'patients', '% of patients'], ...report.toxicity.rows.map((r) => [r.term, ...r.grades, r.patients, r.percent.toFixed(1)])]),
  ]);
  const survRows: unknown[][] = [['endpoint', 'group', 'n', 'events', 'median', 'median lower', 'median upper', ...report.survival[0].groups[0].landmarks.flatMap((l) => [`S(${l.time})`, `S(${l.time}) lower`, `S(${l.time}) upper`]), 'log-rank p']];
  for (const s of report.survival) {
    for (const g of s.groups) {
      survRows.push([s.label, g.label, g.n, g.events, g.median.estimate, g.median.lower, g.median.upper, ...g.landmarks.flatMap((l) => [l.surv, l.lower, l.upper]), g.group === null ? (s.logRank?.p ?? '') : '']);
    }
  }
  files.push(['survival.csv', csv(survRows)]);
  if (options.dataset) files.push(['dataset.csv', datasetToCsv(options.dataset)]);
  // The table CSVs carry a UTF-8 BOM so spreadsheet programs read "65 (34–82)" as written (issue 7);
  // dataset.csv stays without one, as R's read.csv would take the BOM into the first column name.
  for (const [name, text] of files) fs.writeFileSync(path.join(outDir, name), name.endsWith('.csv') && name !== 'dataset.csv' ? `\uFEFF${text}` : text);
  const written = files.map(([name]) => name);
  for (const exporter of options.exporters ?? []) written.push(...(await exporter(report, outDir)));
  return written;
}
