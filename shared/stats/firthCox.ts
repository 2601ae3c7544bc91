// Firth-penalised Cox regression (Firth 1993; Heinze & Schemper 2001, Biometrics 57:114–119), as R's
// coxphf 1.13 with its defaults (pl = TRUE, alpha = 0.05, maxit = 50, maxhs = 5, epsilon = 1e−6,
// gconv = 1e−4, maxstep = 0.5, penalty = 0.5), Breslow ties, right-censored data.
//
// Penalised log partial likelihood  ℓ*(β) = ℓ(β) + ½ log|I(β)|, score U*ⱼ = Uⱼ + ½ tr(I⁻¹ ∂I/∂βⱼ).
// As coxphf, covariates are divided by their standard deviation (not centred) before fitting, so the
// reported log-likelihoods (which include ½ log|I| on that scale) equal coxphf's. Iteration, step
// clipping and halving follow coxphf's Fortran FIRTHCOX; the profile penalised-likelihood CIs follow
// its PLCOMP (Venzon & Moolgavkar 1988 iteration), and p-values are penalised likelihood-ratio tests
// with the coefficient fixed at 0 (all others re-estimated). Standard errors are from the inverse of
// the unpenalised information at the estimate, as coxphf's `var`.
import { ModelFitError, sortOrder } from './coxModel';
import { chiSquareQuantile, chiSquareUpperTail } from './distributions';
import { cholesky, determinant, inverse, TOLER_CHOL } from './matrix';

export interface FirthInput {
  time: Float64Array;
  status: Uint8Array;
  x: readonly Float64Array[];
  names?: readonly string[];
  alpha?: number;
  maxIter?: number;
  maxHalving?: number;
  epsilon?: number;
  gconv?: number;
  maxStep?: number;
  penalty?: number;
}

export interface FirthFit {
  n: number;
  events: number;
  df: number;
  names: string[];
  coef: Float64Array;
  se: Float64Array;
  variance: Float64Array;
  /** Profile penalised-likelihood CI for the hazard ratio (null when its iteration did not converge). */
  lower: (number | null)[];
  upper: (number | null)[];
  /** Penalised likelihood-ratio p-value of βⱼ = 0. */
  p: (number | null)[];
  /** Penalised log-likelihood at β = 0 and at the estimate (coxphf's loglik). */
  loglik: [number, number];
  lrChisq: number;
  iterations: number;
  converged: boolean;
  warnings: string[];
}

interface Data {
  n: number;
  p: number;
  /** Row-major standardised covariates, sorted by time. */
  x: Float64Array;
  status: Uint8Array;
  groupStart: Int32Array;
  groups: number;
  groupDeaths: Int32Array;
  penalty: number;
}

interface Like {
  xl: number;
  fd: Float64Array;
  /** Second derivative of the unpenalised log-likelihood (negative information), p × p. */
  sd: Float64Array;
  /** Inverse of −sd, or null when singular. */
  vm: Float64Array | null;
}

const DLOWEST = 1e-44;

/** coxphf's LIKE: penalised log-likelihood, penalised score and unpenalised Hessian at b. */
function like(d: Data, b: Float64Array): Like {
  const { n, p, x, status, groupStart, groupDeaths, penalty } = d;
  const p2 = p * p;
  const fd = new Float64Array(p);
  const sd = new Float64Array(p2);
  const dabl = new Float64Array(p2 * p);
  const s1 = new Float64Array(p);
  const s2 = new Float64Array(p2);
  const s3 = new Float64Array(p2 * p);
  let s0 = 0;
  let xl = 0;
  const eta = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let z = 0;
    for (let j = 0; j < p; j++) z += x[i * p + j] * b[j];
    eta[i] = z;
  }
  for (let g = d.groups - 1; g >= 0; g--) {
    for (let i = groupStart[g + 1] - 1; i >= groupStart[g]; i--) {
      const r = Math.exp(eta[i]);
      s0 += r;
      const base = i * p;
      for (let j = 0; j < p; j++) {
        const rj = r * x[base + j];
        s1[j] += rj;
        for (let k = 0; k < p; k++) {
          const rjk = rj * x[base + k];
          s2[j * p + k] += rjk;
          for (let l = 0; l < p; l++) s3[(j * p + k) * p + l] += rjk * x[base + l];
        }
      }
      if (status[i]) {
        xl += eta[i];
        for (let j = 0; j < p; j++) fd[j] += x[base + j];
      }
    }
    const dg = groupDeaths[g];
    if (dg === 0) continue;
    xl -= dg * Math.log(s0 > DLOWEST ? s0 : DLOWEST);
    for (let j = 0; j < p; j++) {
      fd[j] -= (dg * s1[j]) / s0;
      for (let k = 0; k < p; k++) {
        sd[j * p + k] -= (dg * (s2[j * p + k] - (s1[j] * s1[k]) / s0)) / s0;
        for (let l = 0; l < p; l++) {
          dabl[(j * p + k) * p + l] -=
            (dg *
              (s3[(j * p + k) * p + l] -
                (s2[k * p + l] * s1[j]) / s0 -
                (s1[l] * (s2[k * p + j] - (s1[k] * s1[j]) / s0)) / s0 -
                (s1[k] * (s2[l * p + j] - (s1[l] * s1[j]) / s0)) / s0)) /
            s0;
        }
      }
    }
  }
  const info = new Float64Array(p2);
  for (let k = 0; k < p2; k++) info[k] = -sd[k];
  const vm = inverse(info, p);
  if (penalty !== 0) {
    if (vm) {
      for (let j = 0; j < p; j++) {
        let trace = 0;
        for (let k = 0; k < p; k++) for (let l = 0; l < p; l++) trace -= vm[k * p + l] * dabl[(j * p + l) * p + k];
        fd[j] += trace * penalty;
      }
    }
    let det = determinant(info, p);
    if (det < DLOWEST) det = DLOWEST;
    xl += penalty * Math.log(det);
  }
  return { xl, fd, sd, vm };
}

/**
 * coxphf's FIRTHCOX: Newton–Raphson on the penalised likelihood for the parameters with free[j];
 * the others are fixed at `fixed[j]`. Free parameters start at 0.
 */
function firthIterate(
  d: Data,
  free: Uint8Array,
  fixed: Float64Array,
  o: { maxIter: number; maxHalving: number; epsilon: number; gconv: number; maxStep: number },
): { b: Float64Array; like: Like; loglik0: number; iterations: number; converged: boolean } {
  const p = d.p;
  const b = new Float64Array(p);
  for (let j = 0; j < p; j++) b[j] = free[j] ? 0 : fixed[j];
  const anyFree = free.some((f) => f === 1);
  let cur = like(d, b);
  const loglik0 = cur.xl;
  let iter = 0;
  let converged = false;
  while (!converged && iter < o.maxIter) {
    iter++;
    const b0 = Float64Array.from(b);
    const xl0 = cur.xl;
    if (anyFree) {
      const vm = cur.vm;
      if (!vm) throw new ModelFitError('the information matrix became singular in the Firth iteration (collinear covariates?)');
      for (let i = 0; i < p; i++) {
        if (!free[i]) continue;
        let tt = 0;
        for (let j = 0; j < p; j++) tt += vm[i * p + j] * cur.fd[j] * free[j];
        if (Math.abs(tt) > o.maxStep) tt = Math.sign(tt) * o.maxStep;
        b[i] += tt;
      }
      cur = like(d, b);
      let ihs = 0;
      while (cur.xl <= xl0 && iter !== 1 && ihs <= o.maxHalving) {
        ihs++;
        for (let j = 0; j < p; j++) if (free[j]) b[j] = (b[j] + b0[j]) / 2;
        cur = like(d, b);
      }
    }
    converged = true;
    if (anyFree) {
      for (let j = 0; j < p; j++) {
        if (Math.abs(b[j] - b0[j]) > o.epsilon) converged = false;
        if (free[j] && Math.abs(cur.fd[j]) > o.gconv) converged = false;
      }
    }
  }
  return { b, like: cur, loglik0, iterations: iter, converged };
}

export function firthCox(input: FirthInput): FirthFit {
  const n = input.time.length;
  const p = input.x.length;
  const names = input.names ? [...input.names] : input.x.map((_, j) => `x${j + 1}`);
  const alpha = input.alpha ?? 0.05;
  const o = {
    maxIter: input.maxIter ?? 50,
    maxHalving: input.maxHalving ?? 5,
    epsilon: input.epsilon ?? 1e-6,
    gconv: input.gconv ?? 1e-4,
    maxStep: input.maxStep ?? 0.5,
  };
  const penalty = input.penalty ?? 0.5;
  let events = 0;
  for (let i = 0; i < n; i++) events += input.status[i] ? 1 : 0;
  if (events === 0) throw new ModelFitError('there are no events in the rows used; a Cox model cannot be fitted');
  if (n < 2) throw new ModelFitError('at least two rows are needed');

  // coxphf standardises each column by its sample standard deviation (no centring).
  const sdv = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    const col = input.x[j];
    let mean = 0;
    for (let i = 0; i < n; i++) mean += col[i];
    mean /= n;
    let ss = 0;
    for (let i = 0; i < n; i++) ss += (col[i] - mean) * (col[i] - mean);
    sdv[j] = Math.sqrt(ss / (n - 1));
    if (!(sdv[j] > 0)) throw new ModelFitError(`covariate '${names[j]}' is constant in the rows used; remove it from the model`);
  }
  const order = sortOrder(input.time);
  const x = new Float64Array(n * p);
  const status = new Uint8Array(n);
  const groupStart: number[] = [];
  const groupDeaths: number[] = [];
  for (let k = 0; k < n; k++) {
    const i = order[k];
    for (let j = 0; j < p; j++) x[k * p + j] = input.x[j][i] / sdv[j];
    status[k] = input.status[i] ? 1 : 0;
    if (k === 0 || input.time[i] !== input.time[order[k - 1]]) {
      groupStart.push(k);
      groupDeaths.push(0);
    }
    groupDeaths[groupDeaths.length - 1] += status[k];
  }
  const groups = groupStart.length;
  groupStart.push(n);
  const d: Data = { n, p, x, status, groupStart: Int32Array.from(groupStart), groups, groupDeaths: Int32Array.from(groupDeaths), penalty };

  // Collinear columns make the information singular for every β; name them as coxph's check does.
  const info0 = like(d, new Float64Array(p)).sd.map((v) => -v);
  if (Math.abs(cholesky(info0, p, TOLER_CHOL)) < p) {
    const bad = names.filter((_, j) => info0[j * p + j] === 0);
    throw new ModelFitError(`covariate(s) ${bad.map((b) => `'${b}'`).join(', ')} collinear with the others in the rows used; remove them from the model`);
  }
  const warnings: string[] = [];
  const all = new Uint8Array(p).fill(1);
  const fit = firthIterate(d, all, new Float64Array(p), o);
  if (!fit.converged) warnings.push(`the Firth estimation did not converge in ${o.maxIter} iterations`);
  const bhat = fit.b;
  const vm = fit.like.vm;
  if (!vm) throw new ModelFitError('the information matrix is singular at the Firth estimate (collinear covariates?)');

  // PLCOMP: profile penalised-likelihood limits for each coefficient.
  const atMax = like(d, bhat);
  const xlmax = atMax.xl;
  const chi = chiSquareQuantile(1 - alpha, 1);
  const target = xlmax - 0.5 * chi;
  const profileNotes: string[] = [];
  const lowerStd: (number | null)[] = [];
  const upperStd: (number | null)[] = [];
  for (let k = 0; k < p; k++) {
    for (const sign of [-1, 1]) {
      const b = Float64Array.from(bhat);
      let cur: Like = { xl: atMax.xl, fd: Float64Array.from(atMax.fd), sd: atMax.sd, vm: atMax.vm };
      let lambda = 0;
      let iter = 0;
      let conv = false;
      while (!conv) {
        iter++;
        const vmc = cur.vm!;
        const delta = new Float64Array(p);
        for (let k2 = 0; k2 < p; k2++) {
          let s = 0;
          for (let k3 = 0; k3 < p; k3++) s += (cur.fd[k3] + (k3 === k ? lambda : 0)) * vmc[k2 * p + k3];
          if (Math.abs(s) > o.maxStep) s = Math.sign(s) * o.maxStep;
          delta[k2] = s;
        }
        for (let k2 = 0; k2 < p; k2++) b[k2] += delta[k2];
        cur = like(d, b);
        if (!cur.vm) break;
        const v = cur.vm;
        let gvg = 0;
        for (let a = 0; a < p; a++) for (let c = 0; c < p; c++) gvg += cur.fd[a] * cur.fd[c] * v[a * p + c];
        lambda = sign * Math.sqrt(Math.max(0, -(2 * (target - cur.xl - 0.5 * gvg)) / v[k * p + k]));
        conv = Math.abs(target - cur.xl) <= o.epsilon;
        let c2 = 0;
        for (let a = 0; a < p; a++)
          for (let c = 0; c < p; c++)
            c2 += (cur.fd[a] + (a === k ? lambda : 0)) * v[a * p + c] * (cur.fd[c] + (c === k ? lambda : 0));
        if (c2 > o.epsilon) conv = false;
        if (iter === o.maxIter) break;
      }
      // A limit is kept only when PLCOMP's iteration converged to the root on its own side of the
      // estimate (the profile can also be solved on the far side, or drift while still "converging"
      // to the target): lower < β̂ < upper, and the profile deviance there is χ²₁(1 − α) (coxphf).
      const onSide = sign < 0 ? b[k] < bhat[k] : b[k] > bhat[k];
      const ok = conv && iter < o.maxIter && Number.isFinite(b[k]) && onSide;
      (sign < 0 ? lowerStd : upperStd).push(ok ? b[k] : null);
      if (!ok) {
        profileNotes.push(
          `the profile-likelihood ${sign < 0 ? 'lower' : 'upper'} limit for '${names[k]}' did not converge` +
            (conv && !onSide ? ' (the iteration crossed to the other side of the estimate)' : iter >= o.maxIter ? ` in ${o.maxIter} iterations` : '') +
            '; it is reported as null (the likelihood may be flat on that side, e.g. near-separation)',
        );
      }
    }
  }
  // Penalised likelihood-ratio p-values: refit with βₖ fixed at 0.
  const pValues: (number | null)[] = [];
  for (let k = 0; k < p; k++) {
    const free = new Uint8Array(p).fill(1);
    free[k] = 0;
    const fixed = Float64Array.from(bhat);
    fixed[k] = 0;
    let restricted: ReturnType<typeof firthIterate>;
    try {
      restricted = firthIterate(d, free, fixed, o);
    } catch (error) {
      // coxphf's iter.ci = −9: "Numerical error in computing penalized likelihood ratio test" → NA.
      if (!(error instanceof ModelFitError)) throw error;
      pValues.push(null);
      continue;
    }
    const stat = 2 * (xlmax - restricted.like.xl);
    pValues.push(restricted.iterations >= o.maxIter || !Number.isFinite(stat) ? null : chiSquareUpperTail(Math.max(0, stat), 1));
  }
  warnings.push(...profileNotes);
  pValues.forEach((v, k) => {
    if (v === null) warnings.push(`the penalised likelihood-ratio p-value for '${names[k]}' did not converge (its refit with the coefficient at 0); reported as null`);
  });

  const coef = new Float64Array(p);
  const se = new Float64Array(p);
  const variance = new Float64Array(p * p);
  for (let j = 0; j < p; j++) {
    coef[j] = bhat[j] / sdv[j];
    for (let k = 0; k < p; k++) variance[j * p + k] = vm[j * p + k] / (sdv[j] * sdv[k]);
    se[j] = Math.sqrt(variance[j * p + j]);
  }
  return {
    n,
    events,
    df: p,
    names,
    coef,
    se,
    variance,
    lower: lowerStd.map((v, j) => (v === null ? null : Math.exp(v / sdv[j]))),
    upper: upperStd.map((v, j) => (v === null ? null : Math.exp(v / sdv[j]))),
    p: pValues,
    loglik: [fit.loglik0, fit.like.xl],
    lrChisq: 2 * (fit.like.xl - fit.loglik0),
    iterations: fit.iterations,
    converged: fit.converged,
    warnings,
  };
}
