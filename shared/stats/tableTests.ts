// The tests behind a "Table 1", matching R's stats package.
//   Fisher's exact test (r×c): P(table | margins) = Π R_i! Π C_j! / (N! Π n_ij!) (multivariate
//     hypergeometric); p = Σ P over tables with P ≤ P_observed·(1 + 10⁻⁷), as fisher.test.
//     Network search with subtree bounds (Mehta & Patel 1983), so tables of a few hundred subjects are fast.
//   Pearson χ² without continuity correction: Σ (O − E)² / E, df (r − 1)(c − 1), as chisq.test(correct = FALSE).
//   Wilcoxon rank-sum, normal approximation with continuity and tie correction, W for the first group,
//     as wilcox.test(exact = FALSE, correct = TRUE).
//   Kruskal–Wallis H with tie correction, as kruskal.test.
import { chiSquareUpperTail, normalLowerTail, normalUpperTail } from './distributions';

export interface TestResult {
  statistic?: number;
  df?: number;
  p: number;
}

/** Counts table[r][c] from row codes 0..nRows−1 and column codes 0..nCols−1. */
export function contingencyTable(rows: Int32Array, nRows: number, cols: Int32Array, nCols: number): number[][] {
  const table = Array.from({ length: nRows }, () => new Array<number>(nCols).fill(0));
  for (let i = 0; i < rows.length; i++) table[rows[i]][cols[i]]++;
  return table;
}

/** Limit on search work, so a huge table fails clearly instead of running for hours. */
const FISHER_WORK_LIMIT = 20_000_000;

/**
 * Fisher's exact test on an r×c table. Network search in the spirit of Mehta & Patel (1983): columns
 * are filled one at a time; at each node (column, remaining row totals) the largest and smallest
 * probability of any completion bound the path, so whole subtrees are added in closed form (all
 * completions ≤ the observed probability: their total mass is M!/Π r_i! · Π_{j ≥ k} 1/C_j!) or
 * skipped (none can be), and only the undecided ones are expanded.
 */
export function fisherExact(tableIn: number[][]): TestResult {
  // Drop empty rows/columns (they do not change the conditional distribution).
  let table = tableIn.filter((row) => row.some((x) => x > 0));
  const keepCols = table.length ? table[0].map((_, j) => table.some((row) => row[j] > 0)) : [];
  table = table.map((row) => row.filter((_, j) => keepCols[j]));
  if (table.length < 2 || table[0].length < 2) return { p: 1 };
  // Fill along the longer dimension so each column's split has few parts.
  if (table.length > table[0].length) table = table[0].map((_, j) => table.map((row) => row[j]));
  const nr = table.length;
  const nc = table[0].length;
  const rowTotals = table.map((row) => row.reduce((a, b) => a + b, 0));
  const colTotals = table[0].map((_, j) => table.reduce((a, row) => a + row[j], 0));
  const n = rowTotals.reduce((a, b) => a + b, 0);
  const logFact = new Float64Array(n + 1);
  for (let k = 2; k <= n; k++) logFact[k] = logFact[k - 1] + Math.log(k);
  let constant = -logFact[n];
  for (const x of rowTotals) constant += logFact[x];
  for (const x of colTotals) constant += logFact[x];
  let observed = constant;
  for (const row of table) for (const x of row) observed -= logFact[x];
  // fisher.test counts tables with P ≤ P_observed · (1 + 10⁻⁷).
  const threshold = observed + Math.log1p(1e-7);
  // Σ_{j ≥ k} log C_j!, for the closed-form mass of a subtree.
  const tailColFact = new Float64Array(nc + 1);
  for (let j = nc - 1; j >= 0; j--) tailColFact[j] = tailColFact[j + 1] + logFact[colTotals[j]];

  let work = 0;
  const tick = () => {
    if (++work > FISHER_WORK_LIMIT) throw new Error('table too large for the exact test');
  };

  /** Calls visit(x, −Σ log x_i!) for every split x of `total` among rows with x_i ≤ remaining_i. */
  const splits = (remaining: number[], total: number, visit: (x: number[], logWeight: number) => void) => {
    const x = new Array<number>(nr).fill(0);
    const capacityBelow = new Array<number>(nr + 1).fill(0);
    for (let i = nr - 1; i >= 0; i--) capacityBelow[i] = capacityBelow[i + 1] + remaining[i];
    const rec = (row: number, left: number, lw: number) => {
      if (row === nr - 1) {
        x[row] = left;
        tick();
        visit(x, lw - logFact[left]);
        return;
      }
      const lo = Math.max(0, left - capacityBelow[row + 1]);
      const hi = Math.min(left, remaining[row]);
      for (let v = lo; v <= hi; v++) {
        x[row] = v;
        rec(row + 1, left - v, lw - logFact[v]);
      }
    };
    rec(0, total, 0);
  };

  // Largest and smallest −Σ log x! over the completions of columns col..nc−1 from `remaining`.
  // Node key: (col, remaining) in mixed radix when it fits a double exactly, else text.
  let radixProduct = nc;
  for (const r of rowTotals) radixProduct *= r + 1;
  const numericKeys = radixProduct < 2 ** 52;
  const keyOf = (col: number, remaining: number[]): number | string => {
    if (!numericKeys) return col + ':' + remaining.join(',');
    let k = col;
    for (let i = 0; i < nr; i++) k = k * (rowTotals[i] + 1) + remaining[i];
    return k;
  };
  const bounds = new Map<number | string, [number, number]>();
  const boundsOf = (col: number, remaining: number[]): [number, number] => {
    if (col === nc - 1) {
      let v = 0;
      for (const r of remaining) v -= logFact[r];
      return [v, v];
    }
    const key = keyOf(col, remaining);
    const known = bounds.get(key);
    if (known) return known;
    let max = -Infinity;
    let min = Infinity;
    splits(remaining, colTotals[col], (x, lw) => {
      const next = remaining.map((r, i) => r - x[i]);
      const [bMax, bMin] = boundsOf(col + 1, next);
      if (lw + bMax > max) max = lw + bMax;
      if (lw + bMin < min) min = lw + bMin;
    });
    const result: [number, number] = [max, min];
    bounds.set(key, result);
    return result;
  };

  let pValue = 0;
  const search = (col: number, remaining: number[], logP: number): void => {
    const [max, min] = boundsOf(col, remaining);
    if (logP + max <= threshold) {
      // Every completion counts: add the subtree's whole mass.
      let mass = logFact[n - sumBefore(col)] - tailColFact[col];
      for (const r of remaining) mass -= logFact[r];
      pValue += Math.exp(logP + mass);
      return;
    }
    if (logP + min > threshold) return;
    splits(remaining, colTotals[col], (x, lw) => {
      search(col + 1, remaining.map((r, i) => r - x[i]), logP + lw);
    });
  };
  const prefix = new Array<number>(nc + 1).fill(0);
  for (let j = 0; j < nc; j++) prefix[j + 1] = prefix[j] + colTotals[j];
  const sumBefore = (col: number) => prefix[col];
  search(0, rowTotals.slice(), constant);
  return { p: Math.min(1, pValue) };
}

export function pearsonChiSquare(tableIn: number[][]): TestResult {
  const table = tableIn;
  const rowTotals = table.map((row) => row.reduce((a, b) => a + b, 0));
  const colTotals = table[0].map((_, j) => table.reduce((a, row) => a + row[j], 0));
  const n = rowTotals.reduce((a, b) => a + b, 0);
  let statistic = 0;
  for (let i = 0; i < table.length; i++) {
    for (let j = 0; j < colTotals.length; j++) {
      const e = (rowTotals[i] * colTotals[j]) / n;
      statistic += ((table[i][j] - e) * (table[i][j] - e)) / e;
    }
  }
  const df = (table.length - 1) * (colTotals.length - 1);
  return { statistic, df, p: chiSquareUpperTail(statistic, df) };
}

/** Average ranks (1-based) of `values`, with the tie-correction sum Σ (t³ − t). */
export function averageRanks(values: Float64Array): { ranks: Float64Array; tieSum: number } {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b]);
  const ranks = new Float64Array(n);
  let tieSum = 0;
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && values[order[j]] === values[order[i]]) j++;
    const rank = (i + 1 + j) / 2; // average of ranks i+1 .. j
    for (let k = i; k < j; k++) ranks[order[k]] = rank;
    const t = j - i;
    tieSum += t * t * t - t;
    i = j;
  }
  return { ranks, tieSum };
}

/** Wilcoxon rank-sum test of group 0 vs group 1 (codes), W = rank sum of group 0 − n₀(n₀+1)/2. */
export function wilcoxonRankSum(values: Float64Array, group: Int32Array): TestResult {
  const { ranks, tieSum } = averageRanks(values);
  let nx = 0;
  let ny = 0;
  let rankSumX = 0;
  for (let i = 0; i < values.length; i++) {
    if (group[i] === 0) {
      nx++;
      rankSumX += ranks[i];
    } else ny++;
  }
  const statistic = rankSumX - (nx * (nx + 1)) / 2;
  const z0 = statistic - (nx * ny) / 2;
  const sigma = Math.sqrt(((nx * ny) / 12) * (nx + ny + 1 - tieSum / ((nx + ny) * (nx + ny - 1))));
  const correction = Math.sign(z0) * 0.5;
  const z = (z0 - correction) / sigma;
  const p = 2 * Math.min(normalLowerTail(z), normalUpperTail(z));
  return { statistic, p: Math.min(1, p) };
}

/** Kruskal–Wallis test over groups 0..k−1. */
export function kruskalWallis(values: Float64Array, group: Int32Array, k: number): TestResult {
  const { ranks, tieSum } = averageRanks(values);
  const n = values.length;
  const rankSum = new Float64Array(k);
  const count = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    rankSum[group[i]] += ranks[i];
    count[group[i]]++;
  }
  let h = 0;
  let groups = 0;
  for (let g = 0; g < k; g++) {
    if (count[g] === 0) continue;
    groups++;
    h += (rankSum[g] * rankSum[g]) / count[g];
  }
  const statistic = ((12 * h) / (n * (n + 1)) - 3 * (n + 1)) / (1 - tieSum / (n * n * n - n));
  const df = groups - 1;
  return { statistic, df, p: chiSquareUpperTail(statistic, df) };
}
