// The tests behind a "Table 1", matching R's stats package.
//   Fisher's exact test (r×c): P(table | margins) = Π R_i! Π C_j! / (N! Π n_ij!) (multivariate
//     hypergeometric); p = Σ P over tables with P ≤ P_observed·(1 + 10⁻⁷), as fisher.test.
//     Tables are enumerated column by column (fine for the small tables of a Table 1).
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

/** Limit on enumerated tables, so a large table fails clearly instead of running for hours. */
const FISHER_TABLE_LIMIT = 50_000_000;

export function fisherExact(tableIn: number[][]): TestResult {
  // Drop empty rows/columns (they do not change the conditional distribution).
  let table = tableIn.filter((row) => row.some((x) => x > 0));
  const keepCols = table.length ? table[0].map((_, j) => table.some((row) => row[j] > 0)) : [];
  table = table.map((row) => row.filter((_, j) => keepCols[j]));
  const r = table.length;
  const c = r ? table[0].length : 0;
  if (r < 2 || c < 2) return { p: 1 };
  // Enumerate along the longer dimension so each column's compositions have few parts.
  if (r > c) table = table[0].map((_, j) => table.map((row) => row[j]));
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
  let observedLog = constant;
  for (const row of table) for (const x of row) observedLog -= logFact[x];
  const threshold = observedLog + Math.log1p(1e-7);

  let pValue = 0;
  let visited = 0;
  const remaining = rowTotals.slice();
  // Depth-first over columns; within a column, over the split of its total among the rows.
  const fillColumn = (col: number, logSoFar: number): void => {
    if (col === nc - 1) {
      // The last column is determined by the remaining row totals.
      let lp = logSoFar;
      for (let i = 0; i < nr; i++) lp -= logFact[remaining[i]];
      if (++visited > FISHER_TABLE_LIMIT) throw new Error('table too large for the exact test');
      if (lp <= threshold) pValue += Math.exp(lp);
      return;
    }
    const splitRow = (row: number, left: number, lp: number): void => {
      if (row === nr - 1) {
        if (left > remaining[row]) return;
        remaining[row] -= left;
        fillColumn(col + 1, lp - logFact[left]);
        remaining[row] += left;
        return;
      }
      // Rows below must be able to absorb what is left.
      let capacityBelow = 0;
      for (let i = row + 1; i < nr; i++) capacityBelow += remaining[i];
      const lo = Math.max(0, left - capacityBelow);
      const hi = Math.min(left, remaining[row]);
      for (let x = lo; x <= hi; x++) {
        remaining[row] -= x;
        splitRow(row + 1, left - x, lp - logFact[x]);
        remaining[row] += x;
      }
    };
    splitRow(0, colTotals[col], logSoFar);
  };
  fillColumn(0, constant);
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
