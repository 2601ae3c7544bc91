// G-rho family of k-sample tests (Harrington & Fleming 1982), as R survival::survdiff.
//
// At each distinct event time t within a stratum, with n at risk, d events, n_j at risk and d_j
// events in group j, and weight w = Ŝ(t−)^ρ (Ŝ = Kaplan–Meier of the pooled stratum, left-continuous):
//   O_j += w d_j,  E_j += w d n_j / n,
//   V_jk += w² d (n − d) / (n − 1) · (n_j/n) (δ_jk − n_k/n)                   (only when n > 1)
// O, E and V are summed over strata; χ² = (O − E)ᵀ V⁻ (O − E) over the groups with E > 0, dropping
// the first of them; df = (number of groups with E > 0) − 1. ρ = 0 is the log-rank test, ρ = 1 the
// Peto & Peto modification of the Gehan–Wilcoxon test.
import { ModelFitError } from './coxModel';
import { chiSquareUpperTail } from './distributions';
import { waldQuadratic } from './matrix';
import { sortedByCodeThenTime } from './timeOrder';

export interface SurvivalDifferenceOptions {
  /** Stratum code 0..nStrata−1 per row. */
  strata?: Int32Array;
  nStrata?: number;
  rho?: number;
}

export interface SurvivalDifferenceResult {
  chisq: number;
  df: number;
  p: number;
  groups: Array<{ n: number; observed: number; expected: number }>;
  /** Variance matrix of O − E (row-major, nGroups × nGroups). */
  variance: Float64Array;
  /** Why the test is degenerate or uses a generalised inverse (empty when it is a plain survdiff result). */
  warnings: string[];
}

export function survivalDifference(
  time: Float64Array,
  event: Uint8Array,
  group: Int32Array,
  nGroups: number,
  options: SurvivalDifferenceOptions = {},
): SurvivalDifferenceResult {
  const rho = options.rho ?? 0;
  const nStrata = options.strata ? (options.nStrata ?? 1 + Math.max(-1, ...options.strata)) : 1;
  const sorted = sortedByCodeThenTime(time, options.strata, nStrata, event, group);
  const sortedTime = sorted.time;
  const [sortedEvent, sortedGroup] = sorted.columns;
  const starts = sorted.starts;

  const observed = new Float64Array(nGroups);
  const expected = new Float64Array(nGroups);
  const variance = new Float64Array(nGroups * nGroups);
  const counts = new Int32Array(nGroups);
  const risk = new Float64Array(nGroups);
  const deathsIn = new Float64Array(nGroups);
  const leaving = new Float64Array(nGroups);
  for (let i = 0; i < group.length; i++) counts[group[i]]++;

  for (let s = 0; s < nStrata; s++) {
    const from = starts[s];
    const to = starts[s + 1];
    risk.fill(0);
    for (let i = from; i < to; i++) risk[sortedGroup[i]]++;
    let nRisk = to - from;
    let km = 1; // pooled KM just before the current time
    for (let i = from; i < to; ) {
      const t = sortedTime[i];
      let deaths = 0;
      let j = i;
      deathsIn.fill(0);
      leaving.fill(0);
      for (; j < to && sortedTime[j] === t; j++) {
        const g = sortedGroup[j];
        leaving[g]++;
        if (sortedEvent[j]) {
          deathsIn[g]++;
          deaths++;
        }
      }
      if (deaths > 0) {
        const w = rho === 0 ? 1 : Math.pow(km, rho);
        for (let g = 0; g < nGroups; g++) {
          observed[g] += w * deathsIn[g];
          expected[g] += (w * deaths * risk[g]) / nRisk;
        }
        if (nRisk > 1) {
          const kt = (w * w * deaths * (nRisk - deaths)) / (nRisk - 1);
          for (let a = 0; a < nGroups; a++) {
            const tmp = (kt * risk[a]) / nRisk;
            variance[a * nGroups + a] += tmp;
            for (let b = 0; b < nGroups; b++) variance[a * nGroups + b] -= (tmp * risk[b]) / nRisk;
          }
        }
        km = (km * (nRisk - deaths)) / nRisk;
      }
      for (let g = 0; g < nGroups; g++) risk[g] -= leaving[g];
      nRisk -= j - i;
      i = j;
    }
  }

  const used: number[] = [];
  for (let g = 0; g < nGroups; g++) if (expected[g] > 0) used.push(g);
  const warnings: string[] = [];
  let chisq = 0;
  let df = Math.max(0, used.length - 1);
  if (used.length < 2) {
    // survdiff: fewer than two groups with expected events → χ² 0 on df 0, and pchisq(0, 0, lower = FALSE) = 1.
    warnings.push(
      used.length === 0
        ? 'no events in the rows used: there is nothing to compare (χ² 0, p 1, as survdiff)'
        : 'only one group has subjects at risk at the event times: there is nothing to compare (χ² 0, p 1, as survdiff)',
    );
  } else {
    const idx = used.slice(1);
    const m = idx.length;
    const v = new Float64Array(m * m);
    const r = new Float64Array(m);
    for (let a = 0; a < m; a++) {
      r[a] = observed[idx[a]] - expected[idx[a]];
      for (let b = 0; b < m; b++) v[a * m + b] = variance[idx[a] * nGroups + idx[b]];
    }
    // χ² = rᵀ V⁻ r with the Cholesky generalised inverse (cholesky2/chsolve2, as coxph.wtest); df is
    // its rank. survdiff uses solve(), which stops on a singular V; the g-inverse gives the test on
    // the comparisons the data can make, with df = rank (issue 13, class 3).
    const test = waldQuadratic(v, r, m);
    if (test.df === 0) {
      throw new ModelFitError(
        options.strata
          ? 'the stratified test has nothing to compare: no stratum has two groups at risk at an event time (e.g. each group in its own stratum)'
          : 'the variance of observed − expected is zero: no event time has two groups at risk',
      );
    }
    chisq = test.chisq;
    if (test.df < m) {
      warnings.push(
        `the variance matrix of observed − expected is singular (rank ${test.df} for ${m} comparisons${options.strata ? ', e.g. groups confined to separate strata' : ''}): ` +
          `χ² uses its generalised inverse on df ${test.df} (R's survdiff stops with "system is computationally singular")`,
      );
      df = test.df;
    }
  }
  return {
    chisq,
    df,
    // pchisq(x, 0, lower.tail = FALSE) is 1 for x = 0, as survdiff's print.
    p: df > 0 ? chiSquareUpperTail(chisq, df) : 1,
    groups: Array.from({ length: nGroups }, (_, g) => ({ n: counts[g], observed: observed[g], expected: expected[g] })),
    variance,
    warnings,
  };
}
