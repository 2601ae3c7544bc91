// Kaplan–Meier figure (survival, or 1 − KM for failure-type endpoints) in journal style, with the
// number-at-risk table of Pocock et al. (Lancet 2002) or the KMunicate table (Morris et al., BMJ
// Open 2019;9:e030215: at risk, cumulative events and cumulative censored per arm).
import { formatInterval, formatNumber, formatP, type PStyle } from './journalStyle';
import { stepCurveFigure, type AnnotationPosition, type ChartFigure, type FigureContext, type RiskTableRow, type StepCurve } from './stepCurveFigure';
import { chooseTimeAxis, timeTicks } from './timeAxis';

export type RiskTableStyle = 'none' | 'basic' | 'kmunicate';

/**
 * A survival step function, one entry per distinct observed time (shared/stats/kaplanMeier's
 * KaplanMeierCurve fits as is; analysis results convert with stepsFromCurveRows).
 */
export interface SurvivalSteps {
  n: number;
  time: ArrayLike<number>;
  nRisk: ArrayLike<number>;
  nEvent: ArrayLike<number>;
  nCensor: ArrayLike<number>;
  /** Competing events (cumulative incidence drawn from analysis curves); absent for KM. */
  nCompeting?: ArrayLike<number>;
  surv: ArrayLike<number>;
  /** Confidence limits; NaN where undefined. */
  lower: ArrayLike<number>;
  upper: ArrayLike<number>;
}

export interface TestAnnotation {
  /** The test as it should be named in the figure, e.g. "Log-rank", "Gray's test". */
  name: string;
  p: number;
}

export interface HazardRatioAnnotation {
  hr: number;
  lower: number;
  upper: number;
  /** Prefix, default "HR". */
  label?: string;
  confLevel?: number;
  /** Which group is compared with which (e.g. "Concurrent vs Nonconcurrent/none"): a reader must
   *  know the reference group to read the HR. */
  comparison?: string;
}

export interface KaplanMeierChartInput {
  curves: Array<{ label: string; curve: SurvivalSteps }>;
  /** The endpoint as the y axis names it, e.g. "Overall survival", "Local control". */
  endpoint: string;
  /** 'cumulative' draws 1 − KM (e.g. cumulative incidence of local failure without competing risks). */
  display?: 'survival' | 'cumulative';
  /** x-axis title stating unit and origin, e.g. "Months since start of radiotherapy". */
  timeLabel?: string;
  xMax?: number;
  xStep?: number;
  riskTable?: RiskTableStyle;
  /** What the risk table counts ("lesions", "patients"); the title says so. */
  riskTableUnit?: string;
  ci?: boolean;
  /** Where the test/HR block goes (default 'auto'). */
  annotation?: AnnotationPosition;
  /** A dashed line at 50% down to each median. */
  medianLine?: boolean;
  test?: TestAnnotation | null;
  hazardRatio?: HazardRatioAnnotation | null;
}

/** Number at risk at t: subjects with time ≥ t (as summary.survfit(times = t)). */
export function kmNumberAtRisk(curve: SurvivalSteps, t: number): number {
  for (let i = 0; i < curve.time.length; i++) if (curve.time[i] >= t) return curve.nRisk[i];
  return 0;
}

/** Cumulative events and censorings strictly before t, so at risk + events + censored = n. */
export function kmCountsBefore(curve: SurvivalSteps, t: number): { events: number; censored: number; competing: number } {
  let events = 0;
  let censored = 0;
  let competing = 0;
  for (let i = 0; i < curve.time.length && curve.time[i] < t; i++) {
    events += curve.nEvent[i];
    censored += curve.nCensor[i];
    competing += curve.nCompeting?.[i] ?? 0;
  }
  return { events, censored, competing };
}

export function annotationLines(test: TestAnnotation | null | undefined, hr: HazardRatioAnnotation | null | undefined, pStyle: PStyle): string[] {
  const lines: string[] = [];
  if (hr && Number.isFinite(hr.hr)) {
    const level = Math.round((hr.confLevel ?? 0.95) * 100);
    lines.push(`${hr.label ?? 'HR'} ${formatNumber(hr.hr, 2, pStyle)} (${level}% CI ${formatInterval(hr.lower, hr.upper, 2, 'dash', pStyle)})`);
    // On its own line: group labels can be long, and the annotation must not outgrow the plot.
    if (hr.comparison) lines.push(hr.comparison);
  }
  if (test) lines.push(`${test.name} ${formatP(test.p, pStyle)}`);
  return lines;
}

/** One group's line in the numbers-at-risk table below a step-curve figure. */
export interface RiskTableGroup {
  label: string;
  colorIndex: number | null;
  atRisk(t: number): number;
  /** Events, censored and (competing risks only) competing events strictly before t. */
  countsBefore(t: number): { events: number; censored: number; competing?: number };
  /** Competing-events row: 'always', 'if any' counted, or none when omitted. */
  competingRow?: 'always' | 'if any';
}

/**
 * The numbers-at-risk table: 'basic' gives one row of numbers at risk per group; 'kmunicate' (Morris
 * et al., BMJ Open 2019) gives per group a heading and rows of at risk, events (competing) and censored.
 */
export function riskTableRows(style: RiskTableStyle, groups: RiskTableGroup[], ticks: number[], unit?: string): { title: string; rows: RiskTableRow[] } | null {
  const counted = unit ? ` (${unit})` : '';
  if (style === 'basic') {
    return { title: `Number at risk${counted}`, rows: groups.map((g) => ({ label: g.label, colorIndex: g.colorIndex, values: ticks.map((t) => g.atRisk(t)) })) };
  }
  if (style !== 'kmunicate') return null;
  const rows: RiskTableRow[] = [];
  for (const g of groups) {
    const before = ticks.map((t) => g.countsBefore(t));
    rows.push({ label: g.label, colorIndex: g.colorIndex, heading: true, values: ticks.map(() => null) });
    rows.push({ label: 'At risk', colorIndex: null, indent: true, values: ticks.map((t) => g.atRisk(t)) });
    rows.push({ label: 'Events', colorIndex: null, indent: true, values: before.map((b) => b.events) });
    if (g.competingRow === 'always' || (g.competingRow === 'if any' && before.some((b) => (b.competing ?? 0) > 0))) {
      rows.push({ label: 'Competing events', colorIndex: null, indent: true, values: before.map((b) => b.competing ?? 0) });
    }
    rows.push({ label: 'Censored', colorIndex: null, indent: true, values: before.map((b) => b.censored) });
  }
  return { title: `Number of ${unit ?? 'subjects'}`, rows };
}

export function kaplanMeierChart(input: KaplanMeierChartInput, ctx: FigureContext): ChartFigure {
  const cumulative = input.display === 'cumulative';
  const curves = input.curves;
  const n = curves.reduce((a, c) => a + c.curve.n, 0);
  const allTimes = curves.flatMap((c) => Array.from(c.curve.time));
  const maxTime = Math.max(0, ...allTimes);
  // Default axis: the whole follow-up range (issue 14), rounded up to a regular break.
  const limit = input.xMax ?? (n > 0 ? maxTime : 1);
  const axis = chooseTimeAxis(input.xMax, input.xStep, limit, maxTime, ctx.preset.widthMm);
  const ticks = timeTicks(axis.xMax, axis.step);

  const stepCurves: StepCurve[] = curves.map(({ label, curve }, i) => {
    const time = [0];
    const value = [1];
    const lower = [1];
    const upper = [1];
    const censorTimes: number[] = [];
    for (let k = 0; k < curve.time.length; k++) {
      if (curve.nCensor[k] > 0) censorTimes.push(curve.time[k]);
      if (curve.time[k] === 0) {
        value[0] = curve.surv[k];
        lower[0] = curve.lower[k];
        upper[0] = curve.upper[k];
        continue;
      }
      time.push(curve.time[k]);
      value.push(curve.surv[k]);
      lower.push(curve.lower[k]);
      upper.push(curve.upper[k]);
    }
    const flip = (a: number[]) => a.map((v) => 1 - v);
    return {
      label,
      colorIndex: i,
      styleIndex: i,
      time,
      value: cumulative ? flip(value) : value,
      lower: cumulative ? flip(upper) : lower,
      upper: cumulative ? flip(lower) : upper,
      censorTimes,
      endTime: curve.time.length > 0 ? curve.time[curve.time.length - 1] : 0,
    };
  });

  const riskTable = riskTableRows(
    input.riskTable ?? 'basic',
    curves.map(({ label, curve }, i) => ({
      label,
      colorIndex: i,
      atRisk: (t) => kmNumberAtRisk(curve, t),
      countsBefore: (t) => kmCountsBefore(curve, t),
      competingRow: curve.nCompeting ? 'always' : undefined,
    })),
    ticks,
    input.riskTableUnit,
  );

  return stepCurveFigure(
    {
      curves: stepCurves,
      yLabel: `${input.endpoint} (%)`,
      xLabel: input.timeLabel ?? 'Time (months)',
      xMax: axis.xMax,
      xStep: axis.step,
      yMax: 100,
      riskTable,
      annotation: annotationLines(input.test, input.hazardRatio, ctx.preset.pStyle),
      annotationPosition: input.annotation ?? 'auto',
      medianLine: !!input.medianLine,
      cumulative,
      ci: !!input.ci,
      showLegend: curves.length > 1,
    },
    ctx,
  );
}
