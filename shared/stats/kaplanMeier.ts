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
import { normalQuantile } from './distributions';
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

/** Rows of summary(fit, censored = TRUE). */
export function survivalTable(curve: KaplanMeierCurve): Array<{
  time: number;
  nRisk: number;
  nEvent: number;
  nCensor: number;
  surv: number;
  stdErr: number;
  lower: number;
  upper: number;
}> {
  const rows = [];
  for (let k = 0; k < curve.time.length; k++) {
    rows.push({
      time: curve.time[k],
      nRisk: curve.nRisk[k],
      nEvent: curve.nEvent[k],
      nCensor: curve.nCensor[k],
      surv: curve.surv[k],
      stdErr: survivalStdErr(curve.surv[k], curve.seLogSurv[k]),
      lower: curve.lower[k],
      upper: curve.upper[k],
    });
  }
  return rows;
}

/**
 * The p-th quantile of the survival time (p = 0.5: median) with its confidence limits, as
 * survival:::quantile.survfit: the first time 1 − S reaches p; where 1 − S equals p over a flat
 * segment (within √ε), the midpoint of that segment; limits by the same rule on the CI curves.
 */
export function survivalQuantile(curve: KaplanMeierCurve, p = 0.5, startTime = 0): QuantileEstimate {
  const x = [startTime, ...curve.time];
  const y = (values: Float64Array) => [0, ...Array.from(values, (v) => 1 - v)];
  return {
    estimate: findQuantile(x, y(curve.surv), p),
    // quantile.survfit: lower limit from the lower curve, upper limit from the upper curve.
    lower: findQuantile(x, y(curve.lower), p),
    upper: findQuantile(x, y(curve.upper), p),
  };
}

/**
 * survival:::findq for one probability: x are times (first = start time), y the cumulative
 * probabilities 1 − S (NaN = NA). Reproduces approx(method = "constant", f = 1) on y ± tol.
 */
function findQuantile(xIn: number[], yIn: number[], p: number, tol = QUANTILE_TOLERANCE): number | null {
  let maxY = -Infinity;
  for (const v of yIn) if (!Number.isNaN(v) && v > maxY) maxY = v;
  if (maxY === -Infinity || maxY < p) return null;
  const xmax = xIn[xIn.length - 1];
  // Drop repeated y values (keeping the first, i.e. the time the value is reached); NA counts as a value.
  const x: number[] = [];
  const y: number[] = [];
  const seen = new Set<number>();
  let seenNa = false;
  for (let i = 0; i < yIn.length; i++) {
    const v = yIn[i];
    if (Number.isNaN(v)) {
      if (seenNa) continue;
      seenNa = true;
    } else {
      if (seen.has(v)) continue;
      seen.add(v);
    }
    x.push(xIn[i]);
    y.push(v);
  }
  const n = y.length;
  if (p === 0) return x[0];
  const index1 = constantApprox(y, tol, p);
  const index2 = constantApprox(y, -tol, p);
  let quant = index1 === null || index2 === null ? NaN : (x[index1] + x[index2]) / 2;
  const last = y[n - 1];
  if (!Number.isNaN(last) && Math.abs(p - last) < tol) {
    quant = index1 === null ? NaN : (x[index1] + xmax) / 2;
  }
  return Number.isNaN(quant) ? null : quant;
}

/**
 * approx(y + shift, seq_along(y), p, method = "constant", f = 1)$y − 1 (0-based), NA pairs
 * dropped, rule = 1 (outside the range → null).
 */
function constantApprox(y: number[], shift: number, p: number): number | null {
  const knots: Array<[number, number]> = [];
  for (let i = 0; i < y.length; i++) if (!Number.isNaN(y[i])) knots.push([y[i] + shift, i]);
  if (knots.length === 0) return null;
  knots.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const m = knots.length;
  if (p < knots[0][0] || p > knots[m - 1][0]) return null;
  // Smallest knot ≥ p: on a knot its own value, between knots the right-hand one (f = 1).
  let lo = 0;
  let hi = m - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (knots[mid][0] < p) lo = mid + 1;
    else hi = mid;
  }
  return knots[lo][1];
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
