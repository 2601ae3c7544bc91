// The study figures of an analysis result (shared/api/analysis AnalysisResult): the KM or cumulative
// incidence plot of the chosen endpoint and the forest plot of the Cox models — the same builders the
// UI uses on screen, export uses for files and the report uses for its figures.
import { ENDPOINT_AXIS_LABELS, type AnalysisResult, type CurveResult } from '../api/analysis';
import { forestPlot, type ForestRow } from './forestPlot';
import { kaplanMeierChart, type RiskTableStyle, type SurvivalSteps } from './kaplanMeierChart';
import type { AnnotationPosition, ChartFigure, FigureContext } from './stepCurveFigure';

/** @deprecated name kept for callers: the y-axis names of the endpoints. */
export const ENDPOINT_LABELS = ENDPOINT_AXIS_LABELS;

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
    ...(cumulative ? { nCompeting: steps.map((s) => s.nCompeting ?? 0) } : {}),
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
  annotation?: AnnotationPosition;
  medianLine?: boolean;
}

/** What the survival figure needs of a result (the report's curve sections have exactly this). */
export type SurvivalFigureSource = Pick<AnalysisResult, 'spec' | 'kind' | 'curves' | 'test' | 'hazardRatio'>;

/** KM (or cumulative incidence) figure of an analysis result. */
export function analysisSurvivalFigure(result: SurvivalFigureSource, ctx: FigureContext, options: AnalysisFigureOptions = {}): ChartFigure {
  const cumulative = result.kind === 'cif';
  const chart = { ...result.spec.chart, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as AnalysisResult['spec']['chart'];
  const test = result.test ? { name: result.test.kind === 'gray' ? "Gray's test" : 'Log-rank', p: result.test.p } : null;
  const hr = result.hazardRatio;
  return kaplanMeierChart(
    {
      curves: result.curves.map((c) => ({ label: c.label, curve: stepsFromCurveRows(c, cumulative) })),
      endpoint: ENDPOINT_AXIS_LABELS[result.spec.endpoint],
      display: cumulative ? 'cumulative' : 'survival',
      timeLabel: TIME_LABEL,
      xMax: chart.xMax ?? undefined,
      xStep: chart.xStep ?? undefined,
      riskTable: chart.riskTable,
      riskTableUnit: result.spec.unit === 'lesion' ? 'lesions' : 'patients',
      ci: chart.ci,
      annotation: chart.annotation,
      medianLine: chart.medianLine,
      test,
      hazardRatio:
        hr && hr.hr !== null && hr.lower !== null && hr.upper !== null
          ? {
              hr: hr.hr,
              lower: hr.lower,
              upper: hr.upper,
              label: hr.method === 'firth' ? 'HR (Firth)' : cumulative ? 'Cause-specific HR' : 'HR',
              confLevel: result.spec.confLevel,
              // The HR is of the second group vs the first (reference), as coxph with a 0/1 group.
              comparison: result.curves.length === 2 ? `${result.curves[1].label} vs ${result.curves[0].label}` : undefined,
            }
          : null,
    },
    ctx,
  );
}

/** What the forest plot needs of a result (the report's Cox section has exactly this). */
export type ForestFigureSource = Pick<AnalysisResult, 'spec' | 'univariate' | 'multivariable'>;

/**
 * Forest-plot rows of a model: categorical variables as a heading, the reference level
 * ("Reference") and one row per contrast; numeric covariates one row "per unit". The estimates are
 * the model's terms as fitted (Firth terms when Firth was used), the same numbers as the table.
 */
export function forestRowsOf(result: ForestFigureSource, model: 'multivariable' | 'univariate'): ForestRow[] {
  const rows: ForestRow[] = [];
  const fits =
    model === 'multivariable' && result.multivariable
      ? result.multivariable.covariates.map((k) => ({ variable: k, label: result.univariate.find((u) => u.variable === k)?.label ?? k, fit: result.multivariable }))
      : result.univariate.map((u) => ({ variable: u.variable, label: u.label, fit: u.fit }));
  for (const { variable, label, fit } of fits) {
    if (!fit) continue;
    const terms = fit.terms.filter((t) => t.variable === variable);
    const firth = fit.method === 'firth';
    const counts = fit.levels.find((l) => l.variable === variable);
    if (!counts) {
      for (const t of terms) rows.push({ label: `${label}, ${t.contrast}`, hr: t.hr, lower: t.lower, upper: t.upper, p: t.p, firth });
      continue;
    }
    rows.push({ label, heading: true });
    for (const l of counts.levels) {
      if (l.reference) {
        rows.push({ label: l.label, indent: true, reference: true });
        continue;
      }
      const t = terms.find((x) => x.term === l.term);
      if (t) rows.push({ label: l.label, indent: true, hr: t.hr, lower: t.lower, upper: t.upper, p: t.p, firth });
    }
  }
  return rows;
}

/** Forest plot of the multivariable model (or, without one, of every univariable estimate); null when nothing is estimable. */
export function analysisForestFigure(result: ForestFigureSource, ctx: FigureContext, model: 'multivariable' | 'univariate' = 'multivariable'): ChartFigure | null {
  const rows = forestRowsOf(result, result.multivariable ? model : 'univariate');
  if (!rows.some((r) => typeof r.hr === 'number' && Number.isFinite(r.hr))) return null;
  const level = Math.round(result.spec.confLevel * 100);
  return forestPlot({ rows, estimateHeader: `HR (${level}% CI)`, decimals: result.spec.format.decimals }, ctx);
}
