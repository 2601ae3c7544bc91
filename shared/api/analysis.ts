// Analysis methods: run a saved-able analysis specification on the open study's analysis dataset
// (electron/services/analysis/dataset.ts) and keep named specifications in the study.
// A specification re-runs identically: same spec + same dataset fingerprint → same numbers.
import { z } from 'zod';
import { DEFAULT_P_STYLE } from '../charts/journalStyle';
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
/** The y-axis name of each endpoint's figure (the figure adds "(%)"). */
export const ENDPOINT_AXIS_LABELS: Record<Endpoint, string> = {
  local: 'Local progression-free survival',
  os: 'Overall survival',
  systemic: 'Systemic progression-free survival',
  localCif: 'Cumulative incidence of local progression',
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
    note: 'ECOG below the cut-off vs at or above it (rules.ecogHighFrom, default 2: 0–1 vs 2–4).',
  },
  {
    key: 'location', label: 'Location', column: 'location', coding: 'factor', level: 'lesion', table1: 'categorical',
    levels: [
      { value: 'cervical', label: 'cervical' }, { value: 'thoracic', label: 'thoracic' },
      { value: 'lumbar', label: 'lumbar' }, { value: 'sacral', label: 'sacral' },
    ],
    note: 'Counted per lesion (region holding most of its levels); Table 1 can also count the regions involved (rules.locationCounting).',
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
    key: 'sinsStable', label: 'SINS group', column: 'sins', coding: 'binary', level: 'lesion',
    levels: [{ value: '0-6', label: '0–6' }, { value: '7-18', label: '7–18' }],
    note: 'Stable vs potentially unstable, split at rules.sinsUnstableFrom (default 7: 0–6 vs 7–18); used for Cox.',
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
    note: 'Split at rules.bedCutoffGy (default 51.4 Gy, α/β 7: 24 Gy in 3 fractions, as in the reference study).',
  },
  {
    key: 'painResponse', label: 'Pain response', column: 'painResponse', coding: 'binary', level: 'lesion', table1: 'categorical',
    levels: [{ value: '0', label: 'no' }, { value: '1', label: 'yes' }],
    note: 'Pain score 1 month after RT lower than before.',
  },
];

/**
 * The cut-offs and selection rules of an analysis (part of the spec, so they are saved, hashed,
 * stated in the methods paragraph and written into reproduce.R): never constants in a formatter.
 */
export const analysisRulesSchema = z.object({
  /** ECOG at or above this is the "high" group (default 2: 0–1 vs 2–4). */
  ecogHighFrom: z.number().int().min(1).max(4).default(2),
  /** SINS at or above this is "potentially unstable" (default 7: 0–6 vs 7–18). */
  sinsUnstableFrom: z.number().int().min(1).max(18).default(7),
  /** BED (Gy) at or above this is the high-dose group (default 51.4, the reference study's median). */
  bedCutoffGy: z.number().positive().max(1000).default(51.4),
  /** Table 1 percentages: of the rows with a known value (missing shown apart) or of all rows. */
  percentOf: z.enum(['known', 'all']).default('known'),
  /** Table 1 categorical test: Fisher when an expected count is below minExpected ('auto', as gtsummary), or always one. */
  categoricalTest: z.enum(['auto', 'fisher', 'chisq']).default('auto'),
  minExpected: z.number().positive().max(100).default(5),
  /**
   * Table 1 location row: per lesion (the region holding most of its levels), per region involved
   * (a T12–L1 lesion counts as thoracic and lumbar; % of regions, as the reference study), or both.
   */
  locationCounting: z.enum(['lesion', 'regions', 'both']).default('both'),
});
export type AnalysisRules = z.output<typeof analysisRulesSchema>;
export const DEFAULT_RULES: AnalysisRules = analysisRulesSchema.parse({});

const numberText = (x: number) => String(Number(x.toFixed(2)));

/** Level labels that depend on the spec's cut-offs (BED, SINS, ECOG groups). */
export function variableLevels(variable: AnalysisVariable, rules: AnalysisRules): readonly { value: string; label: string }[] | undefined {
  switch (variable.key) {
    case 'bedHigh':
      return [{ value: 'low', label: `< ${numberText(rules.bedCutoffGy)}` }, { value: 'high', label: `≥ ${numberText(rules.bedCutoffGy)}` }];
    case 'sinsStable':
      return [{ value: '0-6', label: `0–${rules.sinsUnstableFrom - 1}` }, { value: '7-18', label: `${rules.sinsUnstableFrom}–18` }];
    case 'ecogGroup':
      return [
        { value: '0-1', label: rules.ecogHighFrom === 1 ? '0' : `0–${rules.ecogHighFrom - 1}` },
        { value: '2-4', label: rules.ecogHighFrom === 4 ? '4' : `${rules.ecogHighFrom}–4` },
      ];
    default:
      return variable.levels;
  }
}

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
  /**
   * Firth-penalised Cox (coxphf: Breslow ties, no clustering, profile-likelihood CIs): 'auto' fits it
   * for the models whose ordinary likelihood is monotone (a coefficient diverges), 'always' for every
   * model, 'never' not at all. true/false (older saved specs) mean 'always'/'never'.
   */
  firth: z
    .union([z.boolean(), z.enum(['auto', 'always', 'never'])])
    .default('auto')
    .transform((v): 'auto' | 'always' | 'never' => (v === true ? 'always' : v === false ? 'never' : v)),
  /** Lesion unit: robust variance clustered on the patient. */
  cluster: z.boolean().default(true),
  table1Rows: z.array(variableKey).max(40).default([...DEFAULT_TABLE1_ROWS]),
  rules: analysisRulesSchema.default(DEFAULT_RULES),
  /** Display names of the grouping variable's values (e.g. {"0": "No concurrent TT"}), overriding the study's labels. */
  groupLabels: z.record(z.string().max(64), z.string().trim().min(1).max(80)).default({}),
  /** How numbers are printed on screen, in figures and in every export format. */
  format: z
    .object({
      pStyle: z.enum(['ama', 'nejm', 'lancet', 'exact']).default(DEFAULT_P_STYLE),
      decimals: z.number().int().min(1).max(4).default(2),
      /** Cox tables: also β, SE and (clustered fits) robust SE. */
      showCoefficients: z.boolean().default(false),
    })
    .default({ pStyle: DEFAULT_P_STYLE, decimals: 2, showCoefficients: false }),
  chart: z
    .object({
      ci: z.boolean().default(true),
      riskTable: z.enum(['none', 'basic', 'kmunicate']).default('basic'),
      /** Months; null = automatic (the follow-up range). */
      xMax: z.number().positive().max(600).nullable().default(null),
      xStep: z.number().positive().max(120).nullable().default(null),
      /** Where the test/HR block goes: 'auto' = a corner free of curves, bands and censor marks, else below the plot. */
      annotation: z.enum(['auto', 'top-right', 'top-left', 'bottom-right', 'bottom-left', 'below', 'none']).default('auto'),
      /** A dashed line at 50% down to each group's median. */
      medianLine: z.boolean().default(false),
    })
    .default({ ci: true, riskTable: 'basic', xMax: null, xStep: null, annotation: 'auto', medianLine: false }),
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
    /** Cumulative incidence only: competing events (death without local progression) at this time. */
    nCompeting?: number;
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
  /** What is counted: "lesions" or "patients" (the figure's risk table says so). */
  unit: 'lesions' | 'patients';
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
  /** Model column (factor levels: key=level). */
  term: string;
  /** The analysis variable the term belongs to, and the level it contrasts with the reference (null: numeric). */
  variable: string;
  level: string | null;
  /** e.g. "ECOG PS: 2–4 vs 0–1". */
  label: string;
  /** e.g. "2–4 vs 0–1" ("per 1-unit increase" for numeric covariates). */
  contrast: string;
  hr: number | null;
  lower: number | null;
  upper: number | null;
  p: number | null;
  coef: number | null;
  se: number | null;
  robustSe: number | null;
}

export interface ChiSquareResult {
  chisq: number;
  df: number;
  p: number;
}

/** Events and rows per level of a categorical covariate among the model's complete cases. */
export interface CoxLevelCount {
  variable: string;
  label: string;
  levels: { value: string; label: string; n: number; events: number; reference: boolean; term: string | null }[];
}

export interface CoxFit {
  n: number;
  events: number;
  terms: CoxTerm[];
  method: 'cox' | 'firth';
  /** Ties actually used (Firth fits use Breslow, as coxphf). */
  ties: 'efron' | 'breslow';
  robust: boolean;
  /** Events per variable (model degrees of freedom). */
  epv: number;
  warnings: string[];
  /** Proportional-hazards test (cox.zph, km transform): per term and global. */
  ph: { terms: { term: string; chisq: number; df: number; p: number }[]; global: { chisq: number; df: number; p: number } } | null;
  /** Likelihood-ratio test of the whole model (Firth: penalised LR). */
  likelihoodRatio: ChiSquareResult | null;
  /** Wald (robust when clustered) and score tests of the whole model; null for Firth fits / monotone likelihood. */
  wald: ChiSquareResult | null;
  score: ChiSquareResult | null;
  /** Harrell's concordance of the linear predictor (as coxph's fit$concordance); null for Firth fits. */
  concordance: number | null;
  levels: CoxLevelCount[];
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
    unit: 'patient' | 'lesion' | 'region';
    total: string;
    byGroup: string[];
    p: number | null;
    test: 'fisher' | 'chisq' | 'wilcoxon' | 'kruskal' | null;
  }[];
  /** Denominators, tests and counting rules (printed as footnotes). */
  notes: string[];
}

export interface CountTable {
  title: string;
  /** Heading of the first column, e.g. "Pattern of first failure". */
  rowHeader: string;
  columns: string[];
  rows: { key: string; label: string; cells: string[]; counts: number[] }[];
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
  /** What the Cox models actually used, so the controls can show it (Firth: Breslow, no clustering). */
  coxMethods: { cox: number; firth: number; ties: ('efron' | 'breslow')[]; robust: boolean };
  firstFailure: CountTable;
  toxicity: CountTable;
  warnings: string[];
  /**
   * The one note that changes how the whole result reads — no rows, or only one group so nothing is
   * compared (issue 16) — shown above the figure as well as among the warnings.
   */
  headline: string | null;
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
