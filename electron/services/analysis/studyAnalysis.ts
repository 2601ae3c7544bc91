// Runs one analysis specification (shared/api/analysis.ts) on a study's analysis dataset
// (dataset.ts): the survival curves and their test, landmark rates, number at risk, follow-up,
// Table 1, univariate and multivariable Cox, patterns of first failure and toxicity.
// All statistics come from shared/stats (checked against R); this file only selects rows, codes
// variables and lays results out.
//
// Rules (documented here, applied below):
// - Variables are coded from the dataset columns as declared in ANALYSIS_VARIABLES, with the cut-offs
//   of spec.rules (defaults: ecogGroup = ECOG 0–1 vs 2–4; sinsStable = SINS 0–6 vs 7–18; bedHigh =
//   BED ≥ 51.4 Gy). Sex O/U are missing for the binary sex variable.
// - Rows with a missing endpoint or grouping value are dropped (counted in `excluded`); Cox models
//   drop rows missing any of their covariates (na.omit), each model on its own complete cases.
// - Cumulative incidence of local progression with death as competing event: status 1 at the local
//   progression time; otherwise 2 at the time of death when the patient died; otherwise censored
//   (0) at the local censoring time.
// - CIF confidence limits use the log(−log) transform F^exp(±z·√V / (F·log F)) (as tidycmprsk/
//   survminer do on cmprsk's variance); KM limits are survfit's (spec.confType).
// - Lesion unit: Cox models use the robust sandwich variance clustered on the patient when
//   spec.cluster (as coxph(…, cluster = patient)); Firth fits (coxphf) have no cluster option and use
//   Breslow ties. spec.firth 'auto' refits with Firth exactly the models whose likelihood is monotone.
// - Table 1 percentages are of the known values (spec.rules.percentOf 'known', missing on their own
//   row) or of all rows; every table names its denominators in a note.
// - Table 1 counts patient-level characteristics once per patient within each group, lesion-level
//   ones per lesion; a patient with lesions in two groups is counted in both (noted).
import type Database from 'better-sqlite3';
import { ApiError } from '../../../shared/api/contract';
import {
  ANALYSIS_VARIABLES,
  ENDPOINT_LABELS,
  variableLevels,
  type AnalysisResult,
  type AnalysisRules,
  type AnalysisSpec,
  type AnalysisVariable,
  type CountTable,
  type CoxFit as CoxFitResult,
  type CoxLevelCount,
  type CoxTerm,
  type CurveResult,
  type LandmarkRate,
  type RiskTable,
  type Table1,
  type UnivariateRow,
} from '../../../shared/api/analysis';
import { coxModel, coxTerms, coxTests, coxWarnings, ModelFitError, monotoneLikelihoodMessage, type CoxInput } from '../../../shared/stats/coxModel';
import { coxZph } from '../../../shared/stats/coxZph';
import { concordance } from '../../../shared/stats/concordance';
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

/** Below this many events per model degree of freedom estimates are unstable (Peduzzi et al. 1996). */
const EPV_WARNING = 10;

export interface AnalysisProgress {
  progress(pct: number, message: string): void;
  throwIfCancelled(): void;
}

/** 'curves': only the curves, their test, landmarks, risk table and follow-up (the report's other endpoints). */
export interface AnalysisScope {
  sections?: 'all' | 'curves';
  /**
   * The report of a study without follow-up yet (e.g. just imported from DICOM) is still written:
   * with no row left the result is empty (and says why) instead of an error.
   */
  allowEmpty?: boolean;
}

const variableByKey = new Map(ANALYSIS_VARIABLES.map((v) => [v.key, v]));

/** A variable with its level labels for the spec's cut-offs. */
export function analysisVariable(key: string, rules?: AnalysisRules): AnalysisVariable {
  const v = variableByKey.get(key);
  if (!v) throw new ApiError('INVALID_INPUT', `Unknown analysis variable "${key}".`);
  return rules ? { ...v, levels: variableLevels(v, rules) } : v;
}

const DEFAULT_CUTS = { ecogHighFrom: 2, sinsUnstableFrom: 7, bedCutoffGy: 51.4 };

/** The coded value of a variable for one dataset row: a level value, a number, or null (missing). */
export function variableValue(key: string, row: AnalysisRow, rules: Pick<AnalysisRules, 'ecogHighFrom' | 'sinsUnstableFrom' | 'bedCutoffGy'> = DEFAULT_CUTS): string | number | null {
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
      return row.ecog === null ? null : row.ecog < rules.ecogHighFrom ? '0-1' : '2-4';
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
      return row.sins === null ? null : row.sins < rules.sinsUnstableFrom ? '0-6' : '7-18';
    case 'bedGy':
      return row.bedGy;
    case 'bedHigh':
      return row.bedGy === null ? null : row.bedGy >= rules.bedCutoffGy ? 'high' : 'low';
    default:
      throw new ApiError('INVALID_INPUT', `Unknown analysis variable "${key}".`);
  }
}

function levelLabel(variable: AnalysisVariable, value: string): string {
  return variable.levels?.find((l) => l.value === value)?.label ?? value;
}

function passesFilters(spec: AnalysisSpec, row: AnalysisRow): boolean {
  for (const f of spec.filters) {
    const v = variableValue(f.variable, row, spec.rules);
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
  spec: AnalysisSpec;
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

/** The factor levels of a categorical covariate present among `rows`, reference first. */
function presentLevels(key: string, rows: AnalysisRow[], rules: AnalysisRules): { value: string; label: string }[] {
  const variable = analysisVariable(key, rules);
  const present = new Set(rows.map((r) => String(variableValue(key, r, rules))));
  return (variable.levels ?? []).filter((l) => present.has(l.value));
}

function covariateColumn(key: string, rows: AnalysisRow[], rules: AnalysisRules): CovariateColumn {
  const variable = analysisVariable(key, rules);
  if (variable.coding === 'numeric') {
    return { name: key, kind: 'numeric', values: Float64Array.from(rows, (r) => Number(variableValue(key, r, rules))) };
  }
  if (variable.coding === 'binary') {
    // Binary: one 0/1 column "key" (comparison level vs reference), named by the variable.
    const comparison = variable.levels?.[1]?.value;
    return { name: key, kind: 'numeric', values: Float64Array.from(rows, (r) => (String(variableValue(key, r, rules)) === comparison ? 1 : 0)) };
  }
  const levels = presentLevels(key, rows, rules).map((l) => l.value);
  const codes = Int32Array.from(rows, (r) => levels.indexOf(String(variableValue(key, r, rules))));
  return { name: key, kind: 'factor', levels, codes, reference: levels[0] };
}

/** Variable, level, label and contrast of a model column ("key" or "key=level"). */
function describeTerm(term: string, rules: AnalysisRules, reference: Map<string, string>): Pick<CoxTerm, 'variable' | 'level' | 'label' | 'contrast'> {
  const [key, level] = term.split('=');
  const variable = analysisVariable(key, rules);
  if (variable.coding === 'numeric') return { variable: key, level: null, label: `${variable.label} (per unit)`, contrast: 'per 1-unit increase' };
  const levels = variable.levels ?? [];
  const comparisonValue = level ?? levels[1]?.value ?? '';
  const referenceValue = level !== undefined ? (reference.get(key) ?? levels[0]?.value ?? '') : (levels[0]?.value ?? '');
  const contrast = `${levelLabel(variable, comparisonValue)} vs ${levelLabel(variable, referenceValue)}`;
  return { variable: key, level: comparisonValue, label: `${variable.label}: ${contrast}`, contrast };
}

/** Events / rows per level of each categorical covariate (the table's "events/N" column). */
function levelCounts(keys: string[], rows: AnalysisRow[], status: Uint8Array, rules: AnalysisRules, termOf: (key: string, value: string, isReference: boolean) => string | null): CoxLevelCount[] {
  const out: CoxLevelCount[] = [];
  for (const key of keys) {
    const variable = analysisVariable(key, rules);
    if (variable.coding === 'numeric') continue;
    const levels = variable.coding === 'binary' ? (variable.levels ?? []) : presentLevels(key, rows, rules);
    out.push({
      variable: key,
      label: variable.label,
      levels: levels.map((l, li) => {
        let n = 0;
        let events = 0;
        rows.forEach((r, i) => {
          if (String(variableValue(key, r, rules)) !== l.value) return;
          n++;
          events += status[i];
        });
        return { value: l.value, label: l.label, n, events, reference: li === 0, term: termOf(key, l.value, li === 0) };
      }),
    });
  }
  return out;
}

/** Fits a Cox model (or Firth) on the complete cases of `keys` among the selected rows. */
function fitCox(spec: AnalysisSpec, sel: Selected, keys: string[]): CoxFitResult {
  const rules = spec.rules;
  const keep: number[] = [];
  for (let i = 0; i < sel.rows.length; i++) {
    if (keys.every((k) => variableValue(k, sel.rows[i], rules) !== null)) keep.push(i);
  }
  const rows = keep.map((i) => sel.rows[i]);
  const time = Float64Array.from(keep, (i) => sel.time[i]);
  // Cox for the endpoint event (for CIF the cause-specific hazard of local progression).
  const status = Uint8Array.from(keep, (i) => (sel.status[i] === 1 ? 1 : 0));
  let design: DesignMatrix;
  const columns = keys.map((k) => covariateColumn(k, rows, rules));
  try {
    design = designMatrix(columns, rows.length);
  } catch (error) {
    if (error instanceof ModelSpecificationError) throw new ModelFitError(error.message);
    throw error;
  }
  const events = status.reduce((a, b) => a + b, 0);
  if (events === 0) throw new ModelFitError('no events among the complete cases');
  const reference = new Map(columns.filter((c) => c.kind === 'factor').map((c) => [c.name, (c as { reference?: string }).reference ?? '']));
  const df = design.columns.length;
  const warnings: string[] = [];
  const epv = events / df;
  if (epv < EPV_WARNING) {
    warnings.push(`${events} events for ${df} coefficient${df > 1 ? 's' : ''} (EPV ${epv.toFixed(1)} < ${EPV_WARNING}): estimates may be unstable.`);
  }
  const names = new Set(design.names);
  const levels = levelCounts(keys, rows, status, rules, (key, value, isReference) => {
    if (isReference) return null;
    if (names.has(`${key}=${value}`)) return `${key}=${value}`;
    return names.has(key) ? key : null;
  });
  const clustered = spec.unit === 'lesion' && spec.cluster;
  const input: CoxInput = { time, status, x: design.columns, names: design.names, ties: spec.ties };
  if (clustered) input.cluster = patientCodes(rows).codes;

  const fitFirth = (why: string | null): CoxFitResult => {
    const fit = firthCox({ time, status, x: design.columns, names: design.names, alpha: 1 - spec.confLevel });
    if (why) warnings.push(why);
    warnings.push(...fit.warnings);
    if (clustered) warnings.push('Firth fit: no clustering by patient (coxphf has no robust variance).');
    if (spec.ties !== 'breslow') warnings.push('Firth fit uses Breslow ties (as coxphf).');
    const terms: CoxTerm[] = design.names.map((term, j) => ({
      term,
      ...describeTerm(term, rules, reference),
      coef: fit.coef[j],
      hr: Math.exp(fit.coef[j]),
      lower: fit.lower[j],
      upper: fit.upper[j],
      p: fit.p[j],
      se: fit.se[j],
      robustSe: null,
    }));
    return {
      n: fit.n, events: fit.events, terms, method: 'firth', ties: 'breslow', robust: false, epv, warnings, ph: null,
      likelihoodRatio: { chisq: fit.lrChisq, df: fit.df, p: chiSquareUpperTail(fit.lrChisq, fit.df) },
      wald: null, score: null, concordance: null, levels,
    };
  };
  if (spec.firth === 'always') return fitFirth(null);

  const fit = coxModel(input);
  if (fit.monotoneLikelihood) {
    if (spec.firth === 'auto') return fitFirth(`${monotoneLikelihoodMessage(fit).split(';')[0]}: Firth-penalised estimates shown (spec: Firth 'auto').`);
    warnings.push(monotoneLikelihoodMessage(fit).replace('--firth', 'the Firth option'));
  }
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
  const lp = new Float64Array(rows.length);
  design.columns.forEach((x, j) => {
    for (let i = 0; i < rows.length; i++) lp[i] += fit.coef[j] * x[i];
  });
  const c = fit.monotoneLikelihood ? NaN : concordance(time, status, lp).concordance;
  return {
    n: fit.n,
    events: fit.events,
    method: 'cox',
    ties: spec.ties,
    robust: clustered,
    epv,
    warnings,
    ph,
    likelihoodRatio: tests.likelihoodRatio,
    wald: tests.wald,
    // With clustering coxph reports the robust score test.
    score: tests.robustScore ?? tests.score,
    concordance: Number.isFinite(c) ? c : null,
    levels,
    terms: rowsOut.map((t) => {
      const d = describeTerm(t.term, rules, reference);
      return {
        term: t.term,
        ...d,
        label: d.label + (t.diverges ? ` (diverges to ${t.diverges})` : '') + (t.aliased ? ' (not estimable: aliased)' : ''),
        coef: t.coef,
        hr: t.hr,
        lower: t.lower,
        upper: t.upper,
        p: t.p,
        se: t.se,
        robustSe: t.robustSe,
      };
    }),
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
        // events/censored cumulative strictly before tt (KMunicate style: at risk + events + censored = n)
        if (t < tt) {
          if (eventOfInterest) events[k]++;
          else censored[k]++;
        }
      });
    }
    return { group: g.value, label: g.label, atRisk, events, censored };
  });
  return { unit: sel.spec.unit === 'lesion' ? 'lesions' : 'patients', times, rows };
}

/** n (%) with the percentage to one decimal; "0 (0)" style kept uniform as "0 (0.0)". */
function nPct(n: number, d: number): string {
  return `${n} (${d === 0 ? '–' : ((100 * n) / d).toFixed(1)})`;
}

function medianRange(values: number[]): string {
  if (values.length === 0) return '—';
  const s = [...values].sort((a, b) => a - b);
  const m = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  const f = (x: number) => (Math.abs(x - Math.round(x)) < 1e-9 ? String(Math.round(x)) : x.toFixed(1));
  return `${f(m)} (${f(s[0])}–${f(s[s.length - 1])})`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function categoricalTest(rules: AnalysisRules, table: number[][]): { p: number | null; test: 'fisher' | 'chisq' | null } {
  const rowsUsed = table.filter((row) => row.some((x) => x > 0));
  if (rowsUsed.length < 2) return { p: null, test: null };
  const colTotals = rowsUsed[0].map((_, j) => rowsUsed.reduce((a, r) => a + r[j], 0));
  if (colTotals.filter((c) => c > 0).length < 2) return { p: null, test: null };
  const rowTotals = rowsUsed.map((r) => r.reduce((a, b) => a + b, 0));
  const total = rowTotals.reduce((a, b) => a + b, 0);
  // 'auto' as gtsummary: Pearson chi-square when every expected count is ≥ minExpected, else Fisher.
  const smallExpected = rowTotals.some((r) => colTotals.some((c) => c > 0 && (r * c) / total < rules.minExpected));
  const test = rules.categoricalTest === 'auto' ? (smallExpected ? 'fisher' : 'chisq') : rules.categoricalTest;
  return { test, p: nonNull((test === 'fisher' ? fisherExact(rowsUsed) : pearsonChiSquare(rowsUsed)).p) };
}

function buildTable1(spec: AnalysisSpec, sel: Selected): Table1 {
  const rules = spec.rules;
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
  const usedUnits = new Set<'patient' | 'lesion'>();
  let missingShown = false;
  for (const key of spec.table1Rows) {
    const variable = analysisVariable(key, rules);
    if (variable.key === spec.groupBy) continue;
    // Units: patient-level variables once per patient (per group), lesion-level per lesion.
    const perPatient = variable.level === 'patient' && spec.unit === 'lesion';
    const unitRows = (gi: number | null): { row: AnalysisRow; gi: number; i: number }[] => {
      const out: { row: AnalysisRow; gi: number; i: number }[] = [];
      const seen = new Set<string>();
      sel.rows.forEach((row, i) => {
        if (gi !== null && sel.group[i] !== gi) return;
        if (perPatient) {
          const k = `${row.patient}\u0000${gi === null ? '' : sel.group[i]}`;
          if (seen.has(k)) return;
          seen.add(k);
        }
        out.push({ row, gi: sel.group[i], i });
      });
      return out;
    };
    const unit = variable.level === 'patient' || spec.unit === 'patient' ? 'patient' : 'lesion';
    usedUnits.add(unit);
    const all = unitRows(null);
    const byGroup = sel.groups.map((_, gi) => unitRows(gi));
    if (variable.coding === 'numeric' || variable.table1 === 'continuous') {
      const vals = (list: { row: AnalysisRow }[]) => list.map((x) => variableValue(key, x.row, rules)).filter((v): v is number => typeof v === 'number');
      let p: number | null = null;
      let test: Table1['rows'][number]['test'] = null;
      if (nGroups >= 2) {
        const pairs = byGroup.flatMap((list, gi) => vals(list).map((v) => ({ v, gi })));
        if (pairs.length > 1 && new Set(pairs.map((x) => x.gi)).size > 1) {
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
    const count = (list: { row: AnalysisRow }[], value: string) => list.filter((x) => String(variableValue(key, x.row, rules)) === value).length;
    const known = (list: { row: AnalysisRow }[]) => list.filter((x) => variableValue(key, x.row, rules) !== null).length;
    const denominator = (list: { row: AnalysisRow }[]) => (rules.percentOf === 'known' ? known(list) : list.length);
    const perLesionLocation = key !== 'location' || rules.locationCounting !== 'regions';
    if (perLesionLocation) {
      const { p, test } = nGroups >= 2 ? categoricalTest(rules, levels.map((l) => byGroup.map((list) => count(list, l.value)))) : { p: null, test: null };
      const heading = key === 'location' ? `${variable.label} (per lesion), n (%)` : `${variable.label}, n (%)`;
      rows.push({ variable: key, label: heading, level: null, unit, total: '', byGroup: sel.groups.map(() => ''), p, test });
      for (const l of levels) {
        rows.push({
          variable: key, label: l.label, level: l.value, unit,
          total: nPct(count(all, l.value), denominator(all)),
          byGroup: byGroup.map((list) => nPct(count(list, l.value), denominator(list))),
          p: null, test: null,
        });
      }
      const missing = all.length - known(all);
      if (missing > 0) {
        missingShown = true;
        rows.push({ variable: key, label: 'missing', level: 'NA', unit, total: String(missing), byGroup: byGroup.map((list) => String(list.length - known(list))), p: null, test: null });
      }
    }
    if (key === 'location' && rules.locationCounting !== 'lesion') {
      // The reference study counts regions involved (a T12–L1 lesion counts as thoracic and lumbar),
      // so its counts add up to more than the lesions: percentages of the regions counted.
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
      rows.push({ variable: 'regionsInvolved', label: 'Regions involved, n (% of regions)', level: null, unit: 'region', total: '', byGroup: sel.groups.map(() => ''), p: null, test: null });
      for (const l of levels) {
        const cell = (m: Map<string, number>) => nPct(m.get(l.value) ?? 0, sum(m));
        rows.push({ variable: 'regionsInvolved', label: l.label, level: l.value, unit: 'region', total: cell(totalCounts), byGroup: groupCounts.map(cell), p: null, test: null });
      }
      notes.push(
        `Regions involved are counted per vertebral region, n = ${sum(totalCounts)}` +
          (nGroups > 1 ? ` (${sel.groups.map((g, gi) => `${g.label} ${sum(groupCounts[gi])}`).join(', ')})` : '') +
          `: a lesion spanning two regions counts in both, so the counts exceed the ${plural(sel.rows.length, 'lesion')}.`,
      );
      if (perLesionLocation) notes.push('Location per lesion counts each lesion once, in the region holding most of its levels.');
    }
  }
  // Denominators (issue 14): say what each percentage is of.
  const sizes = (unit: 'patient' | 'lesion') => {
    const idx = unit === 'patient' ? 'patients' : 'lesions';
    const totals = groups.map((g) => (spec.unit === 'patient' ? g.patients : g[idx]));
    return `${totals[0]} ${idx}` + (nGroups > 1 ? ` (${sel.groups.map((g, gi) => `${g.label} ${totals[gi + 1]}`).join(', ')})` : '');
  };
  const dens: string[] = [];
  if (usedUnits.has('patient')) dens.push(`patient characteristics are of ${sizes('patient')}`);
  if (usedUnits.has('lesion')) dens.push(`lesion characteristics are of ${sizes('lesion')}`);
  if (dens.length) {
    const of = rules.percentOf === 'known' ? ' with a known value' + (missingShown ? ' (missing values counted on their own row)' : '') : ' (missing values included in the denominator)';
    notes.unshift(`Percentages of ${dens.join('; ')}${of}.`);
  }
  return { groups, rows, notes };
}

export const FIRST_FAILURE_ROWS: readonly { key: 'local' | 'systemic' | 'both' | 'none'; label: string }[] = [
  { key: 'local', label: 'Local progression first' },
  { key: 'systemic', label: 'Systemic progression first' },
  { key: 'both', label: 'Local and systemic progression together' },
  { key: 'none', label: 'No progression' },
];

function firstFailureTable(sel: Selected, windowDays: number): CountTable {
  const unitWord = sel.spec.unit === 'lesion' ? 'lesion' : 'patient';
  const sets = [sel.rows.map((r) => r), ...(sel.groups.length > 1 ? sel.groups.map((_, gi) => sel.rows.filter((__, i) => sel.group[i] === gi)) : [])];
  const names = sel.groups.length > 1 ? ['Total', ...sel.groups.map((g) => g.label)] : ['Total'];
  const known = sets.map((set) => set.filter((r) => r.firstFailure !== null).length);
  const rows = FIRST_FAILURE_ROWS.map(({ key, label }) => {
    const counts = sets.map((set) => set.filter((r) => r.firstFailure === key).length);
    return { key, label, counts, cells: counts.map((n, k) => nPct(n, known[k])) };
  });
  const unknown = sets.map((set, k) => set.length - known[k]);
  const notes = [
    `First failure is the first progression event of each ${unitWord}: a ${unitWord} whose first failure was systemic may progress locally later. ` +
      `Local and systemic progression within ${windowDays} days count as together.`,
    `Percentages of ${sel.spec.unit === 'lesion' ? 'lesions' : 'patients'} in each column with a known first failure.`,
  ];
  if (unknown.some((u) => u > 0)) notes.push(`First failure unknown (missing dates): ${names.map((n, k) => `${n} ${unknown[k]}`).join(', ')}.`);
  return {
    title: 'Patterns of first failure',
    rowHeader: 'Pattern of first failure',
    columns: names.map((c, i) => `${c} (n = ${sets[i].length})`),
    rows,
    notes,
  };
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
  const line = (key: string, label: string, values: number[]) => {
    const counts = grades.map((g) => values.filter((x) => x === g).length);
    return { key, label, counts, cells: counts.map((n) => (n ? nPct(n, nPatients) : '0')) };
  };
  const rows = [...worst.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([term, byPatient]) => line(term, term, [...byPatient.values()]));
  const anyWorst = new Map<number, number>();
  for (const t of tox) anyWorst.set(t.patientId as number, Math.max(anyWorst.get(t.patientId as number) ?? 0, t.grade as number));
  rows.push(line('any', 'Any toxicity', [...anyWorst.values()]));
  return {
    title: 'Toxicity by CTCAE grade',
    rowHeader: 'CTCAE term',
    columns: grades.map((g) => `Grade ${g}`),
    rows,
    notes: [`Patients by worst CTCAE grade per term, n (%) of ${nPatients} patients in the analysis.`],
  };
}

/** Runs the analysis in one go (CLI, tests, export, the report). */
export function runStudyAnalysis(db: Database.Database, spec: AnalysisSpec, progress: AnalysisProgress, scope: AnalysisScope = {}): AnalysisResult {
  const stages = analysisStages(db, spec, progress, scope);
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
  const stages = analysisStages(db, spec, progress, {});
  for (;;) {
    const step = stages.next();
    if (step.done) return step.value;
    await new Promise((resolve) => setImmediate(resolve));
    progress.throwIfCancelled();
  }
}

/** The analysis as a generator: each `yield` is a point where the caller may pause or cancel. */
function* analysisStages(db: Database.Database, spec: AnalysisSpec, progress: AnalysisProgress, scope: AnalysisScope): Generator<void, AnalysisResult> {
  progress.progress(5, 'Building the analysis dataset');
  yield;
  const dataset = buildDataset(db, { unit: spec.unit });
  const fingerprint = datasetFingerprint(dataset);
  progress.throwIfCancelled();
  const rules = spec.rules;

  const groupVar = spec.groupBy ? analysisVariable(spec.groupBy, rules) : null;
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
    const g = groupVar ? variableValue(groupVar.key, row, rules) : null;
    if (groupVar && g === null) return bump(`${groupVar.label} missing`);
    picked.push({ row, detail: dataset.details[i], ep, g: g === null ? null : String(g) });
  });
  if (dataset.rows.length === 0) {
    throw new ApiError('INVALID_INPUT', 'The cohort has no treated lesions yet: import DICOM or a spreadsheet on the Import page, or add lesions on the Cohort page.');
  }
  const noRowsMessage = 'No rows left for this analysis: widen the filters or complete the endpoint dates in the cohort.';
  if (picked.length === 0 && !scope.allowEmpty) throw new ApiError('INVALID_INPUT', noRowsMessage);
  const groupValues: (string | null)[] = groupVar
    ? (groupVar.levels ?? []).map((l) => l.value).filter((v) => picked.some((p) => p.g === v))
    : [null];
  const groups = groupValues.map((v) => ({
    value: v,
    label: groupVar && v !== null ? (spec.groupLabels[v] ?? levelLabel(groupVar, v)) : 'All',
  }));
  const sel: Selected = {
    spec,
    rows: picked.map((p) => p.row),
    details: picked.map((p) => p.detail),
    time: Float64Array.from(picked, (p) => p.ep.time),
    status: Int32Array.from(picked, (p) => p.ep.status),
    group: Int32Array.from(picked, (p) => groupValues.indexOf(p.g)),
    groups,
  };
  const warnings: string[] = [...dataset.warnings];
  let headline: string | null = null;
  if (picked.length === 0) warnings.unshift((headline = noRowsMessage));
  // Grouping that leaves one group compares nothing: say so instead of showing one curve as if by group (issue 16).
  if (groupVar && groups.length === 1 && picked.length > 0) {
    const missing = excluded.get(`${groupVar.label} missing`) ?? 0;
    headline = `Every ${spec.unit} in this analysis has ${groupVar.label} = ${groups[0].label}${missing ? ` (${missing} more without a value were left out)` : ''}: there is only one group, so nothing is compared.`;
    warnings.unshift(headline);
  }
  const kind = spec.endpoint === 'localCif' ? 'cif' : 'km';
  const z = normalQuantile(1 - (1 - spec.confLevel) / 2);
  progress.progress(20, kind === 'km' ? 'Kaplan–Meier curves' : 'Cumulative incidence');
  yield;

  // Default axis: the whole follow-up range, rounded up to a regular break.
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
      const atTime = new Map<number, { event: number; competing: number; censored: number }>();
      for (let j = 0; j < time.length; j++) {
        const c = atTime.get(time[j]) ?? { event: 0, competing: 0, censored: 0 };
        if (status[j] === 1) c.event++;
        else if (status[j] === 0) c.censored++;
        else c.competing++;
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
          nCensor: atTime.get(t)?.censored ?? 0,
          // Deaths without local progression: competing events, not censorings (no censor mark).
          nCompeting: atTime.get(t)?.competing ?? 0,
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

  const univariate: UnivariateRow[] = [];
  let multivariable: AnalysisResult['multivariable'] = null;
  let multivariableNote: string | null = null;
  let table1: Table1 = { groups: [], rows: [], notes: [] };
  let firstFailure: CountTable = { title: 'Patterns of first failure', rowHeader: 'Pattern of first failure', columns: [], rows: [], notes: [] };
  let toxicity: CountTable = { title: 'Toxicity by CTCAE grade', rowHeader: 'CTCAE term', columns: [], rows: [], notes: [] };
  if (scope.sections !== 'curves') {
    progress.progress(55, 'Table 1');
    yield;
    table1 = buildTable1(spec, sel);
    progress.throwIfCancelled();

    progress.progress(65, 'Univariate Cox models');
    for (const [i, key] of spec.covariates.entries()) {
      yield;
      progress.progress(65 + (20 * i) / spec.covariates.length, `Univariate Cox models (${i + 1}/${spec.covariates.length})`);
      const variable = analysisVariable(key, rules);
      const { fit, error } = tryFit(spec, sel, [key]);
      univariate.push({ variable: key, label: variable.label, fit, error });
    }
    progress.throwIfCancelled();

    progress.progress(85, 'Multivariable Cox model');
    yield;
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
    firstFailure = firstFailureTable(sel, dataset.settings.firstFailureWindowDays);
    toxicity = toxicityTable(db, sel);
  }
  const fits = [...univariate.map((u) => u.fit), multivariable].filter((f): f is CoxFitResult => f !== null);
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
    coxMethods: {
      cox: fits.filter((f) => f.method === 'cox').length,
      firth: fits.filter((f) => f.method === 'firth').length,
      ties: [...new Set(fits.map((f) => f.ties))],
      robust: fits.some((f) => f.robust),
    },
    firstFailure,
    toxicity,
    warnings,
    headline,
    ranAt: new Date().toISOString(),
  };
  return result;
}

/** The endpoint's display name (for messages). */
export const endpointLabel = (spec: AnalysisSpec): string => ENDPOINT_LABELS[spec.endpoint];

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
