// Test of proportional hazards from scaled Schoenfeld residuals, as R survival 3.5 `cox.zph`
// (Grambsch & Therneau 1994). survival ≥ 3.0 computes a score test for adding g(t)·x to the model:
// with the fitted η fixed, u = Σ_events g(t)·(xᵢ − x̄(t)) and the full 2p × 2p information of
// (x, g(t)·x) from one pass over the risk sets (zph1.c); for a term with columns J the statistic is
//   χ² = u_Jᵀ [I_{(1..p, p+J)}]⁻¹ u_J  with the first p score entries set to 0,  df = |J|,
// and the global test uses all 2p. g(t) is the transformed time centred at its mean over events:
// km → 1 − S(t−) of the pooled Kaplan–Meier, rank → rank(t) (average ties), identity → t.
import type { CoxFit, CoxInput } from './coxModel';
import { ModelFitError, prepareCoxData } from './coxModel';
import { chiSquareUpperTail } from './distributions';
import { solve } from './matrix';

export type ZphTransform = 'km' | 'rank' | 'identity';

export interface ZphTerm {
  term: string;
  /** Columns of the design matrix belonging to the term (a factor's indicators form one term). */
  columns: number[];
}

export interface ZphResult {
  terms: { term: string; chisq: number; df: number; p: number }[];
  global: { chisq: number; df: number; p: number };
}

/** g(t) per row, before centring. */
export function zphTimeTransform(time: Float64Array, status: Uint8Array, transform: ZphTransform): Float64Array {
  const n = time.length;
  const out = new Float64Array(n);
  if (transform === 'identity') {
    out.set(time);
    return out;
  }
  const sorted = Float64Array.from(time).sort();
  if (transform === 'rank') {
    // rank(times): average of the positions of tied values (1-based).
    for (let i = 0; i < n; i++) {
      const t = time[i];
      const lo = lowerBound(sorted, t);
      const hi = upperBound(sorted, t);
      out[i] = (lo + 1 + hi) / 2;
    }
    return out;
  }
  // Pooled Kaplan–Meier (survfitKM over all rows): S just after each distinct time.
  const times: number[] = [];
  const surv: number[] = [];
  const deaths = new Map<number, number>();
  for (let i = 0; i < n; i++) if (status[i]) deaths.set(time[i], (deaths.get(time[i]) ?? 0) + 1);
  let s = 1;
  for (let k = 0; k < n; ) {
    const t = sorted[k];
    let m = k;
    while (m < n && sorted[m] === t) m++;
    const atRisk = n - k;
    const d = deaths.get(t) ?? 0;
    s *= 1 - d / atRisk;
    times.push(t);
    surv.push(s);
    k = m;
  }
  const tArr = Float64Array.from(times);
  for (let i = 0; i < n; i++) {
    const before = lowerBound(tArr, time[i]); // number of distinct times < t
    out[i] = 1 - (before === 0 ? 1 : surv[before - 1]);
  }
  return out;
}

function lowerBound(a: Float64Array, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function upperBound(a: Float64Array, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function coxZph(input: CoxInput, fit: CoxFit, terms: readonly ZphTerm[], transform: ZphTransform = 'km'): ZphResult {
  const d = prepareCoxData(input);
  const { n, p, x, status, groupStart, groupDeaths, groupStratumEnd, efron, order, scale } = d;
  const g0 = zphTimeTransform(input.time, input.status, transform);
  let gsum = 0;
  let nev = 0;
  for (let i = 0; i < n; i++) {
    if (input.status[i]) {
      gsum += g0[i];
      nev++;
    }
  }
  const gmean = gsum / nev;
  const beta = new Float64Array(p);
  for (let j = 0; j < p; j++) beta[j] = fit.coef[j] / scale[j];
  const eta = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let z = 0;
    for (let j = 0; j < p; j++) z += beta[j] * x[i * p + j];
    eta[i] = z;
  }
  const p2 = 2 * p;
  const u = new Float64Array(p2);
  const imat = new Float64Array(p2 * p2);
  const a = new Float64Array(p);
  const a2 = new Float64Array(p);
  const cmat = new Float64Array(p * p);
  const cmat2 = new Float64Array(p * p);
  let denom = 0;
  for (let g = d.groups - 1; g >= 0; g--) {
    if (groupStratumEnd[g]) {
      denom = 0;
      a.fill(0);
      cmat.fill(0);
    }
    const first = groupStart[g];
    const last = groupStart[g + 1] - 1;
    const timewt = g0[order[last]] - gmean;
    const ndead = groupDeaths[g];
    let denom2 = 0;
    for (let i = last; i >= first; i--) {
      const risk = Math.exp(eta[i]);
      const base = i * p;
      if (!status[i]) {
        denom += risk;
        for (let j = 0; j < p; j++) {
          a[j] += risk * x[base + j];
          for (let k = 0; k <= j; k++) cmat[j * p + k] += risk * x[base + j] * x[base + k];
        }
      } else {
        denom2 += risk;
        for (let j = 0; j < p; j++) {
          u[j] += x[base + j];
          u[j + p] += timewt * x[base + j];
          a2[j] += risk * x[base + j];
          for (let k = 0; k <= j; k++) cmat2[j * p + k] += risk * x[base + j] * x[base + k];
        }
      }
    }
    if (ndead === 0) continue;
    if (!efron) {
      denom += denom2;
      for (let i = 0; i < p; i++) {
        a[i] += a2[i];
        const mean = a[i] / denom;
        u[i] -= ndead * mean;
        u[i + p] -= timewt * ndead * mean;
        for (let j = 0; j <= i; j++) {
          cmat[i * p + j] += cmat2[i * p + j];
          const temp = (ndead * (cmat[i * p + j] - mean * a[j])) / denom;
          imat[j * p2 + i] += temp;
          imat[j * p2 + i + p] += temp * timewt;
          imat[(j + p) * p2 + i + p] += temp * timewt * timewt;
        }
      }
    } else {
      for (let k = 0; k < ndead; k++) {
        denom += denom2 / ndead;
        for (let i = 0; i < p; i++) {
          a[i] += a2[i] / ndead;
          const mean = a[i] / denom;
          u[i] -= mean;
          u[i + p] -= timewt * mean;
          for (let j = 0; j <= i; j++) {
            cmat[i * p + j] += cmat2[i * p + j] / ndead;
            const temp = (cmat[i * p + j] - mean * a[j]) / denom;
            imat[j * p2 + i] += temp;
            imat[j * p2 + i + p] += timewt * temp;
            imat[(j + p) * p2 + i + p] += timewt * timewt * temp;
          }
        }
      }
    }
    a2.fill(0);
    cmat2.fill(0);
  }
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < i; j++) {
      imat[i * p2 + j] = imat[j * p2 + i];
      imat[i * p2 + j + p] = imat[j * p2 + i + p];
      imat[(i + p) * p2 + j + p] = imat[(j + p) * p2 + i + p];
    }
  }
  for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) imat[(i + p) * p2 + j] = imat[j * p2 + i + p];

  const test = (cols: number[]): number => {
    const kk = [...Array.from({ length: p }, (_, j) => j), ...cols.map((c) => c + p)];
    const m = kk.length;
    const sub = new Float64Array(m * m);
    for (let r = 0; r < m; r++) for (let c = 0; c < m; c++) sub[r * m + c] = imat[kk[r] * p2 + kk[c]];
    const uu = new Float64Array(m);
    for (let r = p; r < m; r++) uu[r] = u[kk[r]];
    const sol = solve(sub, uu, m);
    if (!sol) throw new ModelFitError('the information matrix of the proportional-hazards test is singular (a covariate constant within strata?)');
    let chisq = 0;
    for (let r = 0; r < m; r++) chisq += sol[r] * uu[r];
    return chisq;
  };
  const rows = terms.map((t) => {
    const chisq = test(t.columns);
    return { term: t.term, chisq, df: t.columns.length, p: chiSquareUpperTail(chisq, t.columns.length) };
  });
  const all = Array.from({ length: p }, (_, j) => j);
  const globalChisq = test(all);
  return { terms: rows, global: { chisq: globalChisq, df: p, p: chiSquareUpperTail(globalChisq, p) } };
}
