// The study report's shape (electron/services/analysis/report.ts builds it from the one analysis
// pipeline, electron/services/analysis/studyAnalysis.ts; the API, renderer and export read it).
// Every number in it is a field of an AnalysisResult for the report's spec (or the same spec with
// another endpoint), copied, never recomputed: report.json and the Analysis page agree by construction.
// JSON-able: numbers, strings, null, arrays, plain objects.
import type { AnalysisResult, AnalysisSpec, CountTable, Endpoint, Table1 } from '../api/analysis';
import type { DisplayFormat } from './displayFormat';

/** The curves of one endpoint: the pipeline's result fields for {...spec, endpoint}. */
export type ReportCurves = Pick<AnalysisResult, 'kind' | 'n' | 'events' | 'excluded' | 'curves' | 'test' | 'hazardRatio' | 'landmarks' | 'riskTable'> & {
  endpoint: Endpoint;
  label: string;
  specHash: string;
};

/** The Cox section: the pipeline's models for the report's spec. */
export type ReportCox = Pick<AnalysisResult, 'univariate' | 'multivariable' | 'multivariableNote' | 'coxMethods'> & { endpoint: Endpoint };

export interface StudyReport {
  kind: 'rtcw-study-report';
  version: 2;
  title: string;
  synthetic: boolean;
  /** The analysis specification every number was computed from (cut-offs and rules included). */
  spec: AnalysisSpec;
  specHash: string;
  datasetFingerprint: string;
  unit: 'lesion' | 'patient';
  /** The statistical-methods paragraph for this spec. */
  methods: string;
  counts: { patients: number; lesions: number };
  groups: Table1['groups'];
  table1: Table1;
  /** Kaplan–Meier of local progression-free, overall and systemic progression-free survival. */
  survival: ReportCurves[];
  /** Cumulative incidence of local progression, death competing (Aalen–Johansen, Gray's test). */
  cumulativeIncidence: ReportCurves;
  cox: ReportCox;
  firstFailure: CountTable;
  toxicity: CountTable;
  followUp: AnalysisResult['followUp'];
  warnings: string[];
  /** The study's date/number setting (shared/domain/displayFormat.ts) for the tables written from it. */
  displayFormat: DisplayFormat;
}
