// The notes of an analysis's Cox models — what the Analysis page's "Model diagnostics" shows beside
// the Cox table (renderer/src/analysis/ResultTables.tsx) and what the study report lists
// (electron/services/analysis/report.ts): one list, so the two say the same thing (issue 13).
import type { AnalysisResult, CoxFit } from '../api/analysis';

export interface CoxModelNote {
  /** The model's name as the diagnostics table shows it (the variable's label, or "Multivariable model"). */
  model: string;
  /** 'refused': the model could not be fitted (the text is the reason); 'warning': a note on a fitted model. */
  kind: 'refused' | 'warning';
  text: string;
}

/** The univariable models, then the multivariable one, with the name the diagnostics table uses. */
export function coxModelsOf(result: Pick<AnalysisResult, 'univariate' | 'multivariable'>): Array<{ name: string; fit: CoxFit | null; error: string | null }> {
  return [
    ...result.univariate.map((u) => ({ name: u.label, fit: u.fit, error: u.error })),
    ...(result.multivariable ? [{ name: 'Multivariable model', fit: result.multivariable as CoxFit, error: null }] : []),
  ];
}

/**
 * Every model's refusal and notes (monotone likelihood, aliased terms, events per variable, Firth's
 * profile-limit notes …). The proportional-hazards notes are left out: the diagnostics table shows the
 * PH test in its own column.
 */
export function coxModelNotes(result: Pick<AnalysisResult, 'univariate' | 'multivariable'>): CoxModelNote[] {
  const notes: CoxModelNote[] = [];
  for (const m of coxModelsOf(result)) {
    if (!m.fit) {
      if (m.error) notes.push({ model: m.name, kind: 'refused', text: m.error });
      continue;
    }
    for (const w of m.fit.warnings) if (!w.startsWith('Proportional')) notes.push({ model: m.name, kind: 'warning', text: w });
  }
  return notes;
}

/** One line per note, naming its model: "<model>: not estimable: <reason>" or "<model>: <note>". */
export function coxModelNoteLines(result: Pick<AnalysisResult, 'univariate' | 'multivariable'>): string[] {
  return coxModelNotes(result).map((n) => `${n.model}: ${n.kind === 'refused' ? 'not estimable: ' : ''}${n.text}`);
}
