// The tests behind a "Table 1", matching R's stats package.
//   Fisher's exact test (r×c): P(table | margins) = Π R_i! Π C_j! / (N! Π n_ij!) (multivariate
//     hypergeometric); p = Σ P over tables with P ≤ P_observed (fisher.test's tolerance), by the
//     network algorithm of Mehta & Patel (FEXACT); a Monte-Carlo p-value as simulate.p.value = TRUE.
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

/**
 * Limits on the network (split enumerations + past-path updates, and nodes/pasts held at once), so a
 * table beyond the exact test fails clearly within seconds and a few hundred MB (FEXACT's analogue
 * is its workspace: "FEXACT error 6/7 … increase workspace").
 */
const FISHER_WORK_LIMIT = 100_000_000;
const FISHER_MEMORY_LIMIT = 5_000_000;

/** The exact network is too large for this table: use the Monte-Carlo p-value (or the χ² test). */
export class FisherTableTooLargeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FisherTableTooLargeError';
  }
}

/**
 * fisher.test's tolerance on "as or less probable than observed". 2 × 2: R's own code, relErr 1 + 10⁻⁷.
 * Larger tables: FEXACT (f2xact) adds TOL = 3.45254e−7 to the observed log path length.
 */
const RELERR_2X2 = Math.log1p(1e-7);
const FEXACT_TOL = 3.45254e-7;
/** Nodes with more splits than this get relaxation bounds instead of exact ones (measured). */
const EXACT_BOUND_SPLITS = 1000;

/** Drops empty rows and columns (they do not change the conditional distribution). */
function nonEmpty(tableIn: number[][]): number[][] {
  const table = tableIn.filter((row) => row.some((x) => x > 0));
  const keepCols = table.length ? table[0].map((_, j) => table.some((row) => row[j] > 0)) : [];
  return table.map((row) => row.filter((_, j) => keepCols[j]));
}

function logFactorials(n: number): Float64Array {
  const logFact = new Float64Array(n + 1);
  for (let k = 2; k <= n; k++) logFact[k] = logFact[k - 1] + Math.log(k);
  return logFact;
}

/**
 * Fisher's exact test on an r×c table, two-sided: p = Σ P(table | margins) over the tables with
 * P ≤ P_observed (within fisher.test's tolerance), P = Π R_i! Π C_j! / (N! Π n_ij!).
 *
 * The network algorithm of Mehta & Patel (1983, JASA 78:427; 1986, ACM TOMS 12:154 "FEXACT"), as
 * R's fexact.c f2xact: the table is built one column ("stage") at a time; a node is the multiset of
 * the row totals still to fill (sorted — the completions of a node do not depend on which row holds
 * which total, FEXACT's key), and every path into a node carries its past log-probability. At each
 * node the longest and shortest completions (largest and smallest −Σ log n_ij! over the remaining
 * columns; FEXACT's f3xact/f4xact, here exact by memoised dynamic programming over the same nodes)
 * decide a past path at once: if even the most probable completion is ≤ observed, the whole subtree
 * counts, its mass in closed form N_k! / (Π rem_i! Π_{j≥k} C_j!) (f9xact); if even the least probable
 * one is > observed, none does; only undecided pasts go on to the next stage. Paths reaching a node
 * with the same past value (to 1e−12) are merged with their weights summed (FEXACT's f5xact merges
 * within TOL; merging tighter only makes the sum more exact).
 */
export function fisherExact(tableIn: number[][], options: { exactBoundSplits?: number } = {}): TestResult {
  let table = nonEmpty(tableIn);
  if (table.length < 2 || table[0].length < 2) return { p: 1 };
  // Key dimension = the smaller one (FEXACT's nro = min(nrow, ncol)); stages along the larger one.
  if (table.length > table[0].length) table = table[0].map((_, j) => table.map((row) => row[j]));
  const nr = table.length;
  const nc = table[0].length;
  const rowTotals = table.map((row) => row.reduce((a, b) => a + b, 0));
  const colTotals = table[0].map((_, j) => table.reduce((a, row) => a + row[j], 0));
  const n = rowTotals.reduce((a, b) => a + b, 0);
  const logFact = logFactorials(n);
  let constant = -logFact[n];
  for (const x of rowTotals) constant += logFact[x];
  for (const x of colTotals) constant += logFact[x];
  let observed = constant;
  for (const row of table) for (const x of row) observed -= logFact[x];
  const threshold = observed + (nr === 2 && nc === 2 ? RELERR_2X2 : FEXACT_TOL);
  const p = networkPValue(rowTotals, colTotals, logFact, constant, threshold, options.exactBoundSplits ?? EXACT_BOUND_SPLITS);
  return { p: Math.min(1, p) };
}

/** A node of the network: a stage and the sorted row totals still to fill. */
interface NetworkNode {
  id: number;
  rem: Int32Array;
  /** Longest and shortest path to the end: max and min of Σ_{j ≥ stage} −Σ_i log x_ij!. */
  longest: number;
  shortest: number;
  /** log of the node's completion mass less Σ log rem_i!: log N_k! − Σ_{j ≥ k} log C_j! − Σ log rem_i!. */
  mass: number;
  /** Daughters (next stage) and the arc lengths −Σ log x_i! to them; null at the last stage. */
  children: NetworkNode[] | null;
  arcs: Float64Array | null;
  /** log of the number of splits each arc stands for. */
  logMultiplicity: Float64Array | null;
  /** Past paths that reached the node in the search: merged values and their weights. */
  pasts: PastTable | null;
}

/**
 * The past path lengths reaching one node, merged when equal to 1e−9 (open addressing on the
 * rounded value; a JavaScript Map on non-integer-sized keys was the bottleneck).
 */
class PastTable {
  size = 0;
  private capacity = 16;
  private keys = new Float64Array(16).fill(NaN);
  past = new Float64Array(16);
  weight = new Float64Array(16);
  private slot = new Int32Array(16);

  add(past: number, weight: number): void {
    const key = Math.round(past * 1e9);
    const mask = this.capacity - 1;
    let h = (Math.imul((key % 2147483647) | 0, 0x9e3779b1) >>> 0) & mask;
    for (;;) {
      const k = this.keys[h];
      if (k === key) {
        const at = this.slot[h];
        this.weight[at] += weight * (1 + (past - this.past[at])); // exp(d) for |d| < 1e−9
        return;
      }
      if (k !== k) break; // NaN: empty
      h = (h + 1) & mask;
    }
    this.keys[h] = key;
    this.slot[h] = this.size;
    this.past[this.size] = past;
    this.weight[this.size] = weight;
    if (++this.size * 2 > this.capacity) this.grow();
  }

  private grow(): void {
    const past = this.past.subarray(0, this.size);
    const weight = this.weight.subarray(0, this.size);
    const size = this.size;
    this.capacity *= 2;
    this.keys = new Float64Array(this.capacity).fill(NaN);
    this.slot = new Int32Array(this.capacity);
    const oldPast = Float64Array.from(past);
    const oldWeight = Float64Array.from(weight);
    this.past = new Float64Array(this.capacity);
    this.weight = new Float64Array(this.capacity);
    this.size = 0;
    for (let i = 0; i < size; i++) this.add(oldPast[i], oldWeight[i]);
  }
}

/**
 * Σ P over the tables with log P ≤ threshold, by the network search described at fisherExact.
 * rowTotals index the node key, colTotals the stages; logFact covers 0…N.
 */
function networkPValue(
  rowTotals: number[],
  colTotalsIn: number[],
  logFact: Float64Array,
  constant: number,
  threshold: number,
  exactBoundSplits: number,
): number {
  const nr = rowTotals.length;
  // Stages in increasing column total, as FEXACT (isort of the marginals): measured 1.2–2.6× less
  // network work than decreasing order on random 4×6, 5×5 and 5×4 tables.
  const colTotals = [...colTotalsIn].sort((a, b) => a - b);
  const nc = colTotals.length;
  const n = rowTotals.reduce((a, b) => a + b, 0);
  const remainingN = new Int32Array(nc + 1);
  for (let j = nc - 1; j >= 0; j--) remainingN[j] = remainingN[j + 1] + colTotals[j];
  const tailColFact = new Float64Array(nc + 1);
  for (let j = nc - 1; j >= 0; j--) tailColFact[j] = tailColFact[j + 1] + logFact[colTotals[j]];
  // FEXACT's hash key Σ rem_i · Π_{k<i} (r_k + 1) must fit an int (f2xact "error 5": R's fisher.test
  // refuses such tables and asks for simulate.p.value); the same bound refuses them here at once.
  let keySpace = 1;
  for (const r of rowTotals) keySpace *= r + 1;
  if (keySpace > 2147483647) {
    throw new FisherTableTooLargeError(
      `table too large for the exact test (${nr}×${colTotalsIn.length}, n = ${n}: its row totals exceed FEXACT's key space, as R's fisher.test)`,
    );
  }
  const base = Math.max(...rowTotals) + 1;
  const numericKeys = Math.pow(base, nr) < 2 ** 52;
  const keyOf = (rem: Int32Array): number | string => {
    if (!numericKeys) return rem.join(',');
    let k = 0;
    for (let i = nr - 1; i >= 0; i--) k = k * base + rem[i];
    return k;
  };
  let work = 0;
  // Nodes in the registry plus past paths stored in the current stage.
  let held = 0;
  let nodeCount = 0;
  const step = (count: number) => {
    work += count;
    if (work > FISHER_WORK_LIMIT || held > FISHER_MEMORY_LIMIT) {
      throw new FisherTableTooLargeError(
        `table too large for the exact test (${nr}×${nc}, n = ${n}: the network exceeds ${work > FISHER_WORK_LIMIT ? `${FISHER_WORK_LIMIT / 1e6}M steps` : `${FISHER_MEMORY_LIMIT / 1e6}M nodes and paths`})`,
      );
    }
  };
  const registry: Array<Map<number | string, NetworkNode>> = Array.from({ length: nc }, () => new Map());
  let nextId = 0;
  /** The node of `stage` with row totals `rem` (copied when the node is new; rem may be scratch). */
  const nodeAt = (stage: number, rem: Int32Array): NetworkNode => {
    const key = keyOf(rem);
    let node = registry[stage].get(key);
    if (!node) {
      const own = Int32Array.from(rem);
      let mass = logFact[remainingN[stage]] - tailColFact[stage];
      for (let i = 0; i < nr; i++) mass -= logFact[own[i]];
      held++;
      nodeCount++;
      node = { id: nextId++, rem: own, longest: NaN, shortest: NaN, mass, children: null, arcs: null, logMultiplicity: null, pasts: null };
      registry[stage].set(key, node);
    }
    return node;
  };

  // Daughters of a node: every split x of the stage's column total with 0 ≤ x_i ≤ rem_i.
  const x = new Int32Array(nr);
  const child = new Int32Array(nr);
  const capacityBelow = new Int32Array(nr + 1);
  const expand = (stage: number, node: NetworkNode) => {
    const rem = node.rem;
    const children: NetworkNode[] = [];
    const arcs: number[] = [];
    const multiplicity: number[] = [];
    // Splits that permute equal row totals reach the same daughter by arcs of the same length: one
    // arc with a multiplicity. Daughter id → indices of its arcs so far.
    const seen = new Map<number, number[]>();
    capacityBelow[nr] = 0;
    for (let i = nr - 1; i >= 0; i--) capacityBelow[i] = capacityBelow[i + 1] + rem[i];
    const rec = (row: number, left: number, lw: number): void => {
      if (row === nr - 1) {
        x[row] = left;
        if ((++work & 0xffff) === 0) step(0);
        for (let i = 0; i < nr; i++) {
          // Insertion sort: rem is sorted and the split small, so this is nearly linear.
          const v = rem[i] - x[i];
          let k = i;
          while (k > 0 && child[k - 1] > v) {
            child[k] = child[k - 1];
            k--;
          }
          child[k] = v;
        }
        const daughter = nodeAt(stage + 1, child);
        const arc = lw - logFact[left];
        let list = seen.get(daughter.id);
        if (!list) seen.set(daughter.id, (list = []));
        for (const at of list) {
          if (Math.abs(arcs[at] - arc) <= 1e-9) {
            multiplicity[at]++;
            return;
          }
        }
        list.push(children.length);
        children.push(daughter);
        arcs.push(arc);
        multiplicity.push(1);
        return;
      }
      const lo = Math.max(0, left - capacityBelow[row + 1]);
      const hi = Math.min(left, rem[row]);
      for (let v = lo; v <= hi; v++) {
        x[row] = v;
        rec(row + 1, left - v, lw - logFact[v]);
      }
    };
    rec(0, colTotals[stage], 0);
    step(children.length);
    node.children = children;
    node.arcs = Float64Array.from(arcs);
    // A multiplicity k enters the masses as log k (k paths of that length).
    node.logMultiplicity = Float64Array.from(multiplicity, Math.log);
  };

  // Longest/shortest paths (FEXACT's f3xact/f4xact): exact by memoised recursion over the daughters
  // when a node has few splits; otherwise bounds from relaxations (f4xact also settles for a bound):
  // dropping the row-sum (or the column-sum) constraints leaves one independent problem per column
  // (row), each a separable concave objective under one sum constraint with caps — its maximum is
  // the most even filling and its minimum the most concentrated one. The longest path is at most
  // the smaller of the two relaxed maxima; the shortest at least the larger of the relaxed minima.
  // Any such bounds keep the p-value exact: they only decide fewer pasts early.
  const splitEstimate = (stage: number, rem: Int32Array): number => {
    let count = 1;
    for (let i = 0; i < nr - 1; i++) count *= Math.min(rem[i], colTotals[stage]) + 1;
    return count;
  };
  const relaxedBounds = (stage: number, node: NetworkNode): void => {
    const rem = node.rem;
    const cols = colTotals.slice(stage);
    const remList = Array.from(rem);
    const evenMax = (total: number, caps: number[]) => -fillValue(total, caps, true, logFact);
    const concentratedMin = (total: number, caps: number[]) => -fillValue(total, caps, false, logFact);
    let colMax = 0;
    let colMin = 0;
    for (const c of cols) {
      colMax += evenMax(c, remList);
      colMin += concentratedMin(c, remList);
    }
    let rowMax = 0;
    let rowMin = 0;
    for (const r of remList) {
      rowMax += evenMax(r, cols);
      rowMin += concentratedMin(r, cols);
    }
    node.longest = Math.min(colMax, rowMax);
    node.shortest = Math.max(colMin, rowMin);
  };
  const bound = (stage: number, node: NetworkNode): void => {
    if (!Number.isNaN(node.longest)) return;
    if (stage === nc - 1) {
      let v = 0;
      for (let i = 0; i < nr; i++) v -= logFact[node.rem[i]];
      node.longest = v;
      node.shortest = v;
      return;
    }
    if (splitEstimate(stage, node.rem) > exactBoundSplits) {
      relaxedBounds(stage, node);
      return;
    }
    expand(stage, node);
    let max = -Infinity;
    let min = Infinity;
    const children = node.children!;
    const arcs = node.arcs!;
    for (let c = 0; c < children.length; c++) {
      const child = children[c];
      bound(stage + 1, child);
      if (arcs[c] + child.longest > max) max = arcs[c] + child.longest;
      if (arcs[c] + child.shortest < min) min = arcs[c] + child.shortest;
    }
    node.longest = max;
    node.shortest = min;
  };

  // Pasts are merged on arrival when equal to ~1e−9 in log (FEXACT's f5xact merges within TOL).
  const addPast = (node: NetworkNode, past: number, weight: number) => {
    let table = node.pasts;
    if (!table) table = node.pasts = new PastTable();
    table.add(past, weight);
  };

  // Search stage by stage. A node's pasts are sorted; for each daughter (arc a) the pasts split
  // into three runs: past ≤ threshold − a − longest(daughter) all count (their mass is a prefix sum
  // times the daughter's closed-form mass), past > threshold − a − shortest(daughter) count never,
  // and only the run between goes on to the daughter.
  let pValue = 0;
  const root = nodeAt(0, Int32Array.from([...rowTotals].sort((a, b) => a - b)));
  bound(0, root);
  if (constant + root.longest <= threshold) return Math.exp(constant + root.mass);
  addPast(root, constant, 1);
  let frontier: NetworkNode[] = [root];
  for (let stage = 0; stage < nc - 1 && frontier.length > 0; stage++) {
    const next = new Set<NetworkNode>();
    held = nodeCount;
    for (const node of frontier) {
      bound(stage, node);
      const table = node.pasts;
      node.pasts = null;
      if (!table) continue;
      const m = table.size;
      const order = new Int32Array(m);
      for (let i = 0; i < m; i++) order[i] = i;
      const unsorted = table.past;
      order.sort((a, b) => unsorted[a] - unsorted[b]);
      const past = new Float64Array(m);
      const weight = new Float64Array(m);
      for (let i = 0; i < m; i++) {
        past[i] = unsorted[order[i]];
        weight[i] = table.weight[order[i]];
      }
      if (m === 0) continue;
      // prefix[i] = Σ_{k < i} weight_k · exp(past_k − top), top the largest past (no overflow).
      const top = past[m - 1];
      const prefix = new Float64Array(m + 1);
      for (let i = 0; i < m; i++) prefix[i + 1] = prefix[i] + weight[i] * Math.exp(past[i] - top);
      if (!node.children) expand(stage, node);
      const children = node.children!;
      const arcs = node.arcs!;
      const logMult = node.logMultiplicity!;
      for (const daughter of children) bound(stage + 1, daughter);
      step(children.length);
      for (let c = 0; c < children.length; c++) {
        const child = children[c];
        const arc = arcs[c];
        const lk = logMult[c];
        const all = upperIndex(past, threshold - arc - child.longest);
        if (all > 0) pValue += prefix[all] * Math.exp(top + arc + lk + child.mass);
        const some = upperIndex(past, threshold - arc - child.shortest);
        if (some > all) {
          step(some - all);
          held += some - all;
          const k = Math.exp(lk);
          for (let i = all; i < some; i++) addPast(child, past[i] + arc, weight[i] * k);
          next.add(child);
        }
      }
    }
    frontier = [...next];
  }
  return pValue;
}

/**
 * Σ log x_i! of the most even (even = true) or most concentrated filling of `total` into bins with the
 * given caps (Σ caps ≥ total): the minimum and the maximum of Σ log x_i! under Σ x_i = total,
 * 0 ≤ x_i ≤ cap_i (log x! is convex, so spreading minimises it and concentrating maximises it).
 */
function fillValue(total: number, caps: number[], even: boolean, logFact: Float64Array): number {
  const sorted = [...caps].sort((a, b) => (even ? a - b : b - a));
  let left = total;
  let value = 0;
  if (!even) {
    for (const cap of sorted) {
      const x = Math.min(cap, left);
      value += logFact[x];
      left -= x;
    }
    return value;
  }
  // Water-filling: bins in increasing cap; each takes min(cap, its even share of what is left).
  for (let k = 0; k < sorted.length; k++) {
    const bins = sorted.length - k;
    const share = left / bins;
    if (sorted[k] <= share) {
      value += logFact[sorted[k]];
      left -= sorted[k];
      continue;
    }
    // The rest are filled evenly: q each, r of them one more.
    const q = Math.floor(left / bins);
    const r = left - q * bins;
    value += (bins - r) * logFact[q] + r * logFact[q + 1];
    return value;
  }
  return value;
}

/** Number of entries of the ascending `values` that are ≤ limit (binary search). */
function upperIndex(values: Float64Array, limit: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid] <= limit) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Options of the Monte-Carlo Fisher test. */
export interface FisherSimulationOptions {
  /** Number of random tables (R's B, default 2000). */
  replicates?: number;
  /** Seed of the generator, so a result can be reproduced (default 1). */
  seed?: number;
}

/**
 * Fisher's test with a Monte-Carlo p-value, as fisher.test(simulate.p.value = TRUE, B): B random tables
 * with the observed margins (R draws them with r2dtable, Patefield 1981; here by shuffling the column
 * labels of the N subjects against their row labels — the same multivariate hypergeometric law),
 * statistic −Σ log n_ij!, p = (1 + #{sim ≤ observed/almost.1}) / (B + 1), almost.1 = 1 + 64ε.
 * The number differs from R's by Monte-Carlo error only (another random stream).
 */
export function fisherSimulated(tableIn: number[][], options: FisherSimulationOptions = {}): TestResult & { replicates: number } {
  const replicates = options.replicates ?? 2000;
  const table = nonEmpty(tableIn);
  if (table.length < 2 || table[0].length < 2) return { p: 1, replicates };
  const nr = table.length;
  const nc = table[0].length;
  const rowTotals = table.map((row) => row.reduce((a, b) => a + b, 0));
  const colTotals = table[0].map((_, j) => table.reduce((a, row) => a + row[j], 0));
  const n = rowTotals.reduce((a, b) => a + b, 0);
  const logFact = logFactorials(n);
  let statistic = 0;
  for (const row of table) for (const x of row) statistic -= logFact[x];
  const almost1 = 1 + 64 * 2.220446049250313e-16;
  const limit = statistic / almost1;
  const rowOf = new Int32Array(n);
  const colOf = new Int32Array(n);
  for (let i = 0, k = 0; i < nr; i++) for (let c = 0; c < rowTotals[i]; c++) rowOf[k++] = i;
  for (let j = 0, k = 0; j < nc; j++) for (let c = 0; c < colTotals[j]; c++) colOf[k++] = j;
  const random = xoshiro128(options.seed ?? 1);
  const counts = new Int32Array(nr * nc);
  let asExtreme = 0;
  for (let b = 0; b < replicates; b++) {
    // Fisher–Yates shuffle of the column labels.
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      const t = colOf[i];
      colOf[i] = colOf[j];
      colOf[j] = t;
    }
    counts.fill(0);
    for (let k = 0; k < n; k++) counts[rowOf[k] * nc + colOf[k]]++;
    let stat = 0;
    for (let c = 0; c < counts.length; c++) stat -= logFact[counts[c]];
    if (stat <= limit) asExtreme++;
  }
  return { p: (1 + asExtreme) / (replicates + 1), replicates };
}

/** xoshiro128** (Blackman & Vigna 2018), seeded by splitmix32: uniform doubles in [0, 1). */
function xoshiro128(seed: number): () => number {
  let z = seed >>> 0;
  const splitmix = () => {
    z = (z + 0x9e3779b9) >>> 0;
    let t = z;
    t = Math.imul(t ^ (t >>> 16), 0x85ebca6b) >>> 0;
    t = Math.imul(t ^ (t >>> 13), 0xc2b2ae35) >>> 0;
    return (t ^ (t >>> 16)) >>> 0;
  };
  let a = splitmix();
  let b = splitmix();
  let c = splitmix();
  let d = splitmix();
  return () => {
    const result = Math.imul(rotl(Math.imul(b, 5) >>> 0, 7), 9) >>> 0;
    const t = (b << 9) >>> 0;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return result / 4294967296;
  };
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
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
