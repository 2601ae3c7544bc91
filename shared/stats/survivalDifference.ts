// G-rho family of k-sample tests (Harrington & Fleming 1982), as R survival::survdiff.
//
// At each distinct event time t within a stratum, with n at risk, d events, n_j at risk and d_j
// events in group j, and weight w = Ŝ(t−)^ρ (Ŝ = Kaplan–Meier of the pooled stratum, left-continuous):
//   O_j += w d_j,  E_j += w d n_j / n,
//   V_jk += w² d (n − d) / (n − 1) · (n_j/n) (δ_jk − n_k/n)                   (only when n > 1)
// O, E and V are summed over strata; χ² = (O − E)ᵀ V⁻ (O − E) over the groups with E > 0, dropping
// the first of them; df = (number of groups with E > 0) − 1. ρ = 0 is the log-rank test, ρ = 1 the
// Peto & Peto modification of the Gehan–Wilcoxon test.
import { chiSquareUpperTail } from './distributions';
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
  let chisq = 0;
  if (used.length >= 2) {
    const idx = used.slice(1);
    const m = idx.length;
    const v = idx.map((a) => idx.map((b) => variance[a * nGroups + b]));
    const r = idx.map((a) => observed[a] - expected[a]);
    const x = solveLinear(v, r);
    for (let k = 0; k < m; k++) chisq += x[k] * r[k];
  }
  const df = used.length - 1;
  return {
    chisq,
    df,
    p: df > 0 ? chiSquareUpperTail(chisq, df) : NaN,
    groups: Array.from({ length: nGroups }, (_, g) => ({ n: counts[g], observed: observed[g], expected: expected[g] })),
    variance,
  };
}

/** Solves A x = b by Gaussian elimination with partial pivoting (A small and dense). */
export function solveLinear(aIn: number[][], bIn: number[]): number[] {
  const n = bIn.length;
  const a = aIn.map((row) => row.slice());
  const b = bIn.slice();
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) pivot = r;
    if (a[pivot][col] === 0) throw new Error('singular variance matrix');
    [a[col], a[pivot]] = [a[pivot], a[col]];
    [b[col], b[pivot]] = [b[pivot], b[col]];
    for (let r = col + 1; r < n; r++) {
      const f = a[r][col] / a[col][col];
      if (f === 0) continue;
      for (let c = col; c < n; c++) a[r][c] -= f * a[col][c];
      b[r] -= f * b[col];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = b[r];
    for (let c = r + 1; c < n; c++) s -= a[r][c] * x[c];
    x[r] = s / a[r][r];
  }
  return x;
}
