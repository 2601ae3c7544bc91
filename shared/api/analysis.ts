// Analysis methods: run a saved-able analysis specification on the open study's analysis dataset
// (electron/services/analysis/dataset.ts) and keep named specifications in the study.
// A specification re-runs identically: same spec + same dataset fingerprint → same numbers.
import { z } from 'zod';
import { defineMethod, returns, type MethodRecord } from './contract';

// ---------------------------------------------------------------- the specification

export const ENDPOINTS = ['local', 'os', 'systemic', 'localCif'] as const;
export type Endpoint = (typeof ENDPOINTS)[number];
export const ENDPOINT_LABELS: Record<Endpoint, string> = {
  local: 'Local progression-free',
  os: 'Overall survival',
  systemic: 'Systemic progression-free',
  localCif: 'Cumulative incidence of local progression (death competing)',
};

/**
 * Variables of the analysis dataset (rtcw dataset columns) usable for grouping, filtering and Cox
 * models. `coding` says how a Cox model enters it: binary 0/1 (`level` = the "1" level label),
 * numeric, or factor with the first level as reference.
 */
export interface AnalysisVariable {
  key: string;
  label: string;
  /** The dataset column it comes from. */
  column: string;
  coding: 'binary' | 'numeric' | 'factor';
  /** Levels in display order (binary: [reference, comparison]); numeric: none. */
  levels?: readonly { value: string; label: string }[];
  /** Row-level? patient-level variables are the same for every lesion of a patient. */
  level: 'patient' | 'lesion';
  /** How it is shown in Table 1. */
  table1?: 'categorical' | 'continuous';
  /** A note on the derivation, shown as a hint. */
  note?: string;
}

export const ANALYSIS_VARIABLES: readonly AnalysisVariable[] = [
  {
    key: 'concurrent', label: 'Targeted therapy', column: 'concurrent', coding: 'binary', level: 'lesion', table1: undefined,
    levels: [{ value: '0', label: 'Nonconcurrent/none' }, { value: '1', label: 'Concurrent' }],
    note: 'Concurrent = a targeted agent overlaps the RT course (study concurrency window).',
  },
  {
    key: 'targetedTiming', label: 'Targeted therapy timing', column: 'targetedTiming', coding: 'factor', level: 'lesion',
    levels: [
      { value: 'none', label: 'none' }, { value: 'before', label: 'before' },
      { value: 'concurrent', label: 'concurrent' }, { value: 'after', label: 'after' },
    ],
  },
  { key: 'ageAtRT', label: 'Age at RT (years)', column: 'ageAtRT', coding: 'numeric', level: 'patient', table1: 'continuous' },
  {
    key: 'sex', label: 'Sex', column: 'sex', coding: 'binary', level: 'patient', table1: 'categorical',
    levels: [{ value: 'M', label: 'male' }, { value: 'F', label: 'female' }],
  },
  {
    key: 'ecogGroup', label: 'ECOG PS', column: 'ecog', coding: 'binary', level: 'patient', table1: 'categorical',
    levels: [{ value: '0-1', label: '0–1' }, { value: '2-4', label: '2–4' }],
    note: 'ECOG 0–1 vs 2–4.',
  },
  {
    key: 'location', label: 'Location', column: 'location', coding: 'factor', level: 'lesion', table1: 'categorical',
    levels: [
      { value: 'cervical', label: 'cervical' }, { value: 'thoracic', label: 'thoracic' },
      { value: 'lumbar', label: 'lumbar' }, { value: 'sacral', label: 'sacral' },
    ],
    note: 'Counted per lesion (region holding most of its levels).',
  },
  {
    key: 'cordCompression', label: 'Cord compression', column: 'cordCompression', coding: 'binary', level: 'lesion', table1: 'categorical',
    levels: [{ value: '0', label: 'no' }, { value: '1', label: 'yes' }],
  },
  {
    key: 'sinsGroup', label: 'SINS group', column: 'sinsGroup', coding: 'factor', level: 'lesion', table1: 'categorical',
    levels: [{ value: '0-6', label: '0–6' }, { value: '7-12', label: '7–12' }, { value: '13-18', label: '13–18' }],
  },
  {
    key: 'sinsStable', label: 'SINS 7–18 vs 0–6', column: 'sinsGroup', coding: 'binary', level: 'lesion',
    levels: [{ value: '0-6', label: '0–6' }, { value: '7-18', label: '7–18' }],
    note: 'Potentially unstable (7–18) vs stable (0–6); used for Cox.',
  },
  {
    key: 'priorIrradiation', label: 'Prior irradiation', column: 'priorIrradiation', coding: 'binary', level: 'lesion', table1: 'categorical',
    levels: [{ value: '0', label: 'no' }, { value: '1', label: 'yes' }],
  },
  {
    key: 'sbrt', label: 'Dose scheme', column: 'sbrt', coding: 'binary', level: 'lesion', table1: 'categorical',
    levels: [{ value: '0', label: 'non-SBRT' }, { value: '1', label: 'SBRT' }],
  },
  { key: 'bedGy', label: 'BED (Gy)', column: 'bedGy', coding: 'numeric', level: 'lesion', table1: 'continuous' },
  {
    key: 'bedHigh', label: 'BED group (Gy)', column: 'bedGy', coding: 'binary', level: 'lesion', table1: 'categorical',
    levels: [{ value: 'low', label: '< 51.4' }, { value: 'high', label: '≥ 51.4' }],
    note: 'Split at 51.4 Gy (α/β 7: 24 Gy in 3 fractions), as in the reference study.',
  },
  {
    key: 'painResponse', label: 'Pain response', column: 'painResponse', coding: 'binary', level: 'lesion', table1: 'categorical',
    levels: [{ value: '0', label: 'no' }, { value: '1', label: 'yes' }],
    note: 'Pain score 1 month after RT lower than before.',
  },
];

export const DEFAULT_COX_COVARIATES = [
  'ecogGroup', 'concurrent', 'sinsStable', 'cordCompression', 'priorIrradiation', 'sbrt', 'bedHigh', 'painResponse',
] as const;

export const DEFAULT_TABLE1_ROWS = [
  'ageAtRT', 'sex', 'ecogGroup', 'location', 'cordCompression', 'sinsGroup', 'priorIrradiation', 'sbrt', 'bedGy', 'bedHigh', 'painResponse',
] as const;

const variableKey = z.string().min(1).max(64);

export const analysisFilterSchema = z.object({
  variable: variableKey,
  /** Keep rows whose value (as shown in levels, or a number) is one of `values` (numeric: compared with op). */
  op: z.enum(['in', 'notIn', 'lt', 'le', 'gt', 'ge']),
  values: z.array(z.union([z.string().max(64), z.number()])).min(1).max(50),
});
export type AnalysisFilter = z.infer<typeof analysisFilterSchema>;

export const analysisSpecSchema = z.object({
  endpoint: z.enum(ENDPOINTS).default('local'),
  unit: z.enum(['lesion', 'patient']).default('lesion'),
  /** A variable key (binary or factor) or null for the whole cohort. */
  groupBy: variableKey.nullable().default('concurrent'),
  filters: z.array(analysisFilterSchema).max(20).default([]),
  /** Landmark times in months (e.g. 12 = 1-year rate). */
  landmarks: z.array(z.number().positive().max(600)).max(10).default([12]),
  confType: z.enum(['log', 'log-log', 'plain']).default('log'),
  confLevel: z.number().min(0.5).max(0.999).default(0.95),
  /** Candidate covariates for the univariate Cox screen. */
  covariates: z.array(variableKey).max(30).default([...DEFAULT_COX_COVARIATES]),
  /** Multivariable model: univariate p below threshold, or the chosen list. */
  multivariable: z.enum(['threshold', 'chosen']).default('threshold'),
  threshold: z.number().gt(0).lt(1).default(0.05),
  chosenCovariates: z.array(variableKey).max(30).default([]),
  ties: z.enum(['efron', 'breslow']).default('efron'),
  /** Firth-penalised Cox (profile-likelihood CIs) instead of ordinary partial likelihood. */
  firth: z.boolean().default(false),
  /** Lesion unit: robust variance clustered on the patient. */
  cluster: z.boolean().default(true),
  table1Rows: z.array(variableKey).max(40).default([...DEFAULT_TABLE1_ROWS]),
  chart: z
    .object({
      ci: z.boolean().default(true),
      riskTable: z.enum(['none', 'basic', 'kmunicate']).default('basic'),
      /** Months; null = automatic. */
      xMax: z.number().positive().max(600).nullable().default(null),
      xStep: z.number().positive().max(120).nullable().default(null),
    })
    .default({ ci: true, riskTable: 'basic', xMax: null, xStep: null }),
});
export type AnalysisSpec = z.output<typeof analysisSpecSchema>;
export type AnalysisSpecInput = z.input<typeof analysisSpecSchema>;

// ---------------------------------------------------------------- results

export interface Interval {
  estimate: number | null;
  lower: number | null;
  upper: number | null;
}

/** One curve: Kaplan–Meier survival, or cumulative incidence of the event of interest. */
export interface CurveResult {
  /** Group value (as in the variable's levels) or null without grouping. */
  group: string | null;
  label: string;
  n: number;
  events: number;
  /** One row per distinct time (event or censoring), as R's summary(fit, censored=TRUE). */
  steps: {
    time: number;
    nRisk: number;
    nEvent: number;
    nCensor: number;
    estimate: number;
    lower: number | null;
    upper: number | null;
  }[];
  /** KM median with CI (null for cumulative incidence). */
  median: Interval | null;
}

export interface LandmarkRate {
  group: string | null;
  label: string;
  time: number;
  nRisk: number;
  estimate: number | null;
  lower: number | null;
  upper: number | null;
}

export interface RiskTable {
  times: number[];
  rows: { group: string | null; label: string; atRisk: number[]; events: number[]; censored: number[] }[];
}

export interface GroupTest {
  kind: 'logrank' | 'gray';
  chisq: number;
  df: number;
  p: number;
}

export interface CoxTerm {
  /** Variable key (factor levels: key=level). */
  term: string;
  label: string;
  hr: number | null;
  lower: number | null;
  upper: number | null;
  p: number | null;
  coef: number | null;
  se: number | null;
  robustSe: number | null;
}

export interface CoxFit {
  n: number;
  events: number;
  terms: CoxTerm[];
  method: 'cox' | 'firth';
  robust: boolean;
  /** Events per variable (model degrees of freedom). */
  epv: number;
  warnings: string[];
  /** Proportional-hazards test (cox.zph, km transform): per term and global. */
  ph: { terms: { term: string; chisq: number; df: number; p: number }[]; global: { chisq: number; df: number; p: number } } | null;
  /** Likelihood-ratio test of the whole model. */
  likelihoodRatio: { chisq: number; df: number; p: number } | null;
}

export interface UnivariateRow {
  variable: string;
  label: string;
  fit: CoxFit | null;
  /** Why no fit (e.g. a single level left after filters). */
  error: string | null;
}

export interface Table1 {
  groups: { value: string | null; label: string; patients: number; lesions: number }[];
  rows: {
    variable: string;
    label: string;
    /** null for the variable's heading/continuous row. */
    level: string | null;
    unit: 'patient' | 'lesion';
    total: string;
    byGroup: string[];
    p: number | null;
    test: 'fisher' | 'chisq' | 'wilcoxon' | 'kruskal' | null;
  }[];
  notes: string[];
}

export interface CountTable {
  columns: string[];
  rows: { label: string; cells: string[] }[];
  notes: string[];
}

export interface AnalysisResult {
  spec: AnalysisSpec;
  /** sha256 of the canonical spec JSON. */
  specHash: string;
  datasetFingerprint: string;
  timeUnit: 'months';
  unit: 'lesion' | 'patient';
  /** Rows in the analysis after filters and dropping missing values. */
  n: number;
  events: number;
  excluded: { reason: string; count: number }[];
  kind: 'km' | 'cif';
  curves: CurveResult[];
  test: GroupTest | null;
  /** Cox HR of the grouping variable (two groups: comparison vs reference). */
  hazardRatio: (CoxTerm & { method: 'cox' | 'firth'; robust: boolean }) | null;
  landmarks: LandmarkRate[];
  riskTable: RiskTable;
  followUp: { reverseKm: Interval; observed: { median: number | null; min: number | null; max: number | null } };
  table1: Table1;
  univariate: UnivariateRow[];
  multivariable: (CoxFit & { covariates: string[] }) | null;
  multivariableNote: string | null;
  firstFailure: CountTable;
  toxicity: CountTable;
  warnings: string[];
  ranAt: string;
}

export interface SavedAnalysis {
  id: number;
  name: string;
  spec: AnalysisSpec;
  specHash: string;
  /** Fingerprint of the dataset the last run used (null if never run). */
  datasetFingerprint: string | null;
  lastRunAt: string | null;
  updatedAt: string;
}

// ---------------------------------------------------------------- methods

export const analysisMethods = {
  /** Runs one specification on the open study (long: big cohorts report progress and can be cancelled). */
  runAnalysis: defineMethod({
    input: z.object({ spec: analysisSpecSchema, savedId: z.number().int().positive().optional() }),
    result: returns<AnalysisResult>(),
    long: true,
  }),
  listSavedAnalyses: defineMethod({ input: z.object({}), result: returns<SavedAnalysis[]>() }),
  /** Saves (or replaces, by name) a named specification. */
  saveAnalysis: defineMethod({
    input: z.object({ name: z.string().trim().min(1).max(120), spec: analysisSpecSchema }),
    result: returns<SavedAnalysis>(),
  }),
  deleteSavedAnalysis: defineMethod({
    input: z.object({ id: z.number().int().positive() }),
    result: returns<SavedAnalysis[]>(),
  }),
} satisfies MethodRecord;

/**
 * A filter in words ("Targeted therapy is Concurrent", "SINS ≥ 7"), as the Analysis page shows
 * active filters and the methods paragraph and figure metadata cite them — one wording everywhere.
 */
export function describeFilter(filter: AnalysisFilter): string {
  const variable = ANALYSIS_VARIABLES.find((v) => v.key === filter.variable);
  const name = variable?.label ?? filter.variable;
  const level = (value: string | number) => variable?.levels?.find((l) => l.value === String(value))?.label ?? String(value);
  const values = filter.values.map(level).join(' or ');
  const words: Record<AnalysisFilter['op'], string> = { in: 'is', notIn: 'is not', lt: '<', le: '≤', gt: '>', ge: '≥' };
  return `${name} ${words[filter.op]} ${values}`;
}
