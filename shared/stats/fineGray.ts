// Fine–Gray proportional subdistribution hazards regression (Fine & Gray 1999, JASA 94:496–509), as
// R's cmprsk::crr 2.2 (Gray; Fortran crrfsv/crrf/crrvv) with one censoring group.
//
// Weighted partial likelihood: at each failure time t of the cause of interest the risk set holds
// everyone still under observation (weight 1) plus those who failed from a competing cause at
// s < t, with weight Ĝ(t−)/Ĝ(s−), Ĝ the Kaplan–Meier estimate of the censoring distribution:
//   ℓ(β) = Σ_t [ Σ_{fail at t} ηᵢ − d_t log Σ_j w_j(t) exp(η_j) ].
// Newton–Raphson from 0 with crr's backtracking (Armijo factor 1e−4, step ×0.5) and convergence
// test max|U|·max(|β|,1) < max(|ℓ|,1)·gtol (gtol 1e−6, maxiter 10). The variance is crr's sandwich
// I⁻¹ (Σᵢ ηᵢηᵢᵀ) I⁻¹ with ηᵢ the influence terms for β including the part due to estimating Ĝ
// (Fine & Gray 1999, §4). crrvv's nested loops are rewritten as prefix/suffix sums over time
// (exactly the same sums, O(n·p²) instead of O(n²·p)).
import { ModelFitError, sortOrder } from './coxModel';
import { cholesky, inverse, solve, TOLER_CHOL } from './matrix';

export interface FineGrayInput {
  time: Float64Array;
  /** 0 = censored, other codes = causes. */
  status: Int32Array;
  /** The cause of interest. */
  cause: number;
  x: readonly Float64Array[];
  names?: readonly string[];
  gtol?: number;
  maxIter?: number;
}

export interface FineGrayFit {
  n: number;
  names: string[];
  coef: Float64Array;
  variance: Float64Array;
  se: Float64Array;
  /** Minus the log pseudo-likelihood at the estimate, as crr's loglik (negated). */
  loglik: number;
  iterations: number;
  converged: boolean;
  events: number;
  competingEvents: number;
}

interface Data {
  n: number;
  p: number;
  x: Float64Array; // row-major, sorted by time, centred
  fstatus: Uint8Array; // 1 cause of interest, 2 competing, 0 censored
  time: Float64Array;
  /** Ĝ(t−) per sorted row (crr's uuu). */
  g: Float64Array;
  groupStart: Int32Array;
  groups: number;
}

/** Sums over the risk sets at each group, given the linear predictor (for the group's failures). */
interface RiskSums {
  /** Per group: S0, S1 (p), S2 (p×p) over the weighted risk set at the group's time. */
  s0: Float64Array;
  s1: Float64Array;
  s2: Float64Array | null;
}

function riskSums(d: Data, eta: Float64Array, withS2: boolean): RiskSums {
  const { p, x, fstatus, g, groupStart, groups } = d;
  const p2 = p * p;
  const s0 = new Float64Array(groups);
  const s1 = new Float64Array(groups * p);
  const s2 = withS2 ? new Float64Array(groups * p2) : null;
  // Suffix sums (time ≥ t), weight 1.
  let r0 = 0;
  const r1 = new Float64Array(p);
  const r2 = new Float64Array(p2);
  for (let gi = groups - 1; gi >= 0; gi--) {
    for (let i = groupStart[gi]; i < groupStart[gi + 1]; i++) {
      const e = Math.exp(eta[i]);
      r0 += e;
      for (let j = 0; j < p; j++) {
        const ex = e * x[i * p + j];
        r1[j] += ex;
        if (withS2) for (let k = 0; k < p; k++) r2[j * p + k] += ex * x[i * p + k];
      }
    }
    s0[gi] = r0;
    for (let j = 0; j < p; j++) s1[gi * p + j] = r1[j];
    if (s2) for (let k = 0; k < p2; k++) s2[gi * p2 + k] = r2[k];
  }
  // Prefix sums of competing failures before t, weight Ĝ(t−)/Ĝ(s−).
  let c0 = 0;
  const c1 = new Float64Array(p);
  const c2 = new Float64Array(p2);
  for (let gi = 0; gi < groups; gi++) {
    const first = groupStart[gi];
    const gt = g[first];
    s0[gi] += gt * c0;
    for (let j = 0; j < p; j++) s1[gi * p + j] += gt * c1[j];
    if (s2) for (let k = 0; k < p2; k++) s2[gi * p2 + k] += gt * c2[k];
    for (let i = first; i < groupStart[gi + 1]; i++) {
      if (fstatus[i] !== 2) continue;
      const e = Math.exp(eta[i]) / g[i];
      c0 += e;
      for (let j = 0; j < p; j++) {
        const ex = e * x[i * p + j];
        c1[j] += ex;
        if (withS2) for (let k = 0; k < p; k++) c2[j * p + k] += ex * x[i * p + k];
      }
    }
  }
  return { s0, s1, s2 };
}

function linearPredictor(d: Data, b: Float64Array): Float64Array {
  const eta = new Float64Array(d.n);
  for (let i = 0; i < d.n; i++) {
    let z = 0;
    for (let j = 0; j < d.p; j++) z += b[j] * d.x[i * d.p + j];
    eta[i] = z;
  }
  return eta;
}

/** crrfsv / crrf: minus the log pseudo-likelihood, minus the score, and the information. */
function objective(d: Data, b: Float64Array, withDerivatives: boolean): { lik: number; s: Float64Array; v: Float64Array } {
  const { p, x, fstatus, groupStart, groups } = d;
  const eta = linearPredictor(d, b);
  const sums = riskSums(d, eta, withDerivatives);
  let lik = 0;
  const s = new Float64Array(p);
  const v = new Float64Array(p * p);
  for (let gi = 0; gi < groups; gi++) {
    let nf = 0;
    for (let i = groupStart[gi]; i < groupStart[gi + 1]; i++) {
      if (fstatus[i] !== 1) continue;
      nf++;
      lik -= eta[i];
      for (let j = 0; j < p; j++) s[j] -= x[i * p + j];
    }
    if (nf === 0) continue;
    const s0 = sums.s0[gi];
    lik += nf * Math.log(s0);
    if (!withDerivatives) continue;
    for (let j = 0; j < p; j++) {
      const m = sums.s1[gi * p + j] / s0;
      s[j] += nf * m;
      for (let k = 0; k < p; k++) {
        v[j * p + k] += nf * (sums.s2![gi * p * p + j * p + k] / s0 - m * (sums.s1[gi * p + k] / s0));
      }
    }
  }
  return { lik, s, v };
}

/** Censoring Kaplan–Meier Ĝ evaluated just before each row's time (crr's uuu; Ĝ(0) at time 0). */
function censoringWeights(time: Float64Array, censored: Uint8Array): Float64Array {
  const n = time.length;
  const g = new Float64Array(n);
  let surv = 1;
  let k = 0;
  while (k < n) {
    const t = time[k];
    let m = k;
    let c = 0;
    while (m < n && time[m] === t) {
      c += censored[m];
      m++;
    }
    const before = surv;
    surv *= 1 - c / (n - k);
    for (let i = k; i < m; i++) g[i] = t === 0 ? surv : before;
    k = m;
  }
  return g;
}

export function fineGray(input: FineGrayInput): FineGrayFit {
  const n = input.time.length;
  const p = input.x.length;
  const names = input.names ? [...input.names] : input.x.map((_, j) => `x${j + 1}`);
  const gtol = input.gtol ?? 1e-6;
  const maxIter = input.maxIter ?? 10;
  const order = sortOrder(input.time);
  const time = new Float64Array(n);
  const fstatus = new Uint8Array(n);
  const censored = new Uint8Array(n);
  const x = new Float64Array(n * p);
  let events = 0;
  let competing = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k];
    time[k] = input.time[i];
    const st = input.status[i];
    fstatus[k] = st === input.cause ? 1 : st === 0 ? 0 : 2;
    censored[k] = st === 0 ? 1 : 0;
    if (fstatus[k] === 1) events++;
    if (fstatus[k] === 2) competing++;
  }
  if (events === 0) throw new ModelFitError(`there are no events of cause ${input.cause} in the rows used`);
  // Centring leaves crr's likelihood, estimates and variance unchanged and keeps the sums stable.
  for (let j = 0; j < p; j++) {
    const col = input.x[j];
    let mean = 0;
    for (let i = 0; i < n; i++) mean += col[i];
    mean /= n;
    let varies = false;
    for (let k = 0; k < n; k++) {
      const v = col[order[k]] - mean;
      x[k * p + j] = v;
      if (v !== x[j]) varies = true;
    }
    if (!varies) throw new ModelFitError(`covariate '${names[j]}' is constant in the rows used; remove it from the model`);
  }
  const groupStart: number[] = [];
  for (let k = 0; k < n; k++) if (k === 0 || time[k] !== time[k - 1]) groupStart.push(k);
  const groups = groupStart.length;
  groupStart.push(n);
  const d: Data = { n, p, x, fstatus, time, g: censoringWeights(time, censored), groupStart: Int32Array.from(groupStart), groups };

  // Newton–Raphson with backtracking, as crr.
  let b = new Float64Array(p);
  let converged = false;
  let iterations = 0;
  for (let ll = 0; ll <= maxIter; ll++) {
    iterations = ll;
    const z = objective(d, b, true);
    let maxGrad = 0;
    for (let j = 0; j < p; j++) maxGrad = Math.max(maxGrad, Math.abs(z.s[j]) * Math.max(Math.abs(b[j]), 1));
    if (maxGrad < Math.max(Math.abs(z.lik), 1) * gtol) {
      converged = true;
      break;
    }
    if (ll === maxIter) break;
    assertEstimable(z.v, p, names);
    const step = solve(z.v, z.s, p);
    if (!step) throw new ModelFitError('the information matrix is singular (collinear covariates?)');
    const sc = step.map((v) => -v);
    let slope = 0;
    for (let j = 0; j < p; j++) slope += sc[j] * z.s[j];
    let bn = b.map((v, j) => v + sc[j]);
    let fbn = objective(d, bn, false).lik;
    let halvings = 0;
    while (Number.isNaN(fbn) || fbn > z.lik + 1e-4 * slope) {
      halvings++;
      for (let j = 0; j < p; j++) sc[j] *= 0.5;
      slope *= 0.5;
      bn = b.map((v, j) => v + sc[j]);
      fbn = objective(d, bn, false).lik;
      if (halvings > 20) break;
    }
    if (halvings > 20) break;
    b = bn;
  }

  const { v: info, lik } = objective(d, b, true);
  assertEstimable(info, p, names);
  const h = inverse(info, p);
  if (!h) throw new ModelFitError('the information matrix is singular (collinear covariates?)');
  const v2 = influenceCrossProduct(d, b);
  const variance = new Float64Array(p * p);
  const tmp = new Float64Array(p * p);
  for (let i = 0; i < p; i++)
    for (let j = 0; j < p; j++) {
      let s = 0;
      for (let k = 0; k < p; k++) s += h[i * p + k] * v2[k * p + j];
      tmp[i * p + j] = s;
    }
  for (let i = 0; i < p; i++)
    for (let j = 0; j < p; j++) {
      let s = 0;
      for (let k = 0; k < p; k++) s += tmp[i * p + k] * h[j * p + k];
      variance[i * p + j] = s;
    }
  const se = new Float64Array(p);
  for (let j = 0; j < p; j++) se[j] = Math.sqrt(variance[j * p + j]);
  for (let j = 0; j < p; j++) {
    if (!(se[j] > 0) || !Number.isFinite(se[j]) || !Number.isFinite(b[j])) {
      throw new ModelFitError(`the Fine–Gray fit gives no usable standard error for '${names[j]}' (a singular or degenerate fit); remove or recode that covariate`);
    }
  }
  return { n, names, coef: b, variance, se, loglik: -lik, iterations, converged, events, competingEvents: competing };
}

/**
 * Refuses a singular information matrix (collinear covariates, or a covariate constant among the
 * rows at risk at the cause's event times): crr's solve() would stop or return meaningless numbers
 * (se 0, estimates of 1e17). Rank by the Cholesky of the unit-diagonal information with coxph's
 * toler.chol, the same rule as the Cox model's aliasing (matrix.ts).
 */
function assertEstimable(info: Float64Array, p: number, names: readonly string[]): void {
  const f = new Float64Array(p * p);
  const scale = new Float64Array(p);
  for (let j = 0; j < p; j++) scale[j] = info[j * p + j] > 0 && Number.isFinite(info[j * p + j]) ? 1 / Math.sqrt(info[j * p + j]) : 0;
  for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) f[i * p + j] = info[i * p + j] * scale[i] * scale[j];
  if (Math.abs(cholesky(f, p, TOLER_CHOL)) === p) return;
  const bad: string[] = [];
  for (let j = 0; j < p; j++) if (f[j * p + j] === 0) bad.push(`'${names[j]}'`);
  throw new ModelFitError(
    `the Fine–Gray information matrix is singular: ${bad.join(', ')} ${bad.length > 1 ? 'are' : 'is'} collinear with the other covariates or constant among the subjects at risk at the events of interest; remove ${bad.length > 1 ? 'them' : 'it'} from the model`,
  );
}

/**
 * crrvv's Σᵢ ηᵢηᵢᵀ. ηᵢ = (dNᵢ part) − ∫ (xᵢ − x̄) wᵢ e^{ηᵢ} dΛ̂₁ + ψᵢ, with ψᵢ the contribution of
 * estimating Ĝ (q(t)/π(t) at censoring times). All inner sums of crrvv over failure rows are
 * cumulative sums over time, computed once here.
 */
function influenceCrossProduct(d: Data, b: Float64Array): Float64Array {
  const { n, p, x, fstatus, g, groupStart, groups } = d;
  const eta = linearPredictor(d, b);
  const sums = riskSums(d, eta, false);
  // Per group with cause-1 failures: nf/S0, nf·x̄/S0, and Ĝ-weighted versions.
  const nfail = new Int32Array(groups);
  for (let gi = 0; gi < groups; gi++)
    for (let i = groupStart[gi]; i < groupStart[gi + 1]; i++) if (fstatus[i] === 1) nfail[gi]++;
  // Suffix sums over groups ≥ gi (A'' and B'' of the derivation) and > gi.
  const aSuf = new Float64Array(groups + 1);
  const bSuf = new Float64Array((groups + 1) * p);
  for (let gi = groups - 1; gi >= 0; gi--) {
    const nf = nfail[gi];
    const s0 = sums.s0[gi];
    const gt = g[groupStart[gi]];
    aSuf[gi] = aSuf[gi + 1] + (nf > 0 ? (nf * gt) / s0 : 0);
    for (let j = 0; j < p; j++) {
      bSuf[gi * p + j] = bSuf[(gi + 1) * p + j] + (nf > 0 ? (nf * gt * sums.s1[gi * p + j]) / (s0 * s0) : 0);
    }
  }
  const v2 = new Float64Array(p * p);
  const ss2 = new Float64Array(p);
  const qu = new Float64Array(p);
  const st = new Float64Array(p);
  const aPre = { a: 0, b: new Float64Array(p) }; // Σ over failure rows with t ≤ current
  const c1 = new Float64Array(p);
  let c0 = 0; // competing failures before the current time: Σ e^η/Ĝ (·x)
  let atRisk = n;
  for (let gi = 0; gi < groups; gi++) {
    const first = groupStart[gi];
    const last = groupStart[gi + 1];
    const nf = nfail[gi];
    const s0g = sums.s0[gi];
    if (nf > 0) {
      aPre.a += nf / s0g;
      for (let j = 0; j < p; j++) aPre.b[j] += (nf * sums.s1[gi * p + j]) / (s0g * s0g);
    }
    let ncens = 0;
    for (let i = first; i < last; i++) if (fstatus[i] === 0) ncens++;
    if (ncens > 0) {
      // q(t) at this censoring time, then ψ's running part (already negative, as crrvv's ss2).
      for (let j = 0; j < p; j++) qu[j] = c1[j] * aSuf[gi] - c0 * bSuf[gi * p + j];
      for (let j = 0; j < p; j++) ss2[j] -= (ncens * qu[j]) / (atRisk * atRisk);
    }
    for (let i = first; i < last; i++) {
      const e = Math.exp(eta[i]);
      const base = i * p;
      for (let j = 0; j < p; j++) st[j] = -e * (x[base + j] * aPre.a - aPre.b[j]);
      if (fstatus[i] === 2) {
        const w = e / g[i];
        const aa = aSuf[gi + 1];
        for (let j = 0; j < p; j++) st[j] -= w * (x[base + j] * aa - bSuf[(gi + 1) * p + j]);
      }
      if (fstatus[i] === 1) for (let j = 0; j < p; j++) st[j] += x[base + j] - sums.s1[gi * p + j] / s0g;
      for (let j = 0; j < p; j++) st[j] += ss2[j];
      if (fstatus[i] === 0) for (let j = 0; j < p; j++) st[j] += qu[j] / atRisk;
      for (let j = 0; j < p; j++) for (let k = 0; k < p; k++) v2[j * p + k] += st[j] * st[k];
    }
    for (let i = first; i < last; i++) {
      if (fstatus[i] !== 2) continue;
      const e = Math.exp(eta[i]) / g[i];
      c0 += e;
      for (let j = 0; j < p; j++) c1[j] += e * x[i * p + j];
    }
    atRisk -= last - first;
  }
  return v2;
}
