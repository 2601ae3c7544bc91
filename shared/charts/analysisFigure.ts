// The study figures of an analysis result (shared/api/analysis AnalysisResult): the KM or cumulative
// incidence plot of the chosen endpoint and the forest plot of the Cox models — the same builders the
// UI uses on screen and export uses for files.
import type { AnalysisResult, CoxTerm, CurveResult } from '../api/analysis';
import { forestPlot, type ForestRow } from './forestPlot';
import { kaplanMeierChart, type RiskTableStyle, type SurvivalSteps } from './kaplanMeierChart';
import type { ChartFigure, FigureContext } from './stepCurveFigure';

export const ENDPOINT_LABELS: Record<AnalysisResult['spec']['endpoint'], string> = {
  local: 'Local control',
  os: 'Overall survival',
  systemic: 'Systemic progression-free survival',
  localCif: 'Cumulative incidence of local progression',
};

export const TIME_LABEL = 'Months since start of radiotherapy';

/**
 * Steps of an analysis curve as a survival step function. Cumulative-incidence curves are stored as
 * 1 − F (limits swapped) so the 'cumulative' display turns them back into F exactly.
 */
export function stepsFromCurveRows(curve: CurveResult, cumulative: boolean): SurvivalSteps {
  const num = (v: number | null) => (v === null ? NaN : v);
  const steps = curve.steps;
  return {
    n: curve.n,
    time: steps.map((s) => s.time),
    nRisk: steps.map((s) => s.nRisk),
    nEvent: steps.map((s) => s.nEvent),
    nCensor: steps.map((s) => s.nCensor),
    surv: steps.map((s) => (cumulative ? 1 - s.estimate : s.estimate)),
    lower: steps.map((s) => (cumulative ? 1 - num(s.upper) : num(s.lower))),
    upper: steps.map((s) => (cumulative ? 1 - num(s.lower) : num(s.upper))),
  };
}

export interface AnalysisFigureOptions {
  ci?: boolean;
  riskTable?: RiskTableStyle;
  xMax?: number | null;
  xStep?: number | null;
}

/** KM (or cumulative incidence) figure of an analysis result. */
export function analysisSurvivalFigure(result: AnalysisResult, ctx: FigureContext, options: AnalysisFigureOptions = {}): ChartFigure {
  const cumulative = result.kind === 'cif';
  const chart = { ...result.spec.chart, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) };
  const test = result.test ? { name: result.test.kind === 'gray' ? "Gray's test" : 'Log-rank', p: result.test.p } : null;
  const hr = result.hazardRatio;
  return kaplanMeierChart(
    {
      curves: result.curves.map((c) => ({ label: c.label, curve: stepsFromCurveRows(c, cumulative) })),
      endpoint: ENDPOINT_LABELS[result.spec.endpoint],
      display: cumulative ? 'cumulative' : 'survival',
      timeLabel: TIME_LABEL,
      xMax: chart.xMax ?? undefined,
      xStep: chart.xStep ?? undefined,
      riskTable: chart.riskTable,
      ci: chart.ci,
      test,
      hazardRatio:
        hr && hr.hr !== null && hr.lower !== null && hr.upper !== null
          ? {
              hr: hr.hr,
              lower: hr.lower,
              upper: hr.upper,
              confLevel: result.spec.confLevel,
              // The HR is of the second group vs the first (reference), as coxph with a 0/1 group.
              comparison: result.curves.length === 2 ? `${result.curves[1].label} vs ${result.curves[0].label}` : undefined,
            }
          : null,
    },
    ctx,
  );
}

/** Forest-plot rows of Cox terms grouped by variable: factor levels under a heading. */
export function forestRowsFromTerms(terms: readonly CoxTerm[], headings: Record<string, string> = {}): ForestRow[] {
  const rows: ForestRow[] = [];
  const seen = new Set<string>();
  for (const t of terms) {
    const eq = t.term.indexOf('=');
    if (eq > 0) {
      const variable = t.term.slice(0, eq);
      if (!seen.has(variable)) {
        seen.add(variable);
        rows.push({ label: headings[variable] ?? variable, heading: true });
      }
      rows.push({ label: t.label, indent: true, hr: t.hr, lower: t.lower, upper: t.upper, p: t.p });
    } else {
      rows.push({ label: t.label, hr: t.hr, lower: t.lower, upper: t.upper, p: t.p });
    }
  }
  return rows;
}

/** Forest plot of the multivariable model (or, without one, of every univariable estimate). */
export function analysisForestFigure(result: AnalysisResult, ctx: FigureContext, model: 'multivariable' | 'univariate' = 'multivariable'): ChartFigure {
  const terms =
    model === 'multivariable' && result.multivariable
      ? result.multivariable.terms
      : result.univariate.flatMap((u) => (u.fit ? u.fit.terms : []));
  const headings = Object.fromEntries(result.univariate.map((u) => [u.variable, u.label]));
  return forestPlot({ rows: forestRowsFromTerms(terms, headings) }, ctx);
}
