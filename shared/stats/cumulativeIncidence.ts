// Competing risks: cumulative incidence (Aalen–Johansen / Kalbfleisch–Prentice) with the variance of
// cmprsk::cuminc, and Gray's (1988) k-sample test, as cmprsk's cinc and crstm routines.
//
// Cumulative incidence of cause c, with S(t−) the all-cause KM just before t, n at risk,
// d_c events of cause c and d_o of other causes at t:
//   F_c(t) = Σ_{t_i ≤ t} S(t_i−) d_c,i / n_i
// Variance (Gray's delta-method estimator as coded in cmprsk's cinc): three running sums
// v1, v2, v3 built from each event time's contribution (with the tie correction
// 1 − (d − 1)/(n − 1)) and Var F_c(t) = v1 + F² v3 − 2 F v2, reported at the cause-c event times.
//
// Gray's test (Gray 1988, Ann. Stat. 16:1141): score for the first k − 1 groups comparing the
// subdistribution hazards with weight (1 − F(t−))^ρ, variance from the same paper's estimator;
// statistic sᵀ V⁻¹ s ~ χ²(k − 1). Sums over strata.
import { chiSquareUpperTail } from './distributions';
import { qrRank } from './matrix';
import { ascendingTimeOrder, groupOrderByCode } from './timeOrder';

export interface CumulativeIncidenceCurve {
  /** Times at which F jumps (events of this cause), ascending. */
  time: Float64Array;
  estimate: Float64Array;
  variance: Float64Array;
  /** Largest follow-up time in the sample: the curve is defined up to here. */
  maxTime: number;
}

export interface CumulativeIncidencePoint {
  time: number;
  estimate: number | null;
  variance: number | null;
}

/**
 * Cumulative incidence of `cause` in one sample. `status` is 0 for censored, otherwise a cause code.
 * `order` (optional) is the time-ascending order of the rows to use.
 */
export function cumulativeIncidence(
  time: Float64Array,
  status: Int32Array,
  cause: number,
  order: Uint32Array = ascendingTimeOrder(time),
): CumulativeIncidenceCurve {
  const n = order.length;
  const jumpTimes: number[] = [];
  const estimates: number[] = [];
  const variances: number[] = [];
  let survivalBefore = 1; // all-cause KM S(t−)
  let f = 0;
  let v1 = 0;
  let v2 = 0;
  let v3 = 0;
  let atRisk = n;
  for (let i = 0; i < n; ) {
    const t = time[order[i]];
    let dCause = 0;
    let dOther = 0;
    let j = i;
    for (; j < n && time[order[j]] === t; j++) {
      const s = status[order[j]];
      if (s === cause) dCause++;
      else if (s !== 0) dOther++;
    }
    const d = dCause + dOther;
    if (d > 0) {
      const survivalAfter = (survivalBefore * (atRisk - d)) / atRisk;
      if (dCause > 0) f += (survivalBefore * dCause) / atRisk;
      if (dOther > 0 && survivalAfter > 0) {
        const tie = dOther > 1 ? 1 - (dOther - 1) / (atRisk - 1) : 1;
        const w = (survivalBefore * survivalBefore * tie * dOther) / (atRisk * atRisk);
        const a = 1 / survivalAfter;
        const b = f / survivalAfter;
        v1 += b * b * w;
        v2 += a * b * w;
        v3 += a * a * w;
      }
      if (dCause > 0) {
        const tie = dCause > 1 ? 1 - (dCause - 1) / (atRisk - 1) : 1;
        const w = (survivalBefore * survivalBefore * tie * dCause) / (atRisk * atRisk);
        const a = survivalAfter > 0 ? 1 / survivalAfter : 0;
        const b = 1 + a * f;
        v1 += b * b * w;
        v2 += a * b * w;
        v3 += a * a * w;
        jumpTimes.push(t);
        estimates.push(f);
        variances.push(v1 + f * f * v3 - 2 * f * v2);
      }
      survivalBefore = survivalAfter;
    }
    atRisk = n - j;
    i = j;
  }
  return {
    time: Float64Array.from(jumpTimes),
    estimate: Float64Array.from(estimates),
    variance: Float64Array.from(variances),
    maxTime: n > 0 ? time[order[n - 1]] : NaN,
  };
}

/**
 * Estimate and variance at given times, as cmprsk::timepoints: times sorted and de-duplicated; the
 * step-function value (0 before the first event); null beyond the largest follow-up time.
 */
export function cumulativeIncidenceAt(curve: CumulativeIncidenceCurve, at: readonly number[]): CumulativeIncidencePoint[] {
  const times = [...new Set(at)].sort((a, b) => a - b);
  return times.map((t) => {
    if (!(t <= curve.maxTime) || t < 0) return { time: t, estimate: null, variance: null };
    let lo = 0;
    let hi = curve.time.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (curve.time[mid] <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0
      ? { time: t, estimate: 0, variance: 0 }
      : { time: t, estimate: curve.estimate[lo - 1], variance: curve.variance[lo - 1] };
  });
}

export interface GrayTestResult {
  /** −1 when the variance is singular (as cmprsk). */
  stat: number;
  df: number;
  p: number;
  /** Present when the test is not defined (stat −1, p 1), saying why. */
  warning?: string;
}

/**
 * Gray's test that the cumulative incidence of `cause` is equal across groups 0..nGroups−1.
 * `status`: 0 censored, else cause code. Optional strata (codes 0..nStrata−1).
 */
export function grayTest(
  time: Float64Array,
  status: Int32Array,
  cause: number,
  group: Int32Array,
  nGroups: number,
  options: { strata?: Int32Array; nStrata?: number; rho?: number } = {},
): GrayTestResult {
  const rho = options.rho ?? 0;
  const ng = nGroups;
  const ng1 = ng - 1;
  const nStrata = options.strata ? (options.nStrata ?? 1 + Math.max(-1, ...options.strata)) : 1;
  const byTime = ascendingTimeOrder(time);
  const { order, starts } = options.strata
    ? groupOrderByCode(byTime, options.strata, nStrata)
    : { order: byTime, starts: Int32Array.of(0, byTime.length) };
  const score = new Float64Array(ng1);
  const v = new Float64Array(ng1 * ng1);
  for (let s = 0; s < nStrata; s++) {
    const part = grayStratum(time, status, cause, group, ng, rho, order, starts[s], starts[s + 1]);
    for (let i = 0; i < ng1; i++) score[i] += part.score[i];
    for (let k = 0; k < ng1 * ng1; k++) v[k] += part.v[k];
  }
  // cmprsk::cuminc: stat ← −1; a ← qr(vs); if (a$rank == ng1) stat ← sᵀ vs⁻¹ s; pv ← 1 − pchisq(stat, ng1),
  // so a singular variance gives stat −1 and p 1. Same rank rule (dqrdc2, tol 1e−7) and result here.
  if (ng1 === 0 || qrRank(v, ng1) < ng1) {
    return {
      stat: -1,
      df: ng1,
      p: 1,
      warning: `Gray's test is not defined: its variance matrix is singular (e.g. a group without subjects at risk at the event times); cmprsk reports stat −1 and p 1`,
    };
  }
  const stat = quadraticFormOrMinusOne(v, score, ng1);
  return { stat, df: ng1, p: stat < 0 ? 1 : chiSquareUpperTail(stat, ng1) };
}

/** Score and variance contribution of one stratum (Gray 1988; cmprsk crst). */
function grayStratum(
  time: Float64Array,
  status: Int32Array,
  cause: number,
  group: Int32Array,
  ng: number,
  rho: number,
  order: Uint32Array,
  from: number,
  to: number,
): { score: Float64Array; v: Float64Array } {
  const ng1 = ng - 1;
  const rs = new Float64Array(ng); // at risk per group
  for (let i = from; i < to; i++) rs[group[order[i]]]++;
  const score = new Float64Array(ng1);
  const v = new Float64Array(ng1 * ng1); // lower triangle used, index i*ng1+j (j ≤ i)
  const f1m = new Float64Array(ng); // group cumulative incidence, left-continuous
  const f1 = new Float64Array(ng);
  const skmm = new Float64Array(ng).fill(1); // group all-cause KM, left-continuous
  const skm = new Float64Array(ng).fill(1);
  const v3 = new Float64Array(ng);
  const v2 = new Float64Array(ng1 * ng); // [i][k]
  const c = new Float64Array(ng * ng);
  const a = new Float64Array(ng * ng);
  const d1 = new Float64Array(ng); // cause of interest
  const d2 = new Float64Array(ng); // other causes
  const leaving = new Float64Array(ng);
  let fm = 0; // pooled cumulative incidence (Gray's weighting), left-continuous
  let f = 0;
  for (let i = from; i < to; ) {
    const t = time[order[i]];
    d1.fill(0);
    d2.fill(0);
    leaving.fill(0);
    let j = i;
    for (; j < to && time[order[j]] === t; j++) {
      const idx = order[j];
      const g = group[idx];
      const st = status[idx];
      leaving[g]++;
      if (st === cause) d1[g]++;
      else if (st !== 0) d2[g]++;
    }
    let nd1 = 0;
    let nd2 = 0;
    for (let g = 0; g < ng; g++) {
      nd1 += d1[g];
      nd2 += d2[g];
    }
    if (nd1 > 0 || nd2 > 0) {
      let tr = 0;
      let tq = 0;
      for (let g = 0; g < ng; g++) {
        if (rs[g] <= 0) continue;
        const td = d1[g] + d2[g];
        skm[g] = (skmm[g] * (rs[g] - td)) / rs[g];
        f1[g] = f1m[g] + (skmm[g] * d1[g]) / rs[g];
        tr += rs[g] / skmm[g];
        tq += (rs[g] * (1 - f1m[g])) / skmm[g];
      }
      f = fm + nd1 / tr;
      const fb = Math.pow(1 - fm, rho);
      for (let g = 0; g < ng; g++) {
        for (let h = g; h < ng; h++) a[g * ng + h] = 0;
        if (rs[g] <= 0) continue;
        const t1 = rs[g] / skmm[g];
        a[g * ng + g] = fb * t1 * (1 - t1 / tr);
        c[g * ng + g] += (a[g * ng + g] * nd1) / (tr * (1 - fm));
        for (let h = g + 1; h < ng; h++) {
          if (rs[h] <= 0) continue;
          a[g * ng + h] = (-fb * t1 * rs[h]) / (skmm[h] * tr);
          c[g * ng + h] += (a[g * ng + h] * nd1) / (tr * (1 - fm));
        }
      }
      for (let g = 1; g < ng; g++) {
        for (let h = 0; h < g; h++) {
          a[g * ng + h] = a[h * ng + g];
          c[g * ng + h] = c[h * ng + g];
        }
      }
      for (let g = 0; g < ng1; g++) {
        if (rs[g] <= 0) continue;
        score[g] += fb * (d1[g] - (nd1 * rs[g] * (1 - f1m[g])) / (skmm[g] * tq));
      }
      if (nd1 > 0) {
        for (let k = 0; k < ng; k++) {
          if (rs[k] <= 0) continue;
          const t4 = skm[k] > 0 ? 1 - (1 - f) / skm[k] : 1;
          const t5 = nd1 > 1 ? 1 - (nd1 - 1) / (tr * skmm[k] - 1) : 1;
          const t3 = (t5 * skmm[k] * nd1) / (tr * rs[k]);
          v3[k] += t4 * t4 * t3;
          for (let p = 0; p < ng1; p++) {
            const t1 = a[p * ng + k] - t4 * c[p * ng + k];
            v2[p * ng + k] += t1 * t4 * t3;
            for (let q = 0; q <= p; q++) {
              const t2 = a[q * ng + k] - t4 * c[q * ng + k];
              v[p * ng1 + q] += t1 * t2 * t3;
            }
          }
        }
      }
      if (nd2 > 0) {
        for (let k = 0; k < ng; k++) {
          if (skm[k] <= 0 || d2[k] <= 0) continue;
          const t4 = (1 - f) / skm[k];
          const t5 = d2[k] > 1 ? 1 - (d2[k] - 1) / (rs[k] - 1) : 1;
          const t3 = (t5 * skmm[k] * skmm[k] * d2[k]) / (rs[k] * rs[k]);
          v3[k] += t4 * t4 * t3;
          for (let p = 0; p < ng1; p++) {
            const t1 = t4 * c[p * ng + k];
            v2[p * ng + k] -= t1 * t4 * t3;
            for (let q = 0; q <= p; q++) {
              const t2 = t4 * c[q * ng + k];
              v[p * ng1 + q] += t1 * t2 * t3;
            }
          }
        }
      }
    }
    if (j >= to) break;
    for (let g = 0; g < ng; g++) rs[g] -= leaving[g];
    fm = f;
    f1m.set(f1);
    skmm.set(skm);
    i = j;
  }
  for (let p = 0; p < ng1; p++) {
    for (let q = 0; q <= p; q++) {
      let add = 0;
      for (let k = 0; k < ng; k++) {
        add += c[p * ng + k] * c[q * ng + k] * v3[k];
        add += c[p * ng + k] * v2[q * ng + k];
        add += c[q * ng + k] * v2[p * ng + k];
      }
      v[p * ng1 + q] += add;
    }
  }
  // Fill the upper triangle.
  for (let p = 0; p < ng1; p++) for (let q = p + 1; q < ng1; q++) v[p * ng1 + q] = v[q * ng1 + p];
  return { score, v };
}

/** sᵀ V⁻¹ s, or −1 when V is singular (as cmprsk::cuminc). */
function quadraticFormOrMinusOne(v: Float64Array, s: Float64Array, m: number): number {
  const a = Array.from({ length: m }, (_, i) => Array.from(v.subarray(i * m, i * m + m)));
  const b = Array.from(s);
  // Gaussian elimination with partial pivoting; relative pivot tolerance as a rank check.
  let scale = 0;
  for (const row of a) for (const x of row) scale = Math.max(scale, Math.abs(x));
  for (let col = 0; col < m; col++) {
    let pivot = col;
    for (let r = col + 1; r < m; r++) if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) pivot = r;
    if (!(Math.abs(a[pivot][col]) > 1e-7 * scale)) return -1;
    [a[col], a[pivot]] = [a[pivot], a[col]];
    [b[col], b[pivot]] = [b[pivot], b[col]];
    for (let r = col + 1; r < m; r++) {
      const factor = a[r][col] / a[col][col];
      for (let c = col; c < m; c++) a[r][c] -= factor * a[col][c];
      b[r] -= factor * b[col];
    }
  }
  const x = new Array<number>(m).fill(0);
  for (let r = m - 1; r >= 0; r--) {
    let acc = b[r];
    for (let c = r + 1; c < m; c++) acc -= a[r][c] * x[c];
    x[r] = acc / a[r][r];
  }
  let stat = 0;
  for (let i = 0; i < m; i++) stat += s[i] * x[i];
  return stat;
}
