// Cox proportional-hazards regression, matching R survival 3.5 `coxph` for right-censored data.
//
// Partial likelihood (Cox 1972) with Breslow or Efron (1977) handling of tied event times; within
// stratum s and at event time t with d deaths, risk set R and tie set D (Efron, k = 0…d−1):
//   ℓ = Σ_t [ Σ_{i∈D} ηᵢ − Σ_k log( Σ_{R} rᵢ − (k/d) Σ_{D} rᵢ ) ],   rᵢ = exp(ηᵢ)
// Breslow drops the (k/d) term. The Newton–Raphson iteration, its step halving, the convergence rule
// (|1 − ℓ_old/ℓ_new| ≤ eps = 1e−9, at most 20 iterations), the centring and scaling of covariates
// and the LDLᵀ Cholesky with tolerance all follow survival's coxfit6.c / coxph.fit (Therneau).
// Score, likelihood-ratio and Wald tests as coxph; the score test is at β = 0.
//
// Robust variance (Lin & Wei 1989), as coxph(…, cluster=): dfbeta residuals D = R·V (R the score
// residuals of coxscore2.c, V the model-based variance), summed within cluster, V_rob = DᵀD; the
// robust score test uses the cluster-summed score residuals at β = 0: χ² = uᵀ(R₀ᵀR₀)⁻¹u.
//
// Speed: rows are sorted once (radix sort on the time bits, then by stratum) and centred, scaled and
// gathered into one row-major array; each iteration is one backward pass that computes η and
// accumulates the risk-set sums Σr, Σr·x, Σr·x·xᵀ, with no per-row allocation. The robust variance
// costs one backward pass per β (at the estimate and at 0) and one residual loop for both (O(n·p)).
import { chiSquareUpperTail, normalQuantile } from './distributions';
import { cholesky, choleskyInverse, choleskySolve, TOLER_CHOL, waldQuadratic } from './matrix';
import { ascendingOrder } from './timeOrder';

export type CoxTies = 'efron' | 'breslow';

export interface CoxInput {
  time: Float64Array;
  /** 1 = event, 0 = censored. */
  status: Uint8Array;
  /** Design-matrix columns, each of length n. */
  x: readonly Float64Array[];
  /** Column names (for messages). */
  names?: readonly string[];
  /** Stratum code per row (any integers). */
  strata?: Int32Array;
  /** Cluster code per row, 0…k−1 (e.g. patient of a lesion); enables the robust variance. */
  cluster?: Int32Array;
  ties?: CoxTies;
  /** Defaults as coxph.control: eps 1e−9, iter.max 20, toler.chol eps^0.75, toler.inf √eps. */
  eps?: number;
  maxIter?: number;
}

export interface ChiSquareTest {
  chisq: number;
  df: number;
}

export interface CoxFit {
  n: number;
  events: number;
  p: number;
  names: string[];
  coef: Float64Array;
  /** Model-based variance (inverse information), p × p row-major. */
  variance: Float64Array;
  /** Cluster-robust sandwich variance, or null without clusters. */
  robustVariance: Float64Array | null;
  /** Partial log-likelihood at β = 0 and at the estimate. */
  loglik: [number, number];
  /** Score (log-rank) test at β = 0. */
  score: ChiSquareTest;
  robustScore: ChiSquareTest | null;
  clusters: number;
  iterations: number;
  converged: boolean;
  /** Per coefficient: the estimate diverges (monotone likelihood), as coxph's "coefficient may be infinite". */
  infinite: boolean[];
  /** True when any coefficient diverges: the estimates are not usable; Firth's penalised Cox is. */
  monotoneLikelihood: boolean;
  /** Per coefficient: not estimable (aliased; its Cholesky pivot is 0), reported as NA as coxph does. */
  aliased: boolean[];
  /** Number of estimable coefficients: the df of the likelihood-ratio, Wald and score tests (summary.coxph). */
  df: number;
  /** Events per estimated coefficient. */
  eventsPerVariable: number;
  ties: CoxTies;
}

/** The data could not be fitted (no events, collinear covariates …): the message is for the user. */
export class ModelFitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelFitError';
  }
}

/**
 * Row order by (stratum, time): stable LSD radix sort on the time bits (timeOrder.ts; −0 ties with 0),
 * then a stable counting sort by stratum. No comparator calls.
 */
export function sortOrder(time: Float64Array, strata?: Int32Array): Int32Array {
  const n = time.length;
  const radix = ascendingOrder(time);
  let order = new Int32Array(radix.buffer, radix.byteOffset, n);
  if (strata) {
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < n; i++) {
      if (strata[i] < min) min = strata[i];
      if (strata[i] > max) max = strata[i];
    }
    if (n > 0 && max > min) {
      const key = new Int32Array(n);
      for (let i = 0; i < n; i++) key[i] = strata[i] - min;
      order = countingSort(key, max - min + 1, order);
    }
  }
  return order;
}

/** Stable counting sort of the rows listed in `within` (or 0…n−1) by key. */
function countingSort(key: Int32Array, m: number, within: Int32Array | null): Int32Array {
  const n = key.length;
  const start = new Int32Array(m + 1);
  for (let i = 0; i < n; i++) start[key[i] + 1]++;
  for (let k = 0; k < m; k++) start[k + 1] += start[k];
  const out = new Int32Array(n);
  for (let j = 0; j < n; j++) {
    const i = within ? within[j] : j;
    out[start[key[i]]++] = i;
  }
  return out;
}

/** Sorted, centred and scaled data shared by the fitting passes (and cox.zph). */
export interface Prepared {
  n: number;
  p: number;
  /** Row-major n × p, sorted, centred and scaled as coxfit6. */
  x: Float64Array;
  status: Uint8Array;
  /** Tie groups (same stratum and time) in sorted order: rows groupStart[g] … groupStart[g+1]−1. */
  groupStart: Int32Array;
  groups: number;
  /** Deaths per group. */
  groupDeaths: Int32Array;
  /** 1 when the group is the last of its stratum. */
  groupStratumEnd: Uint8Array;
  /** Cluster code per sorted row, or null. */
  cluster: Int32Array | null;
  means: Float64Array;
  scale: Float64Array;
  efron: boolean;
  /** Original row of each sorted row. */
  order: Int32Array;
}

export function prepareCoxData(input: CoxInput): Prepared {
  const { time, status } = input;
  const n = time.length;
  const p = input.x.length;
  const order = sortOrder(time, input.strata);
  const x = new Float64Array(n * p);
  const means = new Float64Array(p);
  const scale = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    const col = input.x[j];
    // coxph(nocenter = c(-1, 0, 1)): columns whose values are all −1, 0 or 1 are neither centred nor scaled.
    let zeroOne = true;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const v = col[i];
      sum += v;
      if (zeroOne && v !== 0 && v !== 1 && v !== -1) zeroOne = false;
    }
    if (zeroOne) {
      means[j] = 0;
      scale[j] = 1;
    } else {
      const mean = sum / n;
      let abs = 0;
      for (let i = 0; i < n; i++) abs += Math.abs(col[i] - mean);
      means[j] = mean;
      scale[j] = abs > 0 ? n / abs : 1;
    }
  }
  // Centre, scale and sort in one gather, column by column (no unsorted n × p copy): measured as fast
  // as gathering whole rows from a row-major copy, with half the memory.
  for (let j = 0; j < p; j++) {
    const col = input.x[j];
    const m = means[j];
    const s = scale[j];
    for (let k = 0, to = j; k < n; k++, to += p) x[to] = (col[order[k]] - m) * s;
  }
  const strata = input.strata;
  const sStatus = new Uint8Array(n);
  const sTime = new Float64Array(n);
  const sStrata = strata ? new Int32Array(n) : null;
  const cluster = input.cluster ? new Int32Array(n) : null;
  for (let k = 0; k < n; k++) {
    const i = order[k];
    sStatus[k] = status[i] ? 1 : 0;
    sTime[k] = time[i];
  }
  if (sStrata) for (let k = 0; k < n; k++) sStrata[k] = strata![order[k]];
  if (cluster) {
    const c = input.cluster!;
    for (let k = 0; k < n; k++) cluster[k] = c[order[k]];
  }
  const groupStartList = new Int32Array(n + 1);
  const groupDeaths = new Int32Array(n);
  const groupStratumEnd = new Uint8Array(n);
  let groups = 0;
  for (let k = 0; k < n; k++) {
    const newStratum = sStrata !== null && k > 0 && sStrata[k] !== sStrata[k - 1];
    if (k === 0 || newStratum || sTime[k] !== sTime[k - 1]) {
      if (newStratum) groupStratumEnd[groups - 1] = 1;
      groupStartList[groups++] = k;
    }
    groupDeaths[groups - 1] += sStatus[k];
  }
  if (groups > 0) groupStratumEnd[groups - 1] = 1;
  groupStartList[groups] = n;
  return {
    n,
    p,
    x,
    status: sStatus,
    groupStart: groupStartList.subarray(0, groups + 1),
    groups,
    groupDeaths: groupDeaths.subarray(0, groups),
    groupStratumEnd: groupStratumEnd.subarray(0, groups),
    cluster,
    means,
    scale,
    efron: (input.ties ?? 'efron') === 'efron',
    order,
  };
}

/** Work arrays of one likelihood pass. */
interface Work {
  u: Float64Array;
  /** Information matrix, upper triangle used (imat[j*p+i], j ≤ i). */
  imat: Float64Array;
  a: Float64Array;
  a2: Float64Array;
  cmat: Float64Array;
  cmat2: Float64Array;
  eta: Float64Array;
  /** Efron steps of the largest tie group: D_k, and a_k and a_k/D_k per covariate (p × d). */
  stepDenom: Float64Array;
  stepA: Float64Array;
  stepMean: Float64Array;
}

function makeWork(d: Prepared): Work {
  const { n, p } = d;
  let maxDeaths = 0;
  for (let g = 0; g < d.groups; g++) if (d.groupDeaths[g] > maxDeaths) maxDeaths = d.groupDeaths[g];
  return {
    stepDenom: new Float64Array(maxDeaths),
    stepA: new Float64Array(maxDeaths * p),
    stepMean: new Float64Array(maxDeaths * p),
    u: new Float64Array(p),
    imat: new Float64Array(p * p),
    a: new Float64Array(p),
    a2: new Float64Array(p),
    cmat: new Float64Array(p * p),
    cmat2: new Float64Array(p * p),
    eta: new Float64Array(n),
  };
}

/**
 * One pass of coxfit6_iter: log partial likelihood at beta (scaled coordinates), score u and
 * information imat. Backward over tie groups, risk-set sums carried from the latest time.
 */
function likelihoodPass(d: Prepared, beta: Float64Array, w: Work): number {
  const { p, x, status, groupStart, groupDeaths, groupStratumEnd, efron } = d;
  const { u, imat, a, a2, cmat, cmat2, eta, stepDenom, stepA, stepMean } = w;
  u.fill(0);
  imat.fill(0);
  a2.fill(0);
  cmat2.fill(0);
  let loglik = 0;
  let denom = 0;
  const pp = p * p;
  for (let g = d.groups - 1; g >= 0; g--) {
    if (groupStratumEnd[g]) {
      denom = 0;
      for (let k = 0; k < p; k++) a[k] = 0;
      for (let k = 0; k < pp; k++) cmat[k] = 0;
    }
    const ndead = groupDeaths[g];
    const first = groupStart[g];
    const last = groupStart[g + 1] - 1;
    if (!efron || ndead <= 1) {
      // Breslow, or at most one death: every row goes straight into the risk-set sums
      // (coxfit6 adds the deaths' a2/cmat2 before using the sums, which is the same).
      for (let i = last; i >= first; i--) {
        const base = i * p;
        let z = 0;
        for (let j = 0; j < p; j++) z += beta[j] * x[base + j];
        eta[i] = z;
        const risk = Math.exp(z);
        denom += risk;
        for (let j = 0; j < p; j++) {
          const rx = risk * x[base + j];
          a[j] += rx;
          const row = j * p;
          for (let k = 0; k <= j; k++) cmat[row + k] += rx * x[base + k];
        }
        if (status[i] !== 0) {
          loglik += z;
          for (let j = 0; j < p; j++) u[j] += x[base + j];
        }
      }
      if (ndead === 0) continue;
      loglik -= ndead * Math.log(denom);
      for (let i = 0; i < p; i++) {
        const mean = a[i] / denom;
        u[i] -= ndead * mean;
        const row = i * p;
        for (let j = 0; j <= i; j++) imat[j * p + i] += (ndead * (cmat[row + j] - mean * a[j])) / denom;
      }
      continue;
    }
    // Efron with d > 1 tied deaths: they leave the risk set in d equal steps, so their sums are kept apart.
    let denom2 = 0;
    for (let i = last; i >= first; i--) {
      const base = i * p;
      let z = 0;
      for (let j = 0; j < p; j++) z += beta[j] * x[base + j];
      eta[i] = z;
      const risk = Math.exp(z);
      if (status[i] === 0) {
        denom += risk;
        for (let j = 0; j < p; j++) {
          const rx = risk * x[base + j];
          a[j] += rx;
          const row = j * p;
          for (let k = 0; k <= j; k++) cmat[row + k] += rx * x[base + k];
        }
      } else {
        denom2 += risk;
        loglik += z;
        for (let j = 0; j < p; j++) {
          const xj = x[base + j];
          u[j] += xj;
          const rx = risk * xj;
          a2[j] += rx;
          const row = j * p;
          for (let k = 0; k <= j; k++) cmat2[row + k] += rx * x[base + k];
        }
      }
    }
    // Efron step k = 1…d: denominator D_k = Σ_R r − (1 − k/d) Σ_D r, and likewise for Σ r·x and
    // Σ r·x·xᵀ; u −= Σ_k a_k/D_k, I += Σ_k (C_k − a_k a_kᵀ/D_k)/D_k. The loops run element by
    // element over k (the same additions in the same order as coxfit6's k-outer loop, so the same
    // result) to keep each running sum in a register.
    const frac = 1 / ndead;
    const denomStep = denom2 * frac;
    for (let k = 0; k < ndead; k++) {
      denom += denomStep;
      loglik -= Math.log(denom);
      stepDenom[k] = denom;
    }
    for (let i = 0; i < p; i++) {
      const ai2 = a2[i] * frac;
      const at = i * ndead;
      let ai = a[i];
      let ui = u[i];
      for (let k = 0; k < ndead; k++) {
        ai += ai2;
        const mean = ai / stepDenom[k];
        ui -= mean;
        stepA[at + k] = ai;
        stepMean[at + k] = mean;
      }
      a[i] = ai;
      u[i] = ui;
    }
    for (let i = 0; i < p; i++) {
      const row = i * p;
      const mi = i * ndead;
      for (let j = 0; j <= i; j++) {
        const c2 = cmat2[row + j] * frac;
        const aj = j * ndead;
        let c = cmat[row + j];
        let info = imat[j * p + i];
        for (let k = 0; k < ndead; k++) {
          c += c2;
          info += (c - stepMean[mi + k] * stepA[aj + k]) / stepDenom[k];
        }
        cmat[row + j] = c;
        imat[j * p + i] = info;
      }
    }
    for (let k = 0; k < p; k++) a2[k] = 0;
    for (let k = 0; k < pp; k++) cmat2[k] = 0;
  }
  return loglik;
}

/** Hazard terms of one tie group for the score residuals; written into `t` to avoid allocation. */
interface GroupHazard {
  /** Σ hazard, and its Efron-downweighted version for the group's own deaths. */
  h: number;
  hp: number;
  /** Σ hazard·x̄, its downweighted version, and the deaths' mean x̄ (p each). */
  hx: Float64Array;
  hxp: Float64Array;
  mbar: Float64Array;
}

/**
 * coxscore2.c's hazard increments at a tie group with `ndead` deaths, after the group's rows were
 * added to the risk-set sums (denom, a) and, for Efron, the deaths' sums (eDenom, a2).
 */
function groupHazard(t: GroupHazard, p: number, tied: boolean, ndead: number, denom: number, eDenom: number, a: Float64Array, a2: Float64Array): void {
  const { hx, hxp, mbar } = t;
  if (!tied) {
    const h = ndead / denom;
    t.h = h;
    t.hp = h;
    for (let j = 0; j < p; j++) {
      const m = a[j] / denom;
      hx[j] = h * m;
      hxp[j] = h * m;
      mbar[j] = m;
    }
    return;
  }
  let h = 0;
  let hp = 0;
  for (let j = 0; j < p; j++) {
    hx[j] = 0;
    hxp[j] = 0;
    mbar[j] = 0;
  }
  for (let dd = 0; dd < ndead; dd++) {
    const down = dd / ndead;
    const temp = denom - down * eDenom;
    const hazard = 1 / temp;
    h += hazard;
    hp += hazard * (1 - down);
    for (let j = 0; j < p; j++) {
      const m = (a[j] - down * a2[j]) / temp;
      hx[j] += hazard * m;
      hxp[j] += hazard * (1 - down) * m;
      mbar[j] += m / ndead;
    }
  }
  t.h = h;
  t.hp = hp;
}

/** One β's per-tie-group hazard terms for the score residuals (scaled coordinates). */
interface HazardTable {
  /** exp(η) per sorted row. */
  risk: Float64Array;
  /** Σ hazard through the group (cumulative within its stratum), the group's own part (h) and the
   * Efron-downweighted part its deaths receive (hp). */
  cumH: Float64Array;
  h: Float64Array;
  hp: Float64Array;
  /** The same sums weighted by x̄(t), and the deaths' mean x̄ (groups × p). */
  cumHx: Float64Array;
  hx: Float64Array;
  hxp: Float64Array;
  mbar: Float64Array;
}

/**
 * Backward pass over the rows at beta: risk-set sums per tie group and coxscore2.c's hazard
 * increments dΛ₀ and x̄ dΛ₀ of each group, stored per group with their cumulative sums within the
 * stratum (cumulative through a group = stratum total − sum over later groups). O(n·p).
 */
function hazardTable(d: Prepared, beta: Float64Array, risk: Float64Array): HazardTable {
  const { p, x, status, groupStart, groupDeaths, groupStratumEnd, efron, groups } = d;
  const t: HazardTable = {
    risk,
    cumH: new Float64Array(groups),
    h: new Float64Array(groups),
    hp: new Float64Array(groups),
    cumHx: new Float64Array(groups * p),
    hx: new Float64Array(groups * p),
    hxp: new Float64Array(groups * p),
    mbar: new Float64Array(groups * p),
  };
  const a = new Float64Array(p);
  const a2 = new Float64Array(p);
  const gh: GroupHazard = { h: 0, hp: 0, hx: new Float64Array(p), hxp: new Float64Array(p), mbar: new Float64Array(p) };
  const laterHx = new Float64Array(p);
  let gEnd = groups - 1;
  while (gEnd >= 0) {
    // One stratum: groups gStart … gEnd.
    let gStart = gEnd;
    while (gStart > 0 && !groupStratumEnd[gStart - 1]) gStart--;
    let denom = 0;
    let laterH = 0;
    for (let j = 0; j < p; j++) {
      a[j] = 0;
      laterHx[j] = 0;
    }
    for (let g = gEnd; g >= gStart; g--) {
      const ndead = groupDeaths[g];
      const tied = efron && ndead > 1;
      // Add the group's rows to the risk-set sums; Efron ties keep the deaths' sums apart too.
      let groupRisk = 0;
      let eDenom = 0;
      for (let i = groupStart[g + 1] - 1; i >= groupStart[g]; i--) {
        const base = i * p;
        let z = 0;
        for (let j = 0; j < p; j++) z += beta[j] * x[base + j];
        const r = Math.exp(z);
        risk[i] = r;
        groupRisk += r;
        for (let j = 0; j < p; j++) a[j] += r * x[base + j];
        if (tied && status[i]) {
          eDenom += r;
          for (let j = 0; j < p; j++) a2[j] += r * x[base + j];
        }
      }
      denom += groupRisk;
      // Sums over later groups for now; turned into cumulative sums once the stratum total is known.
      t.cumH[g] = laterH;
      const gp = g * p;
      for (let j = 0; j < p; j++) t.cumHx[gp + j] = laterHx[j];
      if (ndead === 0) continue;
      groupHazard(gh, p, tied, ndead, denom, eDenom, a, a2);
      if (tied) for (let j = 0; j < p; j++) a2[j] = 0;
      t.h[g] = gh.h;
      t.hp[g] = gh.hp;
      for (let j = 0; j < p; j++) {
        t.hx[gp + j] = gh.hx[j];
        t.hxp[gp + j] = gh.hxp[j];
        t.mbar[gp + j] = gh.mbar[j];
      }
      laterH += gh.h;
      for (let j = 0; j < p; j++) laterHx[j] += gh.hx[j];
    }
    // laterH/laterHx now hold the stratum totals.
    for (let g = gEnd; g >= gStart; g--) {
      t.cumH[g] = laterH - t.cumH[g];
      for (let j = 0; j < p; j++) t.cumHx[g * p + j] = laterHx[j] - t.cumHx[g * p + j];
    }
    gEnd = gStart - 1;
  }
  return t;
}

/**
 * Score residuals (coxscore2.c) at each of `betas`, summed within cluster (or per row when cluster
 * is null, giving n rows):
 *   rᵢ = δᵢ (xᵢ − x̄(tᵢ)) − exp(ηᵢ) Σ_{t ≤ tᵢ} (xᵢ − x̄(t)) dΛ₀(t)   (Efron-weighted within ties)
 * Returns rows × (betas·p), beta s in columns s·p … s·p+p−1 (scaled coordinates). Rows are visited
 * in coxscore2's order (groups from the last backwards, rows forwards within a group).
 */
function scoreResiduals(d: Prepared, betas: Float64Array[], clusters: number, scratch: Float64Array[]): Float64Array {
  const { p, x, status, groupStart, cluster, groups } = d;
  const m = betas.length;
  const stride = m * p;
  const out = new Float64Array((cluster ? clusters : d.n) * stride);
  const tables = betas.map((beta, s) => hazardTable(d, beta, scratch[s]));
  for (let g = groups - 1; g >= 0; g--) {
    const gp = g * p;
    for (let i = groupStart[g]; i < groupStart[g + 1]; i++) {
      const base = i * p;
      const ob = (cluster ? cluster[i] : i) * stride;
      for (let s = 0; s < m; s++) {
        const t = tables[s];
        const risk = t.risk[i];
        const cumH = t.cumH[g];
        const os = ob + s * p;
        if (status[i]) {
          const deathH = cumH - t.h[g] + t.hp[g]; // what this group's own deaths receive
          for (let j = 0; j < p; j++) {
            const xj = x[base + j];
            out[os + j] += xj - t.mbar[gp + j] - risk * (xj * deathH - (t.cumHx[gp + j] - t.hx[gp + j] + t.hxp[gp + j]));
          }
        } else {
          for (let j = 0; j < p; j++) out[os + j] -= risk * (x[base + j] * cumH - t.cumHx[gp + j]);
        }
      }
    }
  }
  return out;
}

/** Σ_c r_c r_cᵀ of the p columns starting at `offset` of a rows × stride matrix. */
function crossProduct(r: Float64Array, rows: number, p: number, stride = p, offset = 0): Float64Array {
  const out = new Float64Array(p * p);
  for (let c = 0; c < rows; c++) {
    const base = c * stride + offset;
    for (let j = 0; j < p; j++) {
      const v = r[base + j];
      if (v === 0) continue;
      for (let k = j; k < p; k++) out[j * p + k] += v * r[base + k];
    }
  }
  for (let j = 0; j < p; j++) for (let k = 0; k < j; k++) out[j * p + k] = out[k * p + j];
  return out;
}

export function coxModel(input: CoxInput): CoxFit {
  const n = input.time.length;
  const p = input.x.length;
  const names = input.names ? [...input.names] : input.x.map((_, j) => `x${j + 1}`);
  const ties: CoxTies = input.ties ?? 'efron';
  const eps = input.eps ?? 1e-9;
  const maxIter = input.maxIter ?? 20;
  const tolerInf = Math.sqrt(eps);
  let events = 0;
  for (let i = 0; i < n; i++) events += input.status[i] ? 1 : 0;
  if (n === 0) throw new ModelFitError('no rows left to fit after removing rows with missing values');
  if (events === 0) throw new ModelFitError('there are no events in the rows used; a Cox model cannot be fitted');
  if (p === 0) throw new ModelFitError('no covariates');
  for (let j = 0; j < p; j++) {
    const col = input.x[j];
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(col[i])) throw new ModelFitError(`covariate '${names[j]}' has a non-finite value`);
    }
  }
  const d = prepareCoxData(input);
  const w = makeWork(d);
  const { scale } = d;

  const beta = new Float64Array(p);
  const newbeta = new Float64Array(p);
  const step = new Float64Array(p);
  const loglik0 = likelihoodPass(d, beta, w);
  const chol = Float64Array.from(w.imat);
  const rank = cholesky(chol, p, TOLER_CHOL);
  if (rank === 0) {
    throw new ModelFitError(
      `no covariate can be estimated: ${p > 1 ? 'every covariate is' : `'${names[0]}' is`} constant in the rows used (within strata)`,
    );
  }
  // A rank-deficient information matrix is not an error: as coxfit6, chsolve2 gives the singular
  // (aliased) columns a zero step, so they stay at 0 and are reported as NA below.
  step.set(w.u);
  choleskySolve(chol, p, step);
  let sctest = 0;
  for (let j = 0; j < p; j++) sctest += w.u[j] * step[j];
  for (let j = 0; j < p; j++) newbeta[j] = beta[j] + step[j];

  let best = loglik0;
  let halving = 0;
  let converged = false;
  let iterations = 0;
  let finalLoglik = loglik0;
  let infoChol = chol;
  for (let iter = 1; iter <= maxIter; iter++) {
    iterations = iter;
    const newlk = likelihoodPass(d, newbeta, w);
    const c = Float64Array.from(w.imat);
    cholesky(c, p, TOLER_CHOL);
    let notFinite = !Number.isFinite(newlk);
    for (let j = 0; j < p && !notFinite; j++) {
      if (!Number.isFinite(w.u[j])) notFinite = true;
      for (let k = 0; k < p; k++) if (!Number.isFinite(w.imat[j * p + k])) notFinite = true;
    }
    if (!notFinite && Math.abs(1 - best / newlk) <= eps) {
      converged = true;
      finalLoglik = newlk;
      beta.set(newbeta);
      infoChol = c;
      break;
    }
    if (notFinite || newlk < best) {
      halving++;
      for (let j = 0; j < p; j++) newbeta[j] = (newbeta[j] + halving * beta[j]) / (halving + 1);
    } else {
      halving = 0;
      best = newlk;
      step.set(w.u);
      choleskySolve(c, p, step);
      for (let j = 0; j < p; j++) {
        beta[j] = newbeta[j];
        newbeta[j] = newbeta[j] + step[j];
      }
    }
  }
  if (!converged) {
    // As coxfit6: recompute at the last accepted beta.
    finalLoglik = maxIter > 1 ? likelihoodPass(d, beta, w) : best;
    infoChol = Float64Array.from(w.imat);
    cholesky(infoChol, p, TOLER_CHOL);
  }
  // coxph.fit: if (flag < nvar) which.sing ← diag(var) == 0; coef[which.sing] ← NA — the columns
  // whose pivot the Cholesky of the final information (scaled coordinates, toler.chol) set to zero.
  const aliased: boolean[] = [];
  for (let j = 0; j < p; j++) aliased.push(infoChol[j * p + j] === 0);
  let df = 0;
  for (let j = 0; j < p; j++) if (!aliased[j]) df++;
  if (df === 0) throw new ModelFitError('no covariate can be estimated: the information matrix is zero at the estimate');
  const vScaled = choleskyInverse(infoChol, p);
  const coef = new Float64Array(p);
  const variance = new Float64Array(p * p);
  for (let j = 0; j < p; j++) {
    coef[j] = beta[j] * scale[j];
    for (let k = 0; k < p; k++) variance[j * p + k] = vScaled[j * p + k] * scale[j] * scale[k];
  }
  // coxph.fit's check: the next Newton step uᵀV still large relative to the coefficient means the
  // likelihood converged while the coefficient runs off to ±∞ (monotone likelihood).
  const infinite: boolean[] = [];
  const nextStep: number[] = [];
  for (let k = 0; k < p; k++) {
    let s = 0;
    for (let j = 0; j < p; j++) s += (w.u[j] / scale[j]) * variance[j * p + k];
    nextStep.push(Math.abs(s));
    infinite.push(!Number.isFinite(w.u[k]) || !Number.isFinite(s) || (Math.abs(s) > eps && Math.abs(s) > tolerInf * Math.abs(coef[k])));
  }
  let maxLp = 0;
  for (let i = 0; i < n; i++) maxLp = Math.max(maxLp, Math.abs(w.eta[i]));
  if (!converged && maxLp > 500 && !infinite.some(Boolean)) {
    // coxph.fit: "one or more coefficients may be infinite" — attribute it to the largest steps.
    const top = Math.max(...nextStep);
    for (let k = 0; k < p; k++) infinite[k] = nextStep[k] >= 0.5 * top;
  }
  const monotone = infinite.some(Boolean);

  let robustVariance: Float64Array | null = null;
  let robustScore: ChiSquareTest | null = null;
  let clusters = 0;
  if (input.cluster) {
    for (let i = 0; i < n; i++) if (input.cluster[i] + 1 > clusters) clusters = input.cluster[i] + 1;
    // Residuals at the estimate (for the sandwich) and at β = 0 (for the robust score test) share one
    // record per cluster, so each row visits its (randomly placed) cluster sums once.
    const stride = 2 * p;
    const r = scoreResiduals(d, [beta, new Float64Array(p)], clusters, [w.eta, new Float64Array(n)]);
    // dfbeta (scaled) D = r · V_scaled per cluster, then V_rob = Dᵀ D, back to the original scale —
    // as residuals.coxph(type = "dfbeta") and coxph do. Forming V (rᵀr) V instead loses the small
    // directions of near-collinear covariates in rᵀr (≈1e-4 relative at r = 0.9999995; issue 13).
    const dfbeta = new Float64Array(clusters * p);
    for (let c = 0; c < clusters; c++) {
      const rb = c * stride;
      const db = c * p;
      for (let k = 0; k < p; k++) {
        const rk = r[rb + k];
        if (rk === 0) continue;
        for (let j = 0; j < p; j++) dfbeta[db + j] += rk * vScaled[k * p + j];
      }
    }
    const dtd = crossProduct(dfbeta, clusters, p);
    robustVariance = new Float64Array(p * p);
    for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) robustVariance[i * p + j] = dtd[i * p + j] * scale[i] * scale[j];
    const u0 = new Float64Array(p);
    for (let c = 0; c < clusters; c++) for (let j = 0; j < p; j++) u0[j] += r[c * stride + p + j];
    const t0 = crossProduct(r, clusters, p, stride, p);
    robustScore = waldQuadratic(t0, u0, p, TOLER_CHOL);
  }
  return {
    n,
    events,
    p,
    names,
    coef,
    variance,
    robustVariance,
    loglik: [loglik0, finalLoglik],
    score: { chisq: sctest, df },
    robustScore: robustScore ? { chisq: robustScore.chisq, df } : null,
    aliased,
    df,
    clusters,
    iterations,
    converged,
    infinite,
    monotoneLikelihood: monotone,
    eventsPerVariable: events / df,
    ties,
  };
}

/**
 * Wald test of β = 0 with the given variance (coxph's wald.test, the robust one when clustered):
 * coxph.wtest(var[nabeta, nabeta], coef[nabeta]) over the estimable coefficients. Its df, as
 * summary.coxph, is the number of estimable coefficients, even where a robust variance is itself
 * rank-deficient (fewer clusters than coefficients): χ² then uses the generalised inverse.
 */
export function coxWaldTest(coef: Float64Array, variance: Float64Array, aliased?: readonly boolean[]): ChiSquareTest {
  const keep: number[] = [];
  for (let j = 0; j < coef.length; j++) if (!aliased?.[j]) keep.push(j);
  const m = keep.length;
  const p = coef.length;
  const v = new Float64Array(m * m);
  const b = new Float64Array(m);
  for (let a = 0; a < m; a++) {
    b[a] = coef[keep[a]];
    for (let c = 0; c < m; c++) v[a * m + c] = variance[keep[a] * p + keep[c]];
  }
  return { chisq: waldQuadratic(v, b, m, TOLER_CHOL).chisq, df: m };
}

export interface CoxTermRow {
  term: string;
  coef: number | null;
  hr: number | null;
  se: number | null;
  robustSe: number | null;
  z: number | null;
  p: number | null;
  lower: number | null;
  upper: number | null;
  /** Present when the coefficient diverges under monotone likelihood: its direction. */
  diverges?: '+inf' | '-inf';
  /** Present when the term is aliased (collinear or constant): NA in R's coxph. */
  aliased?: true;
}

export interface CoxTests {
  likelihoodRatio: ChiSquareTest & { p: number };
  wald: (ChiSquareTest & { p: number }) | null;
  score: ChiSquareTest & { p: number };
  robustScore?: ChiSquareTest & { p: number };
}

/**
 * The coefficient table of summary.coxph: HR = exp(β), z = β/se (the robust se when clustered),
 * p = P(χ²₁ > z²), Wald CI exp(β ± Φ⁻¹(1−α/2)·se). Diverging coefficients are reported as null
 * with their direction rather than as a meaningless huge/tiny hazard ratio.
 */
export function coxTerms(fit: CoxFit, confLevel = 0.95): CoxTermRow[] {
  const zq = normalQuantile(1 - (1 - confLevel) / 2);
  return fit.names.map((term, j) => {
    const coef = fit.coef[j];
    const se = Math.sqrt(fit.variance[j * fit.p + j]);
    const robustSe = fit.robustVariance ? Math.sqrt(fit.robustVariance[j * fit.p + j]) : null;
    if (fit.aliased[j]) {
      return { term, coef: null, hr: null, se: null, robustSe: null, z: null, p: null, lower: null, upper: null, aliased: true };
    }
    if (fit.infinite[j]) {
      return { term, coef: null, hr: null, se: null, robustSe: null, z: null, p: null, lower: null, upper: null, diverges: coef >= 0 ? '+inf' : '-inf' };
    }
    const useSe = robustSe ?? se;
    const z = coef / useSe;
    return {
      term,
      coef,
      hr: Math.exp(coef),
      se,
      robustSe,
      z,
      p: chiSquareUpperTail(z * z, 1),
      lower: Math.exp(coef - zq * useSe),
      upper: Math.exp(coef + zq * useSe),
    };
  });
}

/** Likelihood-ratio, Wald (robust variance when clustered; null under monotone likelihood) and score tests. */
export function coxTests(fit: CoxFit): CoxTests {
  const withP = (t: ChiSquareTest) => ({ chisq: t.chisq, df: t.df, p: chiSquareUpperTail(t.chisq, t.df) });
  const lr = { chisq: 2 * (fit.loglik[1] - fit.loglik[0]), df: fit.df };
  const tests: CoxTests = {
    likelihoodRatio: withP(lr),
    wald: fit.monotoneLikelihood ? null : withP(coxWaldTest(fit.coef, fit.robustVariance ?? fit.variance, fit.aliased)),
    score: withP(fit.score),
  };
  if (fit.robustScore) tests.robustScore = withP(fit.robustScore);
  return tests;
}

/** The user-facing note for a fit under monotone likelihood (Heinze & Schemper 2001). */
export function monotoneLikelihoodMessage(fit: CoxFit): string {
  const terms = fit.names.filter((_, j) => fit.infinite[j]);
  return (
    `monotone likelihood: the estimate of ${terms.map((t) => `'${t}'`).join(', ')} diverges to infinity ` +
    `(e.g. a group without events); hazard ratios, Wald tests and CIs are not valid. ` +
    `Refit with --firth (Firth-penalised Cox, Heinze & Schemper 2001) for finite estimates and profile-likelihood CIs.`
  );
}

/** Notes a reader of the fit must see: monotone likelihood, non-convergence, few events per variable. */
export function coxWarnings(fit: CoxFit): string[] {
  const warnings: string[] = [];
  const aliased = fit.names.filter((_, j) => fit.aliased[j]);
  if (aliased.length) {
    // coxph's warning "X matrix deemed to be singular; variable …", with the reason spelled out.
    warnings.push(
      `X matrix deemed to be singular: ${aliased.map((t) => `'${t}'`).join(', ')} ${aliased.length > 1 ? 'are' : 'is'} constant or collinear with the other covariates in the rows used (within strata); reported as NA (not estimable), tests on ${fit.df} df, as R's coxph`,
    );
  }
  if (fit.monotoneLikelihood) warnings.push(monotoneLikelihoodMessage(fit));
  else if (!fit.converged) warnings.push(`the model did not converge in ${fit.iterations} iterations`);
  if (fit.eventsPerVariable < 10) {
    warnings.push(`only ${fit.eventsPerVariable.toFixed(1)} events per variable; estimates may be unstable (rule of thumb ≥ 10)`);
  }
  return warnings;
}
