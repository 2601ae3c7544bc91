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
//
// Monotone pseudo-likelihood (separation: e.g. every event of interest in one group, or at each such
// event the subject with the largest covariate of its weighted risk set): the maximum is not attained
// and crr stops (converged or not) somewhere along the ray to ±∞, at numbers that depend on rounding.
// As coxph flags a monotone likelihood (coxModel.ts), such coefficients are reported as diverging
// instead; see divergingCoefficients below for the rule.
import { ModelFitError, sortOrder } from './coxModel';
import { cholesky, choleskySolve, inverse, solve, TOLER_CHOL } from './matrix';
import { chiSquareUpperTail, normalQuantile } from './distributions';

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
  /** Per coefficient: the estimate diverges (monotone pseudo-likelihood); its numbers are not usable. */
  infinite: boolean[];
  /** Per diverging coefficient, the direction it runs off to (the sign of β along the ray); else 0. */
  direction: number[];
  /** True when any coefficient diverges. */
  monotoneLikelihood: boolean;
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

/**
 * crrfsv / crrf: minus the log pseudo-likelihood, minus the score, and the information; `m2` is the
 * diagonal of Σ nf·S2/S0, the raw second moments the information's diagonal is a difference of.
 */
function objective(d: Data, b: Float64Array, withDerivatives: boolean): { lik: number; s: Float64Array; v: Float64Array; m2: Float64Array } {
  const { p, x, fstatus, groupStart, groups } = d;
  const eta = linearPredictor(d, b);
  const sums = riskSums(d, eta, withDerivatives);
  let lik = 0;
  const s = new Float64Array(p);
  const v = new Float64Array(p * p);
  const m2 = new Float64Array(p);
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
      m2[j] += (nf * sums.s2![gi * p * p + j * p + j]) / s0;
    }
  }
  return { lik, s, v, m2 };
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

  // Newton–Raphson with backtracking, as crr. A singular information on the way is either the sign of
  // a diverging coefficient (its information vanishes along the ray) or a refusal (collinear columns).
  let b = new Float64Array(p);
  let converged = false;
  let iterations = 0;
  let divergence: Divergence | null = null;
  for (let ll = 0; ll <= maxIter; ll++) {
    iterations = ll;
    const z = objective(d, b, true);
    if (ll === 0) {
      // Singular at β = 0: collinear columns, or one constant among those at risk (nothing has diverged yet).
      const atZero = singularColumns(z.v, z.m2, p);
      if (atZero) refuseSingular(atZero, names);
    }
    let maxGrad = 0;
    for (let j = 0; j < p; j++) maxGrad = Math.max(maxGrad, Math.abs(z.s[j]) * Math.max(Math.abs(b[j]), 1));
    if (maxGrad < Math.max(Math.abs(z.lik), 1) * gtol) {
      converged = true;
      break;
    }
    if (ll === maxIter) break;
    const singular = singularColumns(z.v, z.m2, p);
    const step = singular ? null : solve(z.v, z.s, p);
    if (!step) {
      divergence = divergingCoefficients(d, b);
      if (divergence.infinite.some(Boolean)) break;
      refuseSingular(singular ?? [], names);
    }
    const sc = step!.map((v) => -v);
    let slope = 0;
    for (let j = 0; j < p; j++) slope += sc[j] * z.s[j];
    // The Newton decrement UᵀI⁻¹U: twice the decrease a full step promises (units-free).
    const decrement = -slope;
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
    if (halvings > 20) {
      // No step lowers −ℓ: at the maximum to within rounding when the promised decrease is below it.
      // crr's own test (max|U|·max(|β|, 1) < gtol·|ℓ|) is in the covariates' units — with a covariate
      // in the 10⁴s it asks for a score below rounding, and whether crr then says "converged" is a
      // matter of its rounding; the estimates agree either way.
      if (decrement / 2 <= ROUNDING_DECREASE * Math.max(Math.abs(z.lik), 1)) converged = true;
      break;
    }
    b = bn;
  }
  divergence ??= divergingCoefficients(d, b);
  const { infinite, direction } = divergence;
  const monotone = infinite.some(Boolean);

  const { v: info, m2, lik } = objective(d, b, true);
  const singular = singularColumns(info, m2, p);
  const h = singular ? null : inverse(info, p);
  if (!h && !monotone) refuseSingular(singular ?? [], names);
  const variance = new Float64Array(p * p).fill(NaN);
  if (h) sandwich(h, influenceCrossProduct(d, b), p, variance);
  const se = new Float64Array(p);
  for (let j = 0; j < p; j++) se[j] = Math.sqrt(variance[j * p + j]);
  for (let j = 0; j < p; j++) {
    if (monotone) continue; // the other coefficients' numbers are checked where they are reported
    if (!(se[j] > 0) || !Number.isFinite(se[j]) || !Number.isFinite(b[j])) {
      throw new ModelFitError(`the Fine–Gray fit gives no usable standard error for '${names[j]}' (a singular or degenerate fit); remove or recode that covariate`);
    }
  }
  return {
    n,
    names,
    coef: b,
    variance,
    se,
    loglik: -lik,
    iterations,
    converged,
    events,
    competingEvents: competing,
    infinite,
    direction,
    monotoneLikelihood: monotone,
  };
}

/** crr's variance H⁻¹ (Σ ηᵢηᵢᵀ) H⁻¹, written into `out`. */
function sandwich(h: Float64Array, v2: Float64Array, p: number, out: Float64Array): void {
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
      out[i * p + j] = s;
    }
}

/** A decrease of −ℓ this small relative to ℓ is below what its rounding lets the line search see. */
const ROUNDING_DECREASE = 1e-10;

interface Divergence {
  infinite: boolean[];
  direction: number[];
}

/** coxph.control's eps and toler.inf = √eps, the constants of coxph.fit's "may be infinite" check. */
const COX_EPS = 1e-9;
const TOLER_INF = Math.sqrt(COX_EPS);
/** A Newton step of at least this many standard deviations of a covariate (in β·sd) is not a rounding residue. */
const DIVERGING_STEP = 1e-3;

/**
 * Which coefficients diverge. crr's own stopping rule cannot tell: along a ray of monotone
 * pseudo-likelihood the score and the information both decay like e^(−β·gap), so crr stops (after 10
 * iterations, or "converged" because the score is tiny) wherever that happens to be. The rule, from
 * crr's estimate:
 *   1. iterate Newton (step halving) to coxph's convergence, |1 − ℓ_old/ℓ_new| ≤ 1e-9 (coxfit6) — or
 *      |ℓ_old − ℓ_new| ≤ 1e-10 per event of interest, since under complete separation ℓ → 0 and its
 *      relative change stays large — plus one more step, at most MAX_CONTINUATION iterations; stop
 *      early at a pivot that vanishes (Cholesky of the unit-diagonal information, coxph's toler.chol);
 *   2. coefficient j diverges when its last two steps s¹, s² are not rounding residues
 *      (|s¹ⱼ|·sdⱼ > 1e-3, the covariate's sd), are large relative to the coefficient
 *      (|s¹ⱼ| > √eps·|βⱼ|, coxph.fit's toler.inf check, as coxModel.ts) and do not shrink
 *      (|s²ⱼ| ≥ ½|s¹ⱼ|, same sign): at an attained maximum Newton converges quadratically
 *      (s² ≈ C·(s¹)²), along a ray of monotone likelihood each step is ≈ 1/gap;
 *   3. a pivot that vanished on the way (the column's information died along a diverging direction,
 *      so its estimate wanders; crr's information at β = 0 was regular, else the fit was refused)
 *      diverges, with every column still taking a large step then;
 *   4. as coxph.fit: a fit that has not converged with a linear predictor beyond ±500 diverges along
 *      its largest steps.
 * Checked against an exact linear-programming test of separation in R (make-extra-finegray.R and the
 * differential run of test/bench/differential), and for invariance to the covariates' units
 * (test/unit/stats/properties.test.ts).
 */
function divergingCoefficients(d: Data, start: Float64Array): Divergence {
  const { p, n, x } = d;
  const sd = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    let ss = 0;
    for (let i = 0; i < n; i++) ss += x[i * p + j] * x[i * p + j];
    sd[j] = Math.sqrt(ss / Math.max(n - 1, 1));
  }
  let events = 0;
  for (let i = 0; i < n; i++) if (d.fstatus[i] === 1) events++;
  let beta = Float64Array.from(start);
  let lik = objective(d, beta, false).lik;
  // Per column, its Newton steps at the last two iterates where its pivot did not vanish, and whether
  // it vanished on the way.
  const previous = new Float64Array(p).fill(NaN);
  const last = new Float64Array(p).fill(NaN);
  const vanished: boolean[] = new Array<boolean>(p).fill(false);
  let lastStep: Float64Array | null = null;
  let converged = false;
  for (let iter = 0; iter <= MAX_CONTINUATION && Number.isFinite(lik); iter++) {
    const { step, singular } = newtonStep(d, beta);
    // A pivot that vanishes means the information of that column died on the way (it is undetermined
    // along a diverging direction): that column diverges, and the iteration ends here — the other
    // columns' steps from now on would be those of another problem (that column frozen).
    let vanishedNow = false;
    for (let j = 0; j < p; j++) {
      if (singular[j] || !Number.isFinite(step[j])) vanished[j] = vanishedNow = true;
    }
    if (vanishedNow) break;
    for (let j = 0; j < p; j++) {
      previous[j] = last[j];
      last[j] = step[j];
    }
    lastStep = step;
    let tiny = true;
    for (let j = 0; j < p; j++) if (Math.abs(step[j]) * sd[j] > 1e-10 * Math.max(1, Math.abs(beta[j]) * sd[j])) tiny = false;
    if (tiny || converged || iter === MAX_CONTINUATION) break;
    let next = beta.map((v, j) => v + step[j]);
    let nextLik = objective(d, next, false).lik;
    let halving = 0;
    while (!(nextLik <= lik) && halving < 30) {
      halving++;
      next = beta.map((v, j) => v + step[j] / 2 ** halving);
      nextLik = objective(d, next, false).lik;
    }
    if (!(nextLik <= lik)) break;
    // coxph's convergence (coxfit6): one more Newton step is computed at the converged point. Under
    // complete separation −ℓ itself tends to 0, so its relative change never gets small; there the
    // absolute change stops the iteration while ℓ, the score and the steps are still far above rounding.
    converged = Math.abs(1 - lik / nextLik) <= COX_EPS || Math.abs(lik - nextLik) <= FLAT_LIKELIHOOD * events;
    beta = next;
    lik = nextLik;
  }
  const infinite: boolean[] = [];
  for (let j = 0; j < p; j++) {
    const s1 = previous[j];
    const s2 = last[j];
    infinite.push(
      Number.isFinite(s1) &&
        Math.abs(s1) * sd[j] > DIVERGING_STEP &&
        Math.abs(s1) > TOLER_INF * Math.abs(beta[j]) &&
        Math.abs(s2) >= 0.5 * Math.abs(s1) &&
        s1 * s2 > 0,
    );
  }
  if (vanished.some(Boolean)) {
    // A vanished pivot is itself the sign of divergence (crr's information was regular where it
    // stopped): those columns, and any other still taking a large step when it happened.
    for (let j = 0; j < p; j++) {
      const s = last[j];
      if (vanished[j] || (Number.isFinite(s) && Math.abs(s) * sd[j] > DIVERGING_STEP && Math.abs(s) > TOLER_INF * Math.abs(beta[j]))) infinite[j] = true;
    }
  }
  if (!converged && !infinite.some(Boolean) && lastStep) {
    let maxLp = 0;
    const eta = linearPredictor(d, beta);
    for (let i = 0; i < n; i++) maxLp = Math.max(maxLp, Math.abs(eta[i]));
    if (maxLp > 500) {
      const size = Array.from(lastStep, (s, j) => Math.abs(s) * sd[j]);
      const top = Math.max(...size);
      for (let j = 0; j < p; j++) infinite[j] = size[j] >= 0.5 * top;
    }
  }
  // Where it runs off to: the sign of its steps when they are steady, else that of where it got to.
  const direction = infinite.map((inf, j) => {
    if (!inf) return 0;
    const steady = last[j] * previous[j] > 0 ? last[j] : 0;
    return Math.sign(steady || beta[j]) || 1;
  });
  return { infinite, direction };
}

const MAX_CONTINUATION = 40;
/** An absolute change of −ℓ (per event of interest) that counts as converged: see divergingCoefficients. */
const FLAT_LIKELIHOOD = 1e-10;

/**
 * The Newton step I⁻¹U at β (U the score of the log pseudo-likelihood), by the Cholesky of the
 * unit-diagonal information with coxph's toler.chol: singular pivots get a zero step (chsolve2).
 */
function newtonStep(d: Data, beta: Float64Array): { step: Float64Array; singular: boolean[] } {
  const { p } = d;
  const z = objective(d, beta, true);
  const scale = new Float64Array(p);
  const f = unitDiagonal(z.v, z.m2, p, scale);
  cholesky(f, p, TOLER_CHOL);
  const step = new Float64Array(p);
  for (let j = 0; j < p; j++) step[j] = -z.s[j] * scale[j];
  choleskySolve(f, p, step);
  const singular: boolean[] = [];
  for (let j = 0; j < p; j++) {
    singular.push(f[j * p + j] === 0 || scale[j] === 0);
    step[j] = scale[j] === 0 ? 0 : step[j] * scale[j];
  }
  return { step, singular };
}

/**
 * The columns of a singular information matrix (collinear covariates, or a covariate constant among
 * the rows at risk at the cause's event times), or null when it is not singular: crr's solve() would
 * stop or return meaningless numbers (se 0, estimates of 1e17). Rank by the Cholesky of the
 * unit-diagonal information with coxph's toler.chol, the same rule as the Cox model's aliasing (matrix.ts).
 */
function singularColumns(info: Float64Array, m2: Float64Array, p: number): number[] | null {
  const f = unitDiagonal(info, m2, p);
  if (Math.abs(cholesky(f, p, TOLER_CHOL)) === p) return null;
  const bad: number[] = [];
  for (let j = 0; j < p; j++) if (f[j * p + j] === 0) bad.push(j);
  return bad;
}

/**
 * The information scaled to unit diagonal (row-major copy). A diagonal that is no more than rounding
 * left over from Σ S2/S0 − Σ m² (≤ 1e-10 of the former: the column is constant within every risk set)
 * counts as 0, so that noise is not blown up into a unit of information; scale[j] is 0 then.
 */
function unitDiagonal(info: Float64Array, m2: Float64Array, p: number, scale = new Float64Array(p)): Float64Array {
  for (let j = 0; j < p; j++) {
    const v = info[j * p + j];
    scale[j] = v > DIAGONAL_ROUNDING * m2[j] && Number.isFinite(v) ? 1 / Math.sqrt(v) : 0;
  }
  const f = new Float64Array(p * p);
  for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) f[i * p + j] = info[i * p + j] * scale[i] * scale[j];
  return f;
}

const DIAGONAL_ROUNDING = 1e-10;

function refuseSingular(columns: readonly number[], names: readonly string[]): never {
  if (columns.length === 0) throw new ModelFitError('the Fine–Gray information matrix is singular (collinear covariates?)');
  const bad = columns.map((j) => `'${names[j]}'`);
  throw new ModelFitError(
    `the Fine–Gray information matrix is singular: ${bad.join(', ')} ${bad.length > 1 ? 'are' : 'is'} collinear with the other covariates or constant among the subjects at risk at the events of interest; remove ${bad.length > 1 ? 'them' : 'it'} from the model`,
  );
}

/** The user-facing note for a Fine–Gray fit with diverging coefficients (the CLI's and the app's). */
export function fineGrayDivergenceMessage(fit: FineGrayFit): string {
  const terms = fit.names.filter((_, j) => fit.infinite[j]);
  return (
    `monotone pseudo-likelihood: the estimate of ${terms.map((t) => `'${t}'`).join(', ')} diverges to infinity ` +
    `(e.g. all events of interest in one group, or separated by the covariate); its subdistribution hazard ratio, ` +
    `se and CI are not valid (cmprsk::crr stops at an arbitrary point on the way)`
  );
}

export interface FineGrayTermRow {
  term: string;
  coef: number | null;
  hr: number | null;
  se: number | null;
  z: number | null;
  p: number | null;
  lower: number | null;
  upper: number | null;
  /** Present when the coefficient diverges (monotone pseudo-likelihood): its direction, as coxTerms. */
  diverges?: '+inf' | '-inf';
}

/**
 * crr's coefficient table (summary.crr): subdistribution HR = exp(β), z = β/se, two-sided normal p,
 * Wald CI exp(β ± Φ⁻¹(1−α/2)·se). Diverging coefficients are null with their direction, as coxTerms
 * does under monotone likelihood; so is any other number the diverging fit leaves undefined.
 */
export function fineGrayTerms(fit: FineGrayFit, confLevel = 0.95): FineGrayTermRow[] {
  const zq = normalQuantile(1 - (1 - confLevel) / 2);
  return fit.names.map((term, j) => {
    const coef = fit.coef[j];
    const se = fit.se[j];
    const none = { term, coef: null, hr: null, se: null, z: null, p: null, lower: null, upper: null };
    if (fit.infinite[j]) return { ...none, diverges: fit.direction[j] >= 0 ? '+inf' : '-inf' };
    if (!(se > 0) || !Number.isFinite(se) || !Number.isFinite(coef)) return none;
    const z = coef / se;
    return { term, coef, hr: Math.exp(coef), se, z, p: chiSquareUpperTail(z * z, 1), lower: Math.exp(coef - zq * se), upper: Math.exp(coef + zq * se) };
  });
}

/** Notes a reader of a Fine–Gray fit must see: divergence, non-convergence. */
export function fineGrayWarnings(fit: FineGrayFit): string[] {
  if (fit.monotoneLikelihood) return [fineGrayDivergenceMessage(fit)];
  return fit.converged ? [] : [`crr-style iteration did not converge in ${fit.iterations} iterations`];
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
