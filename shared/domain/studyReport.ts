// The study report's shape (electron/services/analysis/report.ts builds it; the API, renderer and
// export read it). JSON-able: numbers, strings, null, arrays, plain objects.
import type { CoxTermRow } from '../stats/coxModel';

export type ReportEndpoint = 'local' | 'os' | 'systemic';

/** Dataset columns that can define the report's groups. */
export const REPORT_GROUP_COLUMNS = ['concurrent', 'targetedTiming', 'sbrt', 'sex', 'cordCompression', 'sinsGroup', 'location', 'painResponse', 'priorIrradiation'] as const;
export type ReportGroupColumn = (typeof REPORT_GROUP_COLUMNS)[number];

export interface ReportOptions {
  endpoint?: ReportEndpoint;
  group?: ReportGroupColumn;
  unit?: 'lesion' | 'patient';
  /** Univariate p below which a factor enters the multivariable model (default 0.05). */
  pThreshold?: number;
  /** Landmark times in months (default 12 and 24). */
  landmarks?: number[];
  /** Firth fits: 'auto' (monotone likelihood or < 10 events per variable), 'always', 'never'. */
  firth?: 'auto' | 'always' | 'never';
}

export interface ReportGroup {
  value: string;
  label: string;
  patients: number;
  lesions: number;
}

export interface Table1Row {
  section: 'patient' | 'lesion';
  characteristic: string;
  /** Category for n (%) rows; null for a median (range) row. */
  level: string | null;
  total: string;
  groups: string[];
  /** On the first row of a characteristic only. */
  p: number | null;
  test: string | null;
  note?: string;
}

export interface CoxFactorResult {
  factor: string;
  label: string;
  n: number;
  events: number;
  terms: CoxTermRow[];
  firth?: { term: string; hr: number; lower: number | null; upper: number | null; p: number | null }[];
  warnings: string[];
}

export interface SurvivalResult {
  endpoint: ReportEndpoint;
  label: string;
  groups: Array<{
    group: string | null;
    label: string;
    n: number;
    events: number;
    median: { estimate: number | null; lower: number | null; upper: number | null };
    landmarks: Array<{ time: number; nRisk: number; surv: number; lower: number | null; upper: number | null }>;
    /** Curve rows (as summary(fit, censored = TRUE)) for figures. */
    table: Array<{ time: number; nRisk: number; nEvent: number; nCensor: number; surv: number; lower: number | null; upper: number | null }>;
  }>;
  logRank: { chisq: number; df: number; p: number } | null;
}

export interface StudyReport {
  kind: 'rtcw-study-report';
  version: 1;
  title: string;
  synthetic: boolean;
  unit: 'lesion' | 'patient';
  endpoint: ReportEndpoint;
  groupColumn: ReportGroupColumn;
  datasetFingerprint: string;
  methods: string[];
  groups: ReportGroup[];
  counts: { patients: number; lesions: number };
  table1: Table1Row[];
  cox: {
    endpoint: ReportEndpoint;
    clustered: boolean;
    pThreshold: number;
    univariate: CoxFactorResult[];
    multivariable: (CoxFactorResult & { factors: string[] }) | null;
  };
  firstFailure: { windowDays: number; rows: Array<{ pattern: string; total: string; groups: string[]; counts: number[] }> };
  toxicity: { patients: number; rows: Array<{ term: string; grades: number[]; patients: number; percent: number }>; anyGrade2OrMore: number };
  survival: SurvivalResult[];
  cumulativeIncidence: {
    cause: 'local progression';
    competing: 'death';
    groups: Array<{
      group: string;
      label: string;
      at: Array<{ time: number; estimate: number | null; variance: number | null }>;
      /** The Aalen–Johansen curve of local progression (jump times, estimate, variance), for the figure. */
      curve: { time: number[]; estimate: number[]; variance: number[]; maxTime: number | null };
      /** Counts at each distinct time (as the KM table), for the figure's numbers at risk. */
      table: Array<{ time: number; nEvent: number; nCompeting: number; nCensor: number }>;
    }>;
    gray: { stat: number; df: number; p: number } | null;
  };
  followUp: { reverseKm: { estimate: number | null; lower: number | null; upper: number | null }; observed: { median: number | null; min: number | null; max: number | null } };
  warnings: string[];
}

// ---------------- formatting
