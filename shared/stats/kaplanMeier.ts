// Kaplan–Meier estimator with Greenwood variance, as R survival::survfit (type "kaplan-meier").
//
//   S(t) = Π_{t_i ≤ t} (1 − d_i / n_i)                                   (Kaplan & Meier 1958)
//   se(−log S(t)) = sqrt( Σ_{t_i ≤ t} d_i / (n_i (n_i − d_i)) )            (Greenwood 1926)
//
// Confidence limits as survival:::survfit_confint (z = Φ⁻¹(1 − (1 − level)/2), σ = se(−log S)):
//   plain:   S ± z σ S, clipped to [0, 1]
//   log:     exp(log S ± z σ), upper clipped at 1; undefined when S = 0
//   log-log: exp(−exp(log(−log S) ∓ z σ / log S)); undefined when S = 0 or 1
// Medians and their limits follow survival:::quantile.survfit (findq), landmark survival follows
// summary.survfit(times =, extend = TRUE).
import { normalQuantile } from './normalQuantile';
import { sortedByCodeThenTime } from './timeOrder';

export type ConfType = 'log' | 'log-log' | 'plain';

export interface KaplanMeierOptions {
  confType?: ConfType;
  confLevel?: number;
}

/** One survival curve: one entry per distinct observed time (event or censoring). */
export interface KaplanMeierCurve {
  n: number;
  events: number;
  time: Float64Array;
  nRisk: Int32Array;
  nEvent: Int32Array;
  nCensor: Int32Array;
  surv: Float64Array;
  /** Greenwood standard error of −log S(t) (R's `fit$std.err`); Infinity once S reaches 0. */
  seLogSurv: Float64Array;
  /** Confidence limits; NaN where R gives NA. */
  lower: Float64Array;
  upper: Float64Array;
  confType: ConfType;
  confLevel: number;
}

export interface SurvivalEstimate {
  time: number;
  nRisk: number;
  surv: number;
  /** Standard error of S(t) itself (R's summary std.err). NaN where undefined. */
  stdErr: number;
  lower: number;
  upper: number;
}

export interface QuantileEstimate {
  estimate: number | null;
  lower: number | null;
  upper: number | null;
}

/** survival:::quantile.survfit's tolerance, sqrt(.Machine$double.eps). */
const QUANTILE_TOLERANCE = Math.sqrt(2.220446049250313e-16);

/** Kaplan–Meier curve of one sample. */
export function kaplanMeier(
  time: Float64Array,
  event: Uint8Array,
  options: KaplanMeierOptions = {},
): KaplanMeierCurve {
  const sorted = sortedByCodeThenTime(time, undefined, 1, event);
  return curveFromSorted(sorted.time, sorted.columns[0], 0, time.length, options);
}

/**
 * Kaplan–Meier curves for groups coded 0..nGroups−1, sorting the data once.
 * A group without rows gives a curve with n = 0 and no times.
 */
export function kaplanMeierByGroup(
  time: Float64Array,
  event: Uint8Array,
  group: Int32Array,
  nGroups: number,
  options: KaplanMeierOptions = {},
): KaplanMeierCurve[] {
  const sorted = sortedByCodeThenTime(time, group, nGroups, event);
  const curves: KaplanMeierCurve[] = [];
  for (let g = 0; g < nGroups; g++) {
    curves.push(curveFromSorted(sorted.time, sorted.columns[0], sorted.starts[g], sorted.starts[g + 1], options));
  }
  return curves;
}

/** KM over rows [from, to) of time-ascending arrays. */
function curveFromSorted(
  time: Float64Array,
  event: Uint8Array,
  from: number,
  to: number,
  options: KaplanMeierOptions,
): KaplanMeierCurve {
  const confType = options.confType ?? 'log';
  const confLevel = options.confLevel ?? 0.95;
  const n = to - from;
  let distinct = 0;
  for (let i = from; i < to; i++) {
    if (i === from || time[i] !== time[i - 1]) distinct++;
  }
  const t = new Float64Array(distinct);
  const nRisk = new Int32Array(distinct);
  const nEvent = new Int32Array(distinct);
  const nCensor = new Int32Array(distinct);
  const surv = new Float64Array(distinct);
  const se = new Float64Array(distinct);
  let atRisk = n;
  let s = 1;
  let greenwood = 0;
  let events = 0;
  let row = 0;
  for (let i = from; i < to; ) {
    const ti = time[i];
    let d = 0;
    let c = 0;
    let j = i;
    for (; j < to && time[j] === ti; j++) {
      if (event[j]) d++;
      else c++;
    }
    if (d > 0) {
      s *= (atRisk - d) / atRisk;
      greenwood += atRisk === d ? Infinity : d / (atRisk * (atRisk - d));
    }
    t[row] = ti;
    nRisk[row] = atRisk;
    nEvent[row] = d;
    nCensor[row] = c;
    surv[row] = s;
    se[row] = Math.sqrt(greenwood);
    events += d;
    atRisk -= d + c;
    row++;
    i = j;
  }
  const lower = new Float64Array(distinct);
  const upper = new Float64Array(distinct);
  const z = normalQuantile(1 - (1 - confLevel) / 2);
  for (let k = 0; k < distinct; k++) {
    const [lo, up] = confidenceLimits(surv[k], se[k], confType, z);
    lower[k] = lo;
    upper[k] = up;
  }
  return { n, events, time: t, nRisk, nEvent, nCensor, surv, seLogSurv: se, lower, upper, confType, confLevel };
}

/**
 * Pointwise limits for S with standard error σ of −log S, as survival:::survfit_confint
 * (logse = TRUE, ulimit = TRUE). NaN where R gives NA.
 */
export function confidenceLimits(p: number, sigma: number, confType: ConfType, z: number): [number, number] {
  if (confType === 'plain') {
    const half = sigma * p * z;
    return [Math.max(p - half, 0), Math.min(p + half, 1)];
  }
  if (confType === 'log') {
    if (p === 0) return [NaN, NaN];
    const half = z * sigma;
    return [Math.exp(Math.log(p) - half), Math.min(Math.exp(Math.log(p) + half), 1)];
  }
  if (p === 0 || p === 1) return [NaN, NaN];
  const logP = Math.log(p);
  const half = (z * sigma) / logP;
  return [Math.exp(-Math.exp(Math.log(-logP) - half)), Math.exp(-Math.exp(Math.log(-logP) + half))];
}

/** Standard error of S from σ = se(−log S), as summary.survfit (std.err × surv). */
function survivalStdErr(surv: number, sigma: number): number {
  return sigma * surv; // Inf × 0 = NaN: undefined once S = 0, as R
}

/**
 * S(t) at landmark times, as summary(fit, times = at, extend = TRUE): times sorted ascending; before
 * the first observed time S = 1 with zero standard error; number at risk = subjects with time ≥ t.
 */
export function survivalAt(curve: KaplanMeierCurve, at: readonly number[]): SurvivalEstimate[] {
  const times = [...at].sort((a, b) => a - b);
  const { time } = curve;
  const m = time.length;
  const out: SurvivalEstimate[] = [];
  for (const t of times) {
    // k = number of curve times ≤ t; first index with time ≥ t gives the number at risk.
    const k = upperBound(time, t);
    const firstAtOrAfter = lowerBound(time, t);
    const nRisk = firstAtOrAfter < m ? curve.nRisk[firstAtOrAfter] : 0;
    // survfit0 puts a row with S = 1, se = 0 and limits 1 at the start (time 0) before the first time.
    if (k === 0) {
      out.push({ time: t, nRisk, surv: 1, stdErr: 0, lower: 1, upper: 1 });
      continue;
    }
    const r = k - 1;
    out.push({
      time: t,
      nRisk,
      surv: curve.surv[r],
      stdErr: survivalStdErr(curve.surv[r], curve.seLogSurv[r]),
      lower: curve.lower[r],
      upper: curve.upper[r],
    });
  }
  return out;
}

/** One row of summary(fit, censored = TRUE). */
export interface SurvivalTableRow {
  time: number;
  nRisk: number;
  nEvent: number;
  nCensor: number;
  surv: number;
  stdErr: number;
  lower: number;
  upper: number;
}

/** Rows of summary(fit, censored = TRUE). */
export function survivalTable(curve: KaplanMeierCurve): SurvivalTableRow[] {
  return survivalTableRows(curve, 0, curve.time.length);
}

/** The per-time columns of a curve that its summary table shows. */
export type SurvivalTableColumns = Pick<KaplanMeierCurve, 'time' | 'nRisk' | 'nEvent' | 'nCensor' | 'surv' | 'seLogSurv' | 'lower' | 'upper'>;

/** Rows [from, to) of summary(fit, censored = TRUE) (the CLI prints a long table block by block). */
export function survivalTableRows(curve: SurvivalTableColumns, from: number, to: number): SurvivalTableRow[] {
  const rows: SurvivalTableRow[] = new Array(to - from);
  for (let k = from; k < to; k++) {
    rows[k - from] = {
      time: curve.time[k],
      nRisk: curve.nRisk[k],
      nEvent: curve.nEvent[k],
      nCensor: curve.nCensor[k],
      surv: curve.surv[k],
      stdErr: survivalStdErr(curve.surv[k], curve.seLogSurv[k]),
      lower: curve.lower[k],
      upper: curve.upper[k],
    };
  }
  return rows;
}

/**
 * The p-th quantile of the survival time (p = 0.5: median) with its confidence limits, as
 * survival:::quantile.survfit: the first time 1 − S reaches p; where 1 − S equals p over a flat
 * segment (within √ε), the midpoint of that segment; limits by the same rule on the CI curves.
 */
export function survivalQuantile(curve: KaplanMeierCurve, p = 0.5, startTime = 0): QuantileEstimate {
  // doquant: findq(c(firstx, time), c(0, 1 − surv), p) — the start point is prepended inside findQuantile.
  return {
    estimate: findQuantile(curve.time, curve.surv, startTime, p),
    // quantile.survfit: lower limit from the lower curve, upper limit from the upper curve.
    lower: findQuantile(curve.time, curve.lower, startTime, p),
    upper: findQuantile(curve.time, curve.upper, startTime, p),
  };
}

/**
 * survival:::findq for one probability on the points x = (startTime, time…), y = (0, 1 − S…)
 * (S NaN = NA), in one pass over the curve with no copies (O(n); the CI curves need not be monotone):
 *
 *   toss duplicated(y); index1 = approx(y + tol, 1:n, p, "constant", f = 1); index2 likewise on y − tol
 *   quant = (x[index1] + x[index2]) / 2;  p = 0 → x[1];  |p − y[n]| < tol → (x[index1] + max x) / 2
 *
 * approx(method = "constant", f = 1) at p gives the index of the smallest knot ≥ p (NA outside the
 * knots' range). Dropping duplicates never changes that knot: the first of equal values is the one
 * duplicated() keeps, so the earliest point with the smallest y ± tol ≥ p is index1/index2 directly.
 */
function findQuantile(time: Float64Array, surv: Float64Array, startTime: number, p: number, tol = QUANTILE_TOLERANCE): number | null {
  let minY = 0;
  let maxY = 0;
  let best1 = 0; // the start point y = 0: a knot of both approx calls
  let best1Y = tol;
  let best2 = 0;
  let best2Y = -tol;
  let nearP = Math.abs(p) < tol;
  for (let k = 0; k < surv.length; k++) {
    const y = 1 - surv[k];
    if (Number.isNaN(y)) continue;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
    const up = y + tol;
    const down = y - tol;
    // Strict comparisons keep the earliest point among equal values (ties go to the first index).
    if (up >= p && (best1Y < p || up < best1Y)) {
      best1 = k + 1;
      best1Y = up;
    }
    if (down >= p && (best2Y < p || down < best2Y)) {
      best2 = k + 1;
      best2Y = down;
    }
    if (Math.abs(p - y) < tol) nearP = true;
  }
  if (maxY < p) return null;
  const x = (k: number) => (k === 0 ? startTime : time[k - 1]);
  const index1 = p < minY + tol || p > maxY + tol ? -1 : best1;
  const index2 = p < minY - tol || p > maxY - tol ? -1 : best2;
  let quant = index1 < 0 || index2 < 0 ? NaN : (x(index1) + x(index2)) / 2;
  if (p === 0) quant = startTime;
  // The last-point rule needs y[n] after duplicates are dropped; only a y within tol of p can matter.
  if (nearP) {
    const last = lastDistinctValue(surv);
    if (!Number.isNaN(last) && Math.abs(p - last) < tol) {
      quant = index1 < 0 ? NaN : (x(index1) + x(surv.length)) / 2;
    }
  }
  return Number.isNaN(quant) ? null : quant;
}

/**
 * The last element of y = (0, 1 − surv…) after duplicated(y) drops repeats (NA equals NA): the value
 * of the last point whose value did not occur before it. When the non-NA values never decrease (the
 * estimate, and usually the limits) a repeat equals the previous non-NA value, so one pass suffices.
 */
function lastDistinctValue(surv: Float64Array): number {
  let last = 0;
  let previous = 0;
  let seenNa = false;
  let monotone = true;
  for (let k = 0; k < surv.length && monotone; k++) {
    const y = 1 - surv[k];
    if (Number.isNaN(y)) {
      if (!seenNa) last = y;
      seenNa = true;
    } else if (y < previous) {
      monotone = false;
    } else {
      if (y !== previous) last = y;
      previous = y;
    }
  }
  if (monotone) return last;
  const seen = new Set<number>([0]);
  last = 0;
  for (let k = 0; k < surv.length; k++) {
    const y = 1 - surv[k];
    if (!seen.has(y)) last = y; // Set treats NaN as equal to NaN, as duplicated() does NA
    seen.add(y);
  }
  return last;
}

/** Number of elements ≤ t in ascending `a`. */
function upperBound(a: Float64Array, t: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Number of elements < t in ascending `a` (= index of the first element ≥ t). */
function lowerBound(a: Float64Array, t: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
