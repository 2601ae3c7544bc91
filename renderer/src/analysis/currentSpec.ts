// The analysis specification last shown on the Analysis page, so Export can offer "the current
// analysis" without saving it first. Kept in memory only (per window) and per study: opening
// another study starts from the defaults, never from the last study's grouping or filters.
import { analysisSpecSchema, type AnalysisSpec } from '../../../shared/api/analysis';

/** The specification a new analysis starts from (the schema's defaults: LPF by concurrent therapy). */
export const DEFAULT_SPEC: AnalysisSpec = analysisSpecSchema.parse({});

let current: { studyPath: string; spec: AnalysisSpec } | null = null;

export function setCurrentSpec(spec: AnalysisSpec, studyPath: string | undefined): void {
  current = studyPath ? { studyPath, spec } : null;
}

export function currentSpec(studyPath: string | undefined): AnalysisSpec | null {
  return current && studyPath && current.studyPath === studyPath ? current.spec : null;
}
