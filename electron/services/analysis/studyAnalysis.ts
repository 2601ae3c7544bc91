// Runs one analysis specification (shared/api/analysis.ts) on a study's analysis dataset
// (dataset.ts): the survival curves and their test, landmark rates, number at risk, follow-up,
// Table 1, univariate and multivariable Cox, patterns of first failure and toxicity.
// All statistics come from shared/stats (checked against R); this file only selects rows, codes
// variables and lays results out.
//
// Rules (documented here, applied below):
// - Variables are coded from the dataset columns as declared in ANALYSIS_VARIABLES; ecogGroup = ECOG
//   0–1 vs 2–4; sinsStable = SINS group 0–6 vs the rest; bedHigh = BED ≥ 51.4 Gy. Sex O/U are missing
//   for the binary sex variable.
// - Rows with a missing endpoint or grouping value are dropped (counted in `excluded`); Cox models
//   drop rows missing any of their covariates (na.omit), each model on its own complete cases.
// - Cumulative incidence of local progression with death as competing event: status 1 at the local
//   progression time; otherwise 2 at the time of death when the patient died; otherwise censored
//   (0) at the local censoring time.
// - CIF confidence limits use the log(−log) transform F^exp(±z·√V / (F·log F)) (as tidycmprsk/
//   survminer do on cmprsk's variance); KM limits are survfit's (spec.confType).
// - Lesion unit: Cox models use the robust sandwich variance clustered on the patient when
//   spec.cluster (as coxph(…, cluster = patient)); Firth fits (coxphf) have no cluster option.
// - Table 1 counts patient-level characteristics once per patient within each group, lesion-level
//   ones per lesion; a patient with lesions in two groups is counted in both (noted).
import type Database from 'better-sqlite3';
import { ApiError } from '../../../shared/api/contract';
import {
  ANALYSIS_VARIABLES,
  type AnalysisResult,
  type AnalysisSpec,
  type AnalysisVariable,
  type CountTable,
  type CoxFit as CoxFitResult,
  type CoxTerm,
  type CurveResult,
  type LandmarkRate,
  type RiskTable,
  type Table1,
  type UnivariateRow,
} from '../../../shared/api/analysis';
import { coxModel, coxTerms, coxTests, coxWarnings, ModelFitError, monotoneLikelihoodMessage, type CoxInput } from '../../../shared/stats/coxModel';
import { coxZph } from '../../../shared/stats/coxZph';
import { cumulativeIncidence, grayTest } from '../../../shared/stats/cumulativeIncidence';
import { designMatrix, ModelSpecificationError, type CovariateColumn, type DesignMatrix } from '../../../shared/stats/designMatrix';
import { chiSquareUpperTail, normalQuantile } from '../../../shared/stats/distributions';
import { firthCox } from '../../../shared/stats/firthCox';
import { followUp } from '../../../shared/stats/followUp';
import { kaplanMeierByGroup, survivalAt, survivalQuantile, survivalTable } from '../../../shared/stats/kaplanMeier';
import { survivalDifference } from '../../../shared/stats/survivalDifference';
import { fisherExact, kruskalWallis, pearsonChiSquare, wilcoxonRankSum } from '../../../shared/stats/tableTests';
import { listRecords } from '../db/cohortRecords';
import { buildDataset, datasetFingerprint, type AnalysisRow, type RowDetail } from './dataset';
import { analysisSpecHash } from '../db/savedAnalyses';

const BED_SPLIT_GY = 51.4;
/** Below this many events per model degree of freedom estimates are unstable (Peduzzi et al. 1996). */
const EPV_WARNING = 10;

export interface AnalysisProgress {
  progress(pct: number, message: string): void;
  throwIfCancelled(): void;
}

const variableByKey = new Map(ANALYSIS_VARIABLES.map((v) => [v.key, v]));

export function analysisVariable(key: string): AnalysisVariable {
  const v = variableByKey.get(key);
  if (!v) throw new ApiError('INVALID_INPUT', `Unknown analysis variable "${key}".`);
  return v;
}

/** The coded value of a variable for one dataset row: a level value, a number, or null (missing). */
export function variableValue(key: string, row: AnalysisRow): string | number | null {
  switch (key) {
    case 'concurrent':
      return String(row.concurrent);
    case 'targetedTiming':
      return row.targetedTiming;
    case 'ageAtRT':
      return row.ageAtRT;
    case 'sex':
      return row.sex === 'M' || row.sex === 'F' ? row.sex : null;
    case 'ecogGroup':
      return row.ecog === null ? null : row.ecog <= 1 ? '0-1' : '2-4';
    case 'location':
      return row.location;
    case 'cordCompression':
    case 'priorIrradiation':
    case 'sbrt':
    case 'painResponse': {
      const v = row[key];
      return v === null ? null : String(v);
    }
    case 'sinsGroup':
      return row.sinsGroup;
    case 'sinsStable':
      return row.sinsGroup === null ? null : row.sinsGroup === '0-6' ? '0-6' : '7-18';
    case 'bedGy':
      return row.bedGy;
    case 'bedHigh':
      return row.bedGy === null ? null : row.bedGy >= BED_SPLIT_GY ? 'high' : 'low';
    default:
      throw new ApiError('INVALID_INPUT', `Unknown analysis variable "${key}".`);
  }
}

function levelLabel(variable: AnalysisVariable, value: string): string {
  return variable.levels?.find((l) => l.value === value)?.label ?? value;
}

function passesFilters(spec: AnalysisSpec, row: AnalysisRow): boolean {
  for (const f of spec.filters) {
    const v = variableValue(f.variable, row);
    if (v === null) return false;
    switch (f.op) {
      case 'in':
        if (!f.values.some((x) => String(x) === String(v))) return false;
        break;
      case 'notIn':
        if (f.values.some((x) => String(x) === String(v))) return false;
        break;
      default: {
        const n = typeof v === 'number' ? v : Number(v);
        const bound = Number(f.values[0]);
        if (!Number.isFinite(n) || !Number.isFinite(bound)) return false;
        if (f.op === 'lt' && !(n < bound)) return false;
        if (f.op === 'le' && !(n <= bound)) return false;
        if (f.op === 'gt' && !(n > bound)) return false;
        if (f.op === 'ge' && !(n >= bound)) return false;
      }
    }
  }
  return true;
}

interface EndpointData {
  time: number;
  /** KM: 0/1. CIF: 0 censored, 1 local progression, 2 death first. */
  status: number;
}

function endpointOf(spec: AnalysisSpec, row: AnalysisRow): EndpointData | null {
  switch (spec.endpoint) {
    case 'local':
      return row.localTime === null || row.localEvent === null ? null : { time: row.localTime, status: row.localEvent };
    case 'os':
      return row.osTime === null || row.osEvent === null ? null : { time: row.osTime, status: row.osEvent };
    case 'systemic':
      return row.systemicTime === null || row.systemicEvent === null ? null : { time: row.systemicTime, status: row.systemicEvent };
    case 'localCif': {
      if (row.localTime === null || row.localEvent === null) return null;
      if (row.localEvent === 1) return { time: row.localTime, status: 1 };
      if (row.osEvent === 1 && row.osTime !== null) return { time: row.osTime, status: 2 };
      return { time: row.localTime, status: 0 };
    }
  }
}

interface Selected {
  rows: AnalysisRow[];
  details: RowDetail[];
  time: Float64Array;
  status: Int32Array;
  /** Group code per row (0 without grouping). */
  group: Int32Array;
  groups: { value: string | null; label: string }[];
}

/** Cluster codes 0..k−1 by patient. */
function patientCodes(rows: AnalysisRow[]): { codes: Int32Array; k: number } {
  const map = new Map<string, number>();
  const codes = new Int32Array(rows.length);
  rows.forEach((r, i) => {
    let c = map.get(r.patient);
    if (c === undefined) {
      c = map.size;
      map.set(r.patient, c);
    }
    codes[i] = c;
  });
  return { codes, k: map.size };
}

function covariateColumn(key: string, rows: AnalysisRow[]): CovariateColumn {
  const variable = analysisVariable(key);
  if (variable.coding === 'numeric') {
    return { name: key, kind: 'numeric', values: Float64Array.from(rows, (r) => Number(variableValue(key, r))) };
  }
  const present = new Set(rows.map((r) => String(variableValue(key, r))));
  const levels = (variable.levels ?? []).map((l) => l.value).filter((l) => present.has(l));
  const codes = Int32Array.from(rows, (r) => levels.indexOf(String(variableValue(key, r))));
  if (variable.coding === 'binary') {
    // Binary: one 0/1 column "key" (comparison level vs reference), named by the variable.
    const comparison = variable.levels?.[1]?.value;
    return { name: key, kind: 'numeric', values: Float64Array.from(rows, (r) => (String(variableValue(key, r)) === comparison ? 1 : 0)) };
  }
  return { name: key, kind: 'factor', levels, codes, reference: levels[0] };
}

function termLabel(term: string): string {
  const [key, level] = term.split('=');
  const variable = variableByKey.get(key);
  if (!variable) return term;
  if (level !== undefined) return `${variable.label}: ${levelLabel(variable, level)} vs ${levelLabel(variable, variable.levels?.[0]?.value ?? '')}`;
  if (variable.coding === 'binary' && variable.levels) {
    if (variable.label.includes(' vs ')) return variable.label;
    return `${variable.label}: ${variable.levels[1].label} vs ${variable.levels[0].label}`;
  }
  return variable.coding === 'numeric' ? `${variable.label} (per unit)` : variable.label;
}

/** Fits a Cox model (or Firth) on the complete cases of `keys` among the selected rows. */
function fitCox(spec: AnalysisSpec, sel: Selected, keys: string[]): CoxFitResult {
  const keep: number[] = [];
  for (let i = 0; i < sel.rows.length; i++) {
    if (keys.every((k) => variableValue(k, sel.rows[i]) !== null)) keep.push(i);
  }
  const rows = keep.map((i) => sel.rows[i]);
  const time = Float64Array.from(keep, (i) => sel.time[i]);
  // Cox for the endpoint event (for CIF the cause-specific hazard of local progression).
  const status = Uint8Array.from(keep, (i) => (sel.status[i] === 1 ? 1 : 0));
  let design: DesignMatrix;
  try {
    design = designMatrix(keys.map((k) => covariateColumn(k, rows)), rows.length);
  } catch (error) {
    if (error instanceof ModelSpecificationError) throw new ModelFitError(error.message);
    throw error;
  }
  const events = status.reduce((a, b) => a + b, 0);
  if (events === 0) throw new ModelFitError('no events among the complete cases');
  const df = design.columns.length;
  const warnings: string[] = [];
  const epv = events / df;
  if (epv < EPV_WARNING) {
    warnings.push(`${events} events for ${df} coefficient${df > 1 ? 's' : ''} (EPV ${epv.toFixed(1)} < ${EPV_WARNING}): estimates may be unstable.`);
  }
  const robust = spec.unit === 'lesion' && spec.cluster && !spec.firth;
  const input: CoxInput = { time, status, x: design.columns, names: design.names, ties: spec.ties };
  if (robust) input.cluster = patientCodes(rows).codes;

  if (spec.firth) {
    const fit = firthCox({ time, status, x: design.columns, names: design.names, alpha: 1 - spec.confLevel });
    warnings.push(...fit.warnings);
    if (spec.unit === 'lesion' && spec.cluster) warnings.push('Firth fit: clustering by patient is not available (coxphf has no cluster variance).');
    if (spec.ties !== 'breslow') warnings.push('Firth fit uses Breslow ties (as coxphf).');
    const terms: CoxTerm[] = design.names.map((term, j) => ({
      term,
      label: termLabel(term),
      coef: fit.coef[j],
      hr: Math.exp(fit.coef[j]),
      lower: fit.lower[j],
      upper: fit.upper[j],
      p: fit.p[j],
      se: fit.se[j],
      robustSe: null,
    }));
    return {
      n: fit.n, events: fit.events, terms, method: 'firth', robust: false, epv, warnings, ph: null,
      likelihoodRatio: { chisq: fit.lrChisq, df: fit.df, p: chiSquareUpperTail(fit.lrChisq, fit.df) },
    };
  }

  const fit = coxModel(input);
  if (fit.monotoneLikelihood) warnings.push(`${monotoneLikelihoodMessage(fit).replace('--firth', 'the Firth option')}`);
  // Aliased terms (issue 13): NA as coxph, with the CLI's note.
  warnings.push(...coxWarnings(fit).filter((w) => w.startsWith('X matrix deemed to be singular')));
  const rowsOut = coxTerms(fit, spec.confLevel);
  const tests = coxTests(fit);
  let ph: CoxFitResult['ph'] = null;
  if (!fit.monotoneLikelihood && !fit.aliased.some(Boolean)) {
    try {
      const zph = coxZph(input, fit, design.terms.map((t) => ({ term: t.name, columns: t.columns })), 'km');
      ph = zph;
      const bad = zph.terms.filter((t) => t.p < 0.05).map((t) => t.term);
      if (bad.length) warnings.push(`Proportional hazards may not hold for ${bad.join(', ')} (Schoenfeld residual test p < 0.05).`);
    } catch {
      ph = null;
    }
  }
  return {
    n: fit.n,
    events: fit.events,
    method: 'cox',
    robust,
    epv,
    warnings,
    ph,
    likelihoodRatio: tests.likelihoodRatio,
    terms: rowsOut.map((t) => ({
      term: t.term,
      label: termLabel(t.term) + (t.diverges ? ` (diverges to ${t.diverges})` : '') + (t.aliased ? ' (not estimable: aliased)' : ''),
      coef: t.coef,
      hr: t.hr,
      lower: t.lower,
      upper: t.upper,
      p: t.p,
      se: t.se,
      robustSe: t.robustSe,
    })),
  };
}

function tryFit(spec: AnalysisSpec, sel: Selected, keys: string[]): { fit: CoxFitResult | null; error: string | null } {
  try {
    return { fit: fitCox(spec, sel, keys), error: null };
  } catch (error) {
    if (error instanceof ModelFitError || error instanceof ModelSpecificationError) return { fit: null, error: error.message };
    throw error;
  }
}

const nonNull = (v: number): number | null => (Number.isFinite(v) ? v : null);

function niceStep(maxTime: number): number {
  for (const step of [1, 3, 6, 12, 24, 36, 60, 120]) if (maxTime / step <= 7) return step;
  return 120;
}

function riskTable(sel: Selected, xMax: number, step: number): RiskTable {
  const times: number[] = [];
  for (let t = 0; t <= xMax + 1e-9; t += step) times.push(t);
  const rows = sel.groups.map((g, gi) => {
    const atRisk = times.map(() => 0);
    const events = times.map(() => 0);
    const censored = times.map(() => 0);
    for (let i = 0; i < sel.time.length; i++) {
      if (sel.group[i] !== gi) continue;
      const t = sel.time[i];
      const eventOfInterest = sel.status[i] === 1;
      times.forEach((tt, k) => {
        if (t >= tt) atRisk[k]++;
        // events/censored cumulative up to tt (KMunicate style)
        if (t <= tt) {
          if (eventOfInterest) events[k]++;
          else censored[k]++;
        }
      });
    }
    return { group: g.value, label: g.label, atRisk, events, censored };
  });
  return { times, rows };
}

function pct(n: number, d: number): string {
  return d === 0 ? '0' : ((100 * n) / d).toFixed(1);
}

function medianRange(values: number[]): string {
  if (values.length === 0) return '—';
  const s = [...values].sort((a, b) => a - b);
  const m = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  const f = (x: number) => (Math.abs(x - Math.round(x)) < 1e-9 ? String(Math.round(x)) : x.toFixed(1));
  return `${f(m)} (${f(s[0])}–${f(s[s.length - 1])})`;
}

function buildTable1(spec: AnalysisSpec, sel: Selected): Table1 {
  const notes: string[] = [];
  const nGroups = sel.groups.length;
  const patientsIn = (gi: number | null) =>
    new Set(sel.rows.filter((_, i) => gi === null || sel.group[i] === gi).map((r) => r.patient)).size;
  const groups = [
    { value: 'total', label: 'Total', patients: patientsIn(null), lesions: sel.rows.length },
    ...sel.groups.map((g, gi) => ({ value: g.value, label: g.label, patients: patientsIn(gi), lesions: sel.rows.filter((_, i) => sel.group[i] === gi).length })),
  ];
  if (nGroups > 1 && groups.slice(1).reduce((a, g) => a + g.patients, 0) > groups[0].patients) {
    notes.push('Some patients have lesions in more than one group; patient-level rows count them in each.');
  }
  const rows: Table1['rows'] = [];
  for (const key of spec.table1Rows) {
    const variable = analysisVariable(key);
    if (variable.key === spec.groupBy) continue;
    // Units: patient-level variables once per patient (per group), lesion-level per lesion.
    const unitRows = (gi: number | null): { row: AnalysisRow; gi: number }[] => {
      const out: { row: AnalysisRow; gi: number }[] = [];
      const seen = new Set<string>();
      sel.rows.forEach((row, i) => {
        if (gi !== null && sel.group[i] !== gi) return;
        if (variable.level === 'patient' && spec.unit === 'lesion') {
          const k = `${row.patient}\u0000${gi === null ? '' : sel.group[i]}`;
          if (seen.has(k)) return;
          seen.add(k);
        }
        out.push({ row, gi: sel.group[i] });
      });
      return out;
    };
    const unit = variable.level === 'patient' ? 'patient' : 'lesion';
    const all = unitRows(null);
    const byGroup = sel.groups.map((_, gi) => unitRows(gi));
    if (variable.coding === 'numeric' || variable.table1 === 'continuous') {
      const vals = (list: { row: AnalysisRow }[]) => list.map((x) => variableValue(key, x.row)).filter((v): v is number => typeof v === 'number');
      let p: number | null = null;
      let test: Table1['rows'][number]['test'] = null;
      if (nGroups >= 2) {
        const pairs = byGroup.flatMap((list, gi) => vals(list).map((v) => ({ v, gi })));
        if (pairs.length > 1) {
          const values = Float64Array.from(pairs, (x) => x.v);
          const codes = Int32Array.from(pairs, (x) => x.gi);
          const r = nGroups === 2 ? wilcoxonRankSum(values, codes) : kruskalWallis(values, codes, nGroups);
          p = nonNull(r.p);
          test = nGroups === 2 ? 'wilcoxon' : 'kruskal';
        }
      }
      rows.push({
        variable: key, label: `${variable.label}, median (range)`, level: null, unit,
        total: medianRange(vals(all)), byGroup: byGroup.map((l) => medianRange(vals(l))), p, test,
      });
      continue;
    }
    const levels = variable.levels ?? [];
    const count = (list: { row: AnalysisRow }[], value: string) => list.filter((x) => String(variableValue(key, x.row)) === value).length;
    const known = (list: { row: AnalysisRow }[]) => list.filter((x) => variableValue(key, x.row) !== null).length;
    let p: number | null = null;
    let test: Table1['rows'][number]['test'] = null;
    if (nGroups >= 2) {
      const table = levels.map((l) => byGroup.map((list) => count(list, l.value))).filter((row) => row.some((x) => x > 0));
      if (table.length >= 2) {
        // As gtsummary: Pearson chi-square when every expected count is ≥ 5, else Fisher's exact test.
        const rowTotals = table.map((r) => r.reduce((a, b) => a + b, 0));
        const colTotals = table[0].map((_, j) => table.reduce((a, r) => a + r[j], 0));
        const total = rowTotals.reduce((a, b) => a + b, 0);
        const smallExpected = rowTotals.some((r) => colTotals.some((c) => (r * c) / total < 5));
        test = smallExpected ? 'fisher' : 'chisq';
        p = nonNull((smallExpected ? fisherExact(table) : pearsonChiSquare(table)).p);
      }
    }
    rows.push({ variable: key, label: `${variable.label}, n (%)`, level: null, unit, total: '', byGroup: sel.groups.map(() => ''), p, test });
    for (const l of levels) {
      rows.push({
        variable: key, label: l.label, level: l.value, unit,
        total: `${count(all, l.value)} (${pct(count(all, l.value), known(all))})`,
        byGroup: byGroup.map((list) => `${count(list, l.value)} (${pct(count(list, l.value), known(list))})`),
        p: null, test: null,
      });
    }
    const missing = all.length - known(all);
    if (missing > 0) {
      rows.push({ variable: key, label: 'missing', level: 'NA', unit, total: String(missing), byGroup: byGroup.map((list) => String(list.length - known(list))), p: null, test: null });
    }
    if (key === 'location') {
      // The reference study counts regions involved (a T12–L1 lesion counts as thoracic and lumbar),
      // so its counts add up to more than the lesions: shown as a second, labelled block.
      const regionCounts = (gi: number | null) => {
        const counts = new Map<string, number>();
        sel.details.forEach((d, i) => {
          if (gi !== null && sel.group[i] !== gi) return;
          for (const r of d.regions) counts.set(r, (counts.get(r) ?? 0) + 1);
        });
        return counts;
      };
      const totalCounts = regionCounts(null);
      const groupCounts = sel.groups.map((_, gi) => regionCounts(gi));
      const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
      rows.push({ variable: 'regionsInvolved', label: 'Regions involved, n (% of regions)', level: null, unit: 'lesion', total: '', byGroup: sel.groups.map(() => ''), p: null, test: null });
      for (const l of levels) {
        const cell = (m: Map<string, number>) => `${m.get(l.value) ?? 0} (${pct(m.get(l.value) ?? 0, sum(m))})`;
        rows.push({ variable: 'regionsInvolved', label: l.label, level: l.value, unit: 'lesion', total: cell(totalCounts), byGroup: groupCounts.map(cell), p: null, test: null });
      }
    }
  }
  notes.push('Percentages of known values. p: Pearson chi-square, or Fisher exact when an expected count is < 5 (categorical); Wilcoxon rank-sum or Kruskal–Wallis (continuous).');
  if (spec.table1Rows.includes('location')) {
    notes.push('Location counts each lesion once, by the region holding most of its levels; regions involved count every region a lesion touches.');
  }
  return { groups, rows, notes };
}

function firstFailureTable(sel: Selected): CountTable {
  const patterns: [string, string][] = [
    ['local', 'Local progression only'],
    ['systemic', 'Systemic progression only'],
    ['both', 'Both local and systemic'],
    ['none', 'No progression'],
  ];
  const columns = sel.groups.length > 1 ? ['Total', ...sel.groups.map((g) => g.label)] : ['Total'];
  const sets = [sel.rows.map((r) => r), ...(sel.groups.length > 1 ? sel.groups.map((_, gi) => sel.rows.filter((__, i) => sel.group[i] === gi)) : [])];
  const rows = patterns.map(([value, label]) => ({
    label,
    cells: sets.map((set) => {
      const known = set.filter((r) => r.firstFailure !== null).length;
      const n = set.filter((r) => r.firstFailure === value).length;
      return `${n} (${pct(n, known)})`;
    }),
  }));
  return { columns: columns.map((c, i) => `${c} (n = ${sets[i].length})`), rows, notes: ['Per lesion; local and systemic progression within the study first-failure window count as both.'] };
}

function toxicityTable(db: Database.Database, sel: Selected): CountTable {
  const patientIds = new Set(sel.details.map((d) => d.patientId));
  const tox = listRecords(db, 'toxicity').filter((t) => patientIds.has(t.patientId as number));
  // Worst grade per patient and term (CTCAE reporting convention).
  const worst = new Map<string, Map<number, number>>();
  for (const t of tox) {
    const term = String(t.term);
    const byPatient = worst.get(term) ?? new Map<number, number>();
    byPatient.set(t.patientId as number, Math.max(byPatient.get(t.patientId as number) ?? 0, t.grade as number));
    worst.set(term, byPatient);
  }
  const nPatients = patientIds.size;
  const grades = [1, 2, 3, 4, 5];
  const rows = [...worst.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([term, byPatient]) => ({
      label: term,
      cells: grades.map((g) => {
        const n = [...byPatient.values()].filter((x) => x === g).length;
        return n ? `${n} (${pct(n, nPatients)})` : '0';
      }),
    }));
  const anyWorst = new Map<number, number>();
  for (const t of tox) anyWorst.set(t.patientId as number, Math.max(anyWorst.get(t.patientId as number) ?? 0, t.grade as number));
  rows.push({
    label: 'Any toxicity',
    cells: grades.map((g) => {
      const n = [...anyWorst.values()].filter((x) => x === g).length;
      return n ? `${n} (${pct(n, nPatients)})` : '0';
    }),
  });
  return {
    columns: grades.map((g) => `Grade ${g}`),
    rows,
    notes: [`Patients by worst CTCAE grade per term, n (%) of ${nPatients} patients in the analysis.`],
  };
}

/** Runs the analysis in one go (CLI, tests, export). */
export function runStudyAnalysis(db: Database.Database, spec: AnalysisSpec, progress: AnalysisProgress): AnalysisResult {
  const stages = analysisStages(db, spec, progress);
  for (;;) {
    const step = stages.next();
    if (step.done) return step.value;
  }
}

/**
 * Runs the analysis stage by stage, returning to the event loop in between, so progress reaches
 * the window and a cancel request is seen while a big cohort is analysed.
 */
export async function runStudyAnalysisInStages(db: Database.Database, spec: AnalysisSpec, progress: AnalysisProgress): Promise<AnalysisResult> {
  const stages = analysisStages(db, spec, progress);
  for (;;) {
    const step = stages.next();
    if (step.done) return step.value;
    await new Promise((resolve) => setImmediate(resolve));
    progress.throwIfCancelled();
  }
}

/** The analysis as a generator: each `yield` is a point where the caller may pause or cancel. */
function* analysisStages(db: Database.Database, spec: AnalysisSpec, progress: AnalysisProgress): Generator<void, AnalysisResult> {
  progress.progress(5, 'Building the analysis dataset');
  yield;
  const dataset = buildDataset(db, { unit: spec.unit });
  const fingerprint = datasetFingerprint(dataset);
  progress.throwIfCancelled();

  const groupVar = spec.groupBy ? analysisVariable(spec.groupBy) : null;
  if (groupVar && groupVar.coding === 'numeric') {
    throw new ApiError('INVALID_INPUT', `${groupVar.label} is numeric; group by a categorical variable.`);
  }
  for (const f of spec.filters) analysisVariable(f.variable);
  for (const k of [...spec.covariates, ...spec.chosenCovariates, ...spec.table1Rows]) analysisVariable(k);

  const excluded = new Map<string, number>();
  const bump = (reason: string) => excluded.set(reason, (excluded.get(reason) ?? 0) + 1);
  const picked: { row: AnalysisRow; detail: RowDetail; ep: EndpointData; g: string | null }[] = [];
  dataset.rows.forEach((row, i) => {
    if (!passesFilters(spec, row)) return bump('outside the filters');
    const ep = endpointOf(spec, row);
    if (!ep) return bump('endpoint not available (missing dates)');
    const g = groupVar ? variableValue(groupVar.key, row) : null;
    if (groupVar && g === null) return bump(`${groupVar.label} missing`);
    picked.push({ row, detail: dataset.details[i], ep, g: g === null ? null : String(g) });
  });
  if (dataset.rows.length === 0) {
    throw new ApiError('INVALID_INPUT', 'The cohort has no treated lesions yet: import DICOM or a spreadsheet on the Import page, or add lesions on the Cohort page.');
  }
  if (picked.length === 0) {
    throw new ApiError('INVALID_INPUT', 'No rows left for this analysis: widen the filters or complete the endpoint dates in the cohort.');
  }
  const groupValues: (string | null)[] = groupVar
    ? (groupVar.levels ?? []).map((l) => l.value).filter((v) => picked.some((p) => p.g === v))
    : [null];
  const groups = groupValues.map((v) => ({ value: v, label: groupVar && v !== null ? levelLabel(groupVar, v) : 'All' }));
  const sel: Selected = {
    rows: picked.map((p) => p.row),
    details: picked.map((p) => p.detail),
    time: Float64Array.from(picked, (p) => p.ep.time),
    status: Int32Array.from(picked, (p) => p.ep.status),
    group: Int32Array.from(picked, (p) => groupValues.indexOf(p.g)),
    groups,
  };
  const warnings: string[] = [...dataset.warnings];
  const kind = spec.endpoint === 'localCif' ? 'cif' : 'km';
  const z = normalQuantile(1 - (1 - spec.confLevel) / 2);
  progress.progress(20, kind === 'km' ? 'Kaplan–Meier curves' : 'Cumulative incidence');
  yield;

  const maxTime = sel.time.reduce((a, b) => Math.max(a, b), 0);
  const xMax = spec.chart.xMax ?? Math.max(1, Math.ceil(maxTime / niceStep(maxTime)) * niceStep(maxTime));
  const xStep = spec.chart.xStep ?? niceStep(xMax);
  let curves: CurveResult[];
  let landmarks: LandmarkRate[] = [];
  let test: AnalysisResult['test'] = null;

  if (kind === 'km') {
    const event = Uint8Array.from(sel.status, (s) => (s === 1 ? 1 : 0));
    const fits = kaplanMeierByGroup(sel.time, event, sel.group, groups.length, { confType: spec.confType, confLevel: spec.confLevel });
    curves = fits.map((fit, gi) => ({
      group: groups[gi].value,
      label: groups[gi].label,
      n: fit.n,
      events: fit.events,
      steps: survivalTable(fit).map((r) => ({
        time: r.time, nRisk: r.nRisk, nEvent: r.nEvent, nCensor: r.nCensor,
        estimate: r.surv, lower: nonNull(r.lower), upper: nonNull(r.upper),
      })),
      median: survivalQuantile(fit, 0.5),
    }));
    landmarks = fits.flatMap((fit, gi) =>
      survivalAt(fit, spec.landmarks).map((a) => ({
        group: groups[gi].value, label: groups[gi].label, time: a.time, nRisk: a.nRisk,
        estimate: nonNull(a.surv), lower: nonNull(a.lower), upper: nonNull(a.upper),
      })),
    );
    if (groups.length > 1) {
      // Degenerate comparisons (issue 13): the CLI's message, next to the analysis instead of a result.
      try {
        const lr = survivalDifference(sel.time, event, sel.group, groups.length);
        test = { kind: 'logrank', chisq: lr.chisq, df: lr.df, p: lr.p };
        warnings.push(...lr.warnings.map((w) => `Log-rank test: ${w}`));
      } catch (error) {
        if (!(error instanceof ModelFitError)) throw error;
        warnings.push(`Log-rank test: ${error.message}`);
      }
    }
  } else {
    curves = groups.map((g, gi) => {
      const idx: number[] = [];
      for (let i = 0; i < sel.time.length; i++) if (sel.group[i] === gi) idx.push(i);
      const time = Float64Array.from(idx, (i) => sel.time[i]);
      const status = Int32Array.from(idx, (i) => sel.status[i]);
      const cif = cumulativeIncidence(time, status, 1);
      const sortedTimes = Float64Array.from(time).sort();
      const atRisk = (t: number) => sortedTimes.length - lowerBound(sortedTimes, t);
      const atTime = new Map<number, { event: number; other: number }>();
      for (let j = 0; j < time.length; j++) {
        const c = atTime.get(time[j]) ?? { event: 0, other: 0 };
        if (status[j] === 1) c.event++;
        else c.other++;
        atTime.set(time[j], c);
      }
      // One step per distinct observed time (so censor marks can be drawn), F carried forward.
      const distinct = [...atTime.keys()].sort((a, b) => a - b);
      let k = -1;
      const steps = distinct.map((t) => {
        while (k + 1 < cif.time.length && cif.time[k + 1] <= t) k++;
        const estimate = k >= 0 ? cif.estimate[k] : 0;
        const { lower, upper } = k >= 0 ? cifLimits(estimate, cif.variance[k], z) : { lower: null, upper: null };
        return {
          time: t,
          nRisk: atRisk(t),
          nEvent: atTime.get(t)?.event ?? 0,
          nCensor: atTime.get(t)?.other ?? 0,
          estimate, lower, upper,
        };
      });
      const lms = spec.landmarks.map((t) => {
        const nRisk = atRisk(t);
        if (!(t <= cif.maxTime)) return { group: g.value, label: g.label, time: t, nRisk, estimate: null, lower: null, upper: null };
        let k = -1;
        for (let j = 0; j < cif.time.length; j++) if (cif.time[j] <= t) k = j;
        if (k < 0) return { group: g.value, label: g.label, time: t, nRisk, estimate: 0, lower: null, upper: null };
        const lim = cifLimits(cif.estimate[k], cif.variance[k], z);
        return { group: g.value, label: g.label, time: t, nRisk, estimate: cif.estimate[k], lower: lim.lower, upper: lim.upper };
      });
      landmarks.push(...lms);
      return {
        group: g.value, label: g.label, n: idx.length,
        events: idx.filter((i) => sel.status[i] === 1).length,
        steps, median: null,
      };
    });
    if (groups.length > 1) {
      const gray = grayTest(sel.time, sel.status, 1, sel.group, groups.length);
      test = { kind: 'gray', chisq: gray.stat, df: gray.df, p: gray.p };
      if (gray.warning) warnings.push(`Gray's test: ${gray.warning}`);
    }
  }
  progress.throwIfCancelled();

  progress.progress(40, 'Hazard ratio and follow-up');
  yield;
  let hazardRatio: AnalysisResult['hazardRatio'] = null;
  if (groupVar && groups.length === 2) {
    const { fit, error } = tryFit(spec, sel, [groupVar.key]);
    if (fit && fit.terms.length === 1) hazardRatio = { ...fit.terms[0], method: fit.method, robust: fit.robust };
    if (error) warnings.push(`Hazard ratio for ${groupVar.label}: ${error}`);
    if (fit) warnings.push(...fit.warnings.map((w) => `Hazard ratio: ${w}`));
  }
  // Median follow-up: reverse Kaplan–Meier of overall-survival time (Schemper & Smith 1996).
  const osRows = sel.rows.filter((r) => r.osTime !== null && r.osEvent !== null);
  const fu = followUp(Float64Array.from(osRows, (r) => r.osTime as number), Uint8Array.from(osRows, (r) => r.osEvent as number));

  progress.progress(55, 'Table 1');
  yield;
  const table1 = buildTable1(spec, sel);
  progress.throwIfCancelled();

  progress.progress(65, 'Univariate Cox models');
  const univariate: UnivariateRow[] = [];
  for (const [i, key] of spec.covariates.entries()) {
    yield;
    progress.progress(65 + (20 * i) / spec.covariates.length, `Univariate Cox models (${i + 1}/${spec.covariates.length})`);
    const variable = analysisVariable(key);
    const { fit, error } = tryFit(spec, sel, [key]);
    univariate.push({ variable: key, label: variable.label, fit, error });
  }
  progress.throwIfCancelled();

  progress.progress(85, 'Multivariable Cox model');
  yield;
  let multivariable: AnalysisResult['multivariable'] = null;
  let multivariableNote: string | null = null;
  const mvKeys =
    spec.multivariable === 'chosen'
      ? spec.chosenCovariates
      : univariate.filter((u) => u.fit && u.fit.terms.some((t) => t.p !== null && t.p < spec.threshold)).map((u) => u.variable);
  if (mvKeys.length === 0) {
    multivariableNote =
      spec.multivariable === 'chosen'
        ? 'Choose covariates for the multivariable model.'
        : `No covariate had p < ${spec.threshold} in univariate analysis.`;
  } else {
    const { fit, error } = tryFit(spec, sel, mvKeys);
    if (fit) multivariable = { ...fit, covariates: mvKeys };
    multivariableNote =
      error ??
      (spec.multivariable === 'chosen' ? 'Covariates chosen by the user.' : `Covariates with univariate p < ${spec.threshold}.`);
  }

  progress.progress(95, 'Failure patterns and toxicity');
  yield;
  const result: AnalysisResult = {
    spec,
    specHash: analysisSpecHash(spec),
    datasetFingerprint: fingerprint,
    timeUnit: 'months',
    unit: spec.unit,
    n: sel.rows.length,
    events: Array.from(sel.status).filter((s) => s === 1).length,
    excluded: [...excluded.entries()].map(([reason, count]) => ({ reason, count })),
    kind,
    curves,
    test,
    hazardRatio,
    landmarks,
    riskTable: riskTable(sel, xMax, xStep),
    followUp: { reverseKm: fu.reverseKm, observed: fu.observed },
    table1,
    univariate,
    multivariable,
    multivariableNote,
    firstFailure: firstFailureTable(sel),
    toxicity: toxicityTable(db, sel),
    warnings,
    ranAt: new Date().toISOString(),
  };
  return result;
}

/** First index with sorted[i] >= t. */
function lowerBound(sorted: Float64Array, t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** log(−log) limits for a cumulative incidence F with variance V (null when F is 0 or 1). */
function cifLimits(f: number, variance: number, z: number): { lower: number | null; upper: number | null } {
  if (!(f > 0 && f < 1) || !(variance >= 0)) return { lower: null, upper: null };
  const se = Math.sqrt(variance) / (f * Math.abs(Math.log(f)));
  return { lower: Math.pow(f, Math.exp(z * se)), upper: Math.pow(f, Math.exp(-z * se)) };
}
