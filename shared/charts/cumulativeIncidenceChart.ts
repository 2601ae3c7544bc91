// Cumulative incidence figure for competing risks (Aalen–Johansen curves from shared/stats/
// cumulativeIncidence), same conventions as the Kaplan–Meier figure: colour per group, line style per
// cause, optional pointwise CI on the log(−log) scale, Gray's test in the key, numbers at risk below.
import type { CumulativeIncidenceCurve } from '../stats/cumulativeIncidence';
import { normalQuantile } from '../stats/distributions';
import { annotationLines, riskTableRows, type HazardRatioAnnotation, type RiskTableStyle, type TestAnnotation } from './kaplanMeierChart';
import { stepCurveFigure, type AnnotationPosition, type ChartFigure, type FigureContext, type StepCurve } from './stepCurveFigure';
import { chooseTimeAxis, timeTicks } from './timeAxis';

export interface CumulativeIncidenceChartInput {
  /** The data of each group (status 0 = censored, else a cause code), for numbers at risk. */
  groups: Array<{ label: string; time: ArrayLike<number>; status: ArrayLike<number> }>;
  /** Curves to draw: the group they belong to, the cause code and name. */
  curves: Array<{ group: number; cause: number; causeLabel: string; curve: CumulativeIncidenceCurve }>;
  /** y-axis name, e.g. "Cumulative incidence of local failure". */
  endpoint: string;
  timeLabel?: string;
  xMax?: number;
  xStep?: number;
  /** Upper end of the y axis in percent (default 100). */
  yMax?: number;
  riskTable?: RiskTableStyle;
  riskTableUnit?: string;
  ci?: boolean;
  annotation?: AnnotationPosition;
  medianLine?: boolean;
  confLevel?: number;
  test?: TestAnnotation | null;
  hazardRatio?: HazardRatioAnnotation | null;
}

/**
 * Pointwise limits of F on the log(−log) scale (as Stata's stcompet and R's tidycmprsk):
 * g = log(−log F), se(g) = se(F) / |F log F|, F limits = exp(−exp(g ± z se(g))).
 */
export function cumulativeIncidenceLimits(estimate: number, variance: number, z: number): [number, number] {
  if (!(estimate > 0 && estimate < 1) || !(variance >= 0)) return [NaN, NaN];
  const g = Math.log(-Math.log(estimate));
  const se = Math.sqrt(variance) / Math.abs(estimate * Math.log(estimate));
  return [Math.exp(-Math.exp(g + z * se)), Math.exp(-Math.exp(g - z * se))];
}

export function cumulativeIncidenceChart(input: CumulativeIncidenceChartInput, ctx: FigureContext): ChartFigure {
  const groups = input.groups;
  const n = groups.reduce((a, g) => a + g.time.length, 0);
  const allTimes = groups.flatMap((g) => Array.from(g.time));
  const maxTime = Math.max(0, ...allTimes);
  const atRisk = (g: number, t: number) => {
    let c = 0;
    for (const x of Array.from(groups[g].time)) if (x >= t) c++;
    return c;
  };
  // Default axis: the whole follow-up range, rounded up to a regular break.
  const limit = input.xMax ?? (n > 0 ? maxTime : 1);
  const axis = chooseTimeAxis(input.xMax, input.xStep, limit, maxTime, ctx.preset.widthMm);
  const ticks = timeTicks(axis.xMax, axis.step);
  const z = normalQuantile(1 - (1 - (input.confLevel ?? 0.95)) / 2);

  const causes = [...new Set(input.curves.map((c) => c.cause))];
  const multiGroup = groups.length > 1;
  const stepCurves: StepCurve[] = input.curves.map(({ group, cause, causeLabel, curve }) => {
    const time = [0];
    const value = [0];
    const lower = [NaN];
    const upper = [NaN];
    for (let k = 0; k < curve.time.length; k++) {
      const [lo, up] = cumulativeIncidenceLimits(curve.estimate[k], curve.variance[k], z);
      if (curve.time[k] === 0) {
        value[0] = curve.estimate[k];
        lower[0] = lo;
        upper[0] = up;
        continue;
      }
      time.push(curve.time[k]);
      value.push(curve.estimate[k]);
      lower.push(lo);
      upper.push(up);
    }
    const causeIndex = causes.indexOf(cause);
    const label = multiGroup && causes.length > 1 ? `${groups[group].label}, ${causeLabel}` : multiGroup ? groups[group].label : causeLabel;
    return {
      label,
      colorIndex: multiGroup ? group : causeIndex,
      styleIndex: multiGroup ? group + causeIndex * groups.length : causeIndex,
      time,
      value,
      lower,
      upper,
      censorTimes: [],
      endTime: Number.isFinite(curve.maxTime) ? curve.maxTime : 0,
    };
  });

  const first = causes[0];
  const countsBefore = (g: number, t: number) => {
    let events = 0;
    let competing = 0;
    let censored = 0;
    const time = groups[g].time;
    const status = groups[g].status;
    for (let i = 0; i < time.length; i++) {
      if (time[i] >= t) continue;
      if (status[i] === 0) censored++;
      else if (status[i] === first) events++;
      else competing++;
    }
    return { events, competing, censored };
  };
  const riskTable = riskTableRows(
    input.riskTable ?? 'basic',
    groups.map((g, i) => ({
      label: g.label,
      colorIndex: multiGroup ? i : null,
      atRisk: (t) => atRisk(i, t),
      countsBefore: (t) => countsBefore(i, t),
      competingRow: causes.length > 1 ? 'always' : 'if any',
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
      yMax: input.yMax ?? 100,
      riskTable,
      annotation: annotationLines(input.test, input.hazardRatio, ctx.preset.pStyle),
      annotationPosition: input.annotation ?? 'auto',
      medianLine: !!input.medianLine,
      cumulative: true,
      ci: !!input.ci,
      showLegend: stepCurves.length > 1,
    },
    ctx,
  );
}
