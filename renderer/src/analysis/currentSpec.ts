// The analysis specification last shown on the Analysis page, so Export can offer "the current
// analysis" without saving it first. Kept in memory only (per window).
import { analysisSpecSchema, type AnalysisSpec } from '../../../shared/api/analysis';

/** The specification a new analysis starts from (the schema's defaults: LPF by concurrent therapy). */
export const DEFAULT_SPEC: AnalysisSpec = analysisSpecSchema.parse({});

let current: AnalysisSpec | null = null;

export function setCurrentSpec(spec: AnalysisSpec): void {
  current = spec;
}

export function currentSpec(): AnalysisSpec | null {
  return current;
}
