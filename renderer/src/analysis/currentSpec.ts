// The analysis specification last shown on the Analysis page, so Export can offer "the current
// analysis" without saving it first. Kept in memory only (per window).
import type { AnalysisSpec } from '../../../shared/api/analysis';

let current: AnalysisSpec | null = null;

export function setCurrentSpec(spec: AnalysisSpec): void {
  current = spec;
}

export function currentSpec(): AnalysisSpec | null {
  return current;
}
