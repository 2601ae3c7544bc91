// Sorting survival data once.
// LSD radix sort on the IEEE-754 bit pattern, 11 bits per pass, carrying the keys with the indices so
// every pass reads sequentially (random gathers cost more than the sort itself on 10⁶ rows).
// For x ≥ 0 the bit patterns order as unsigned integers; general doubles are mapped to an
// order-preserving unsigned key first. Stable: ties keep input order.

const DIGIT_BITS = 11;
const BUCKETS = 1 << DIGIT_BITS;
const MASK = BUCKETS - 1;

/**
 * Stable radix order of unsigned 64-bit keys given as low/high words. Consumes (overwrites) `lo`/`hi`:
 * on return they hold the keys in sorted order.
 */
function radixOrder(loIn: Uint32Array, hiIn: Uint32Array): { order: Uint32Array; lo: Uint32Array; hi: Uint32Array } {
  const n = loIn.length;
  let lo: Uint32Array = loIn;
  let hi: Uint32Array = hiIn;
  let idx: Uint32Array = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  let lo2: Uint32Array = new Uint32Array(n);
  let hi2: Uint32Array = new Uint32Array(n);
  let idx2: Uint32Array = new Uint32Array(n);
  const count = new Uint32Array(BUCKETS);
  for (let bit = 0; bit < 64; bit += DIGIT_BITS) {
    count.fill(0);
    if (bit + DIGIT_BITS <= 32) {
      for (let i = 0; i < n; i++) count[(lo[i] >>> bit) & MASK]++;
    } else if (bit >= 32) {
      const s = bit - 32;
      for (let i = 0; i < n; i++) count[(hi[i] >>> s) & MASK]++;
    } else {
      for (let i = 0; i < n; i++) count[((lo[i] >>> bit) | (hi[i] << (32 - bit))) & MASK]++;
    }
    // A digit that is the same for every key (e.g. low mantissa bits of integer times) needs no pass.
    let trivial = false;
    for (let d = 0; d < BUCKETS; d++) {
      if (count[d] !== 0) {
        trivial = count[d] === n;
        break;
      }
    }
    if (trivial) continue;
    toOffsets(count);
    for (let i = 0; i < n; i++) {
      const l = lo[i];
      const h = hi[i];
      const d =
        bit + DIGIT_BITS <= 32 ? (l >>> bit) & MASK : bit >= 32 ? (h >>> (bit - 32)) & MASK : ((l >>> bit) | (h << (32 - bit))) & MASK;
      const p = count[d]++;
      lo2[p] = l;
      hi2[p] = h;
      idx2[p] = idx[i];
    }
    let t = lo;
    lo = lo2;
    lo2 = t;
    t = hi;
    hi = hi2;
    hi2 = t;
    t = idx;
    idx = idx2;
    idx2 = t;
  }
  return { order: idx, lo, hi };
}

/**
 * Stable order of unsigned 32-bit keys: one counting pass when the keys span at most a few times n
 * values (times in months with 3 decimals: ~10⁵), else LSD radix, 11 bits per pass. Consumes `keysIn`.
 */
function radixOrder32(keysIn: Uint32Array): Uint32Array {
  const n = keysIn.length;
  let maxKey = 0;
  for (let i = 0; i < n; i++) if (keysIn[i] > maxKey) maxKey = keysIn[i];
  if (maxKey < Math.max(4 * n, BUCKETS)) return countingOrder(keysIn, maxKey);
  let keys: Uint32Array = keysIn;
  let idx: Uint32Array = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  let keys2: Uint32Array = new Uint32Array(n);
  let idx2: Uint32Array = new Uint32Array(n);
  const count = new Uint32Array(BUCKETS);
  for (let bit = 0; bit < 32; bit += DIGIT_BITS) {
    count.fill(0);
    for (let i = 0; i < n; i++) count[(keys[i] >>> bit) & MASK]++;
    if (count[(keys[0] >>> bit) & MASK] === n) continue; // every key has this digit: nothing to move
    toOffsets(count);
    for (let i = 0; i < n; i++) {
      const k = keys[i];
      const p = count[(k >>> bit) & MASK]++;
      keys2[p] = k;
      idx2[p] = idx[i];
    }
    let t = keys;
    keys = keys2;
    keys2 = t;
    t = idx;
    idx = idx2;
    idx2 = t;
  }
  return idx;
}

/** Counts per digit → each digit's first output position (exclusive prefix sum), in place. */
function toOffsets(count: Uint32Array): void {
  let sum = 0;
  for (let d = 0; d < count.length; d++) {
    const c = count[d];
    count[d] = sum;
    sum += c;
  }
}

/** Stable counting sort of keys 0…maxKey: order[position] = index. */
function countingOrder(keys: Uint32Array, maxKey: number): Uint32Array {
  const n = keys.length;
  const next = new Uint32Array(maxKey + 2);
  for (let i = 0; i < n; i++) next[keys[i] + 1]++;
  for (let k = 0; k <= maxKey; k++) next[k + 1] += next[k];
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[next[keys[i]]++] = i;
  return order;
}

/** Decimal places tried for decimal keys: times written with up to 6 decimals (days, months, years). */
const MAX_DECIMALS = 6;
const UINT32_MAX = 0xffffffff;

/**
 * Times as integer keys k = t·10^d for the smallest d ≤ 6 at which every time is the double nearest
 * k / 10^d (k < 2³²), or null. Such times are what a CSV of decimals parses to (csvTable.ts divides the
 * digits by 10^d, correctly rounded), and the keys order exactly as the doubles do: rounding is
 * monotone, and equal doubles give equal keys — so a 32-bit radix sort (2–3 passes instead of 6, or
 * one counting pass) gives the same stable order as sorting the bits.
 */
function decimalKeys(times: Float64Array): { keys: Uint32Array; scale: number; maxKey: number } | null {
  const n = times.length;
  const keys = new Uint32Array(n);
  let decimals = 0;
  let scale = 1;
  let maxKey = 0;
  for (let i = 0; i < n; i++) {
    const t = times[i];
    let k = Math.round(t * scale);
    while (!(k <= UINT32_MAX && k / scale === t)) {
      // The nearest double to k/10^d is also the nearest to 10k/10^(d+1): earlier keys scale by 10.
      if (decimals === MAX_DECIMALS || !(t >= 0) || maxKey * 10 > UINT32_MAX) return null;
      decimals++;
      scale *= 10;
      maxKey *= 10;
      for (let j = 0; j < i; j++) keys[j] *= 10;
      k = Math.round(t * scale);
    }
    keys[i] = k;
    if (k > maxKey) maxKey = k;
  }
  return { keys, scale, maxKey };
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Times sorted ascending with the stable permutation that sorts them (ties keep input order).
 * Times must be ≥ 0 and not NaN (−0 is read as 0).
 */
export function sortByTime(times: Float64Array): { order: Uint32Array; time: Float64Array } {
  const n = times.length;
  if (n < 64) {
    const order = Uint32Array.from(Array.from({ length: n }, (_, i) => i).sort((a, b) => times[a] - times[b] || a - b));
    return { order, time: Float64Array.from(order, (i) => times[i]) };
  }
  const decimal = decimalKeys(times);
  if (decimal) {
    const order = radixOrder32(decimal.keys);
    const time = new Float64Array(n);
    for (let i = 0; i < n; i++) time[i] = times[order[i]] + 0; // −0 → +0
    return { order, time };
  }
  const words = new Uint32Array(times.buffer, times.byteOffset, n * 2);
  const w0 = LITTLE_ENDIAN ? 0 : 1;
  const w1 = 1 - w0;
  const lo = new Uint32Array(n);
  const hi = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    lo[i] = words[2 * i + w0];
    hi[i] = words[2 * i + w1] & 0x7fffffff; // −0 → +0
  }
  const sorted = radixOrder(lo, hi);
  const time = new Float64Array(n);
  const out = new Uint32Array(time.buffer);
  for (let i = 0; i < n; i++) {
    out[2 * i + w0] = sorted.lo[i];
    out[2 * i + w1] = sorted.hi[i];
  }
  return { order: sorted.order, time };
}

/** Stable permutation putting non-negative `times` in ascending order. */
export function ascendingTimeOrder(times: Float64Array): Uint32Array {
  return sortByTime(times).order;
}

/** Stable permutation putting any doubles (no NaN) in ascending numeric order. */
export function ascendingOrder(values: Float64Array): Uint32Array {
  const n = values.length;
  if (n < 64) return Uint32Array.from(Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b] || a - b));
  const decimal = decimalKeys(values); // non-negative short decimals (−0 ties with 0, as below)
  if (decimal) return radixOrder32(decimal.keys);
  const copy = Float64Array.from(values);
  const words = new Uint32Array(copy.buffer);
  const w0 = LITTLE_ENDIAN ? 0 : 1;
  const w1 = 1 - w0;
  const lo = new Uint32Array(n);
  const hi = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    let h = words[2 * i + w1];
    let l = words[2 * i + w0];
    if (copy[i] === 0) {
      h = 0;
      l = 0;
    }
    // Order-preserving map of IEEE doubles to unsigned keys: negatives flip all bits, others the sign bit.
    if (h & 0x80000000) {
      h = ~h >>> 0;
      l = ~l >>> 0;
    } else {
      h = (h | 0x80000000) >>> 0;
    }
    lo[i] = l;
    hi[i] = h;
  }
  return radixOrder(lo, hi).order;
}

/** Gathers `values` in the given order. */
export function gather<T extends Float64Array | Int32Array | Uint8Array | Uint32Array>(values: T, order: Uint32Array): T {
  // One loop per element type keeps each loop monomorphic (a shared loop is several times slower).
  if (values instanceof Float64Array) return gatherFloat64(values, order) as T;
  if (values instanceof Int32Array) return gatherInt32(values, order) as T;
  if (values instanceof Uint8Array) return gatherUint8(values, order) as T;
  return gatherUint32(values as Uint32Array, order) as T;
}

function gatherFloat64(values: Float64Array, order: Uint32Array): Float64Array {
  const out = new Float64Array(order.length);
  for (let i = 0; i < order.length; i++) out[i] = values[order[i]];
  return out;
}

function gatherInt32(values: Int32Array, order: Uint32Array): Int32Array {
  const out = new Int32Array(order.length);
  for (let i = 0; i < order.length; i++) out[i] = values[order[i]];
  return out;
}

function gatherUint8(values: Uint8Array, order: Uint32Array): Uint8Array {
  const out = new Uint8Array(order.length);
  for (let i = 0; i < order.length; i++) out[i] = values[order[i]];
  return out;
}

function gatherUint32(values: Uint32Array, order: Uint32Array): Uint32Array {
  const out = new Uint32Array(order.length);
  for (let i = 0; i < order.length; i++) out[i] = values[order[i]];
  return out;
}

/** Moves values[i] to position permutation[i]. */
function scatter<T extends Float64Array | Int32Array | Uint8Array | Uint32Array>(values: T, permutation: Uint32Array): T {
  if (values instanceof Float64Array) {
    const out = new Float64Array(values.length);
    for (let i = 0; i < values.length; i++) out[permutation[i]] = values[i];
    return out as T;
  }
  if (values instanceof Int32Array) {
    const out = new Int32Array(values.length);
    for (let i = 0; i < values.length; i++) out[permutation[i]] = values[i];
    return out as T;
  }
  if (values instanceof Uint8Array) {
    const out = new Uint8Array(values.length);
    for (let i = 0; i < values.length; i++) out[permutation[i]] = values[i];
    return out as T;
  }
  const out = new Uint32Array(values.length);
  const v = values as Uint32Array;
  for (let i = 0; i < v.length; i++) out[permutation[i]] = v[i];
  return out as T;
}

/**
 * Stable grouping of an already time-sorted order by code (counting sort), so each code's rows are
 * contiguous and time-ascending. Returns the order and start offsets (length nCodes + 1).
 */
export function groupOrderByCode(
  order: Uint32Array,
  codes: Int32Array,
  nCodes: number,
): { order: Uint32Array; starts: Int32Array } {
  const { permutation, starts } = stablePartition(gather(codes, order), nCodes);
  return { order: scatter(order, permutation), starts };
}

/**
 * Counting sort of positions by code: permutation[i] = destination of position i, so rows with code k
 * land in [starts[k], starts[k+1]) in their original relative order.
 */
export function stablePartition(codes: Int32Array, nCodes: number): { permutation: Uint32Array; starts: Int32Array } {
  const starts = new Int32Array(nCodes + 1);
  for (let i = 0; i < codes.length; i++) starts[codes[i] + 1]++;
  for (let k = 0; k < nCodes; k++) starts[k + 1] += starts[k];
  const next = starts.slice(0, nCodes);
  const permutation = new Uint32Array(codes.length);
  for (let i = 0; i < codes.length; i++) permutation[i] = next[codes[i]]++;
  return { permutation, starts };
}

/** sqrt(.Machine$double.eps), survival's aeqSurv tolerance. */
const TIME_TOLERANCE = Math.sqrt(2.220446049250313e-16);

/**
 * Merges times that differ only by floating-point noise, in place on ascending times, as R's
 * survival::aeqSurv (the timefix = TRUE default of survfit, survdiff and coxph): consecutive distinct
 * values with a gap ≤ √ε, or ≤ √ε relative to the mean |distinct time|, are tied to the first of the run.
 */
export function mergeNearTies(sortedTime: Float64Array): void {
  const n = sortedTime.length;
  let sum = 0;
  let distinct = 0;
  for (let i = 0; i < n; i++) {
    if (i === 0 || sortedTime[i] !== sortedTime[i - 1]) {
      sum += Math.abs(sortedTime[i]);
      distinct++;
    }
  }
  if (distinct < 2) return;
  const mean = sum / distinct;
  let previous = sortedTime[0];
  let cut = previous;
  for (let i = 1; i < n; i++) {
    const v = sortedTime[i];
    if (v !== previous) {
      const gap = v - previous;
      previous = v;
      if (!(gap <= TIME_TOLERANCE || gap / mean <= TIME_TOLERANCE)) cut = v;
    }
    sortedTime[i] = cut;
  }
}

/**
 * Rows sorted by (code, time) as contiguous typed arrays: the time-sorted data (near-ties merged as
 * R's aeqSurv) partitioned stably by code. `columns` are gathered into the same order.
 */
export function sortedByCodeThenTime<C extends Array<Float64Array | Int32Array | Uint8Array>>(
  times: Float64Array,
  codes: Int32Array | undefined,
  nCodes: number,
  ...columns: C
): { time: Float64Array; columns: C; starts: Int32Array; order: Uint32Array } {
  const fused = codes && nCodes > 1 ? sortedByCodeAndDecimalTime(times, codes, nCodes) : null;
  if (fused) {
    return { ...fused, columns: columns.map((c) => gather(c, fused.order)) as C };
  }
  const sorted = sortByTime(times);
  mergeNearTies(sorted.time);
  if (!codes || nCodes <= 1) {
    return {
      time: sorted.time,
      columns: columns.map((c) => gather(c, sorted.order)) as C,
      starts: Int32Array.of(0, times.length),
      order: sorted.order,
    };
  }
  const { permutation, starts } = stablePartition(gather(codes, sorted.order), nCodes);
  return {
    time: scatter(sorted.time, permutation),
    columns: columns.map((c) => scatter(gather(c, sorted.order), permutation)) as C,
    starts,
    order: scatter(sorted.order, permutation),
  };
}

/**
 * sortedByCodeThenTime in one counting pass over the key (code, t·10^d), for short decimal times
 * (decimalKeys) whose distinct values are too far apart for mergeNearTies to merge any: with keys
 * at scale 10^d two distinct times differ by ≥ 10^−d less rounding, so none is within √ε absolutely
 * or relative to the mean time (≤ the largest). Else null (the general path sorts, merges, then
 * partitions by code).
 */
function sortedByCodeAndDecimalTime(
  times: Float64Array,
  codes: Int32Array,
  nCodes: number,
): { time: Float64Array; starts: Int32Array; order: Uint32Array } | null {
  const n = times.length;
  const decimal = decimalKeys(times);
  if (!decimal) return null;
  const { keys, scale, maxKey } = decimal;
  const largest = maxKey / scale;
  const smallestGap = 1 / scale - largest * 2 ** -50; // the two roundings to doubles, with room
  if (!(smallestGap > 2 * TIME_TOLERANCE * Math.max(1, largest))) return null;
  const span = maxKey + 1;
  if (nCodes * span > Math.max(4 * n, BUCKETS)) return null;
  // Counting sort by code · span + key: stable, so equal times keep their input order.
  const next = new Uint32Array(nCodes * span + 1);
  for (let i = 0; i < n; i++) next[codes[i] * span + keys[i] + 1]++;
  const starts = new Int32Array(nCodes + 1);
  const time = new Float64Array(n);
  let position = 0;
  for (let key = 0; key < nCodes * span; key++) {
    const count = next[key + 1];
    next[key + 1] = next[key] + count;
    // Time of this key, written in order: k / 10^d is the time itself (decimalKeys), −0 read as 0.
    if (count > 0) time.fill((key % span) / scale, position, position + count);
    position += count;
  }
  for (let c = 0; c < nCodes; c++) starts[c + 1] = next[(c + 1) * span];
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[next[codes[i] * span + keys[i]]++] = i;
  return { time, starts, order };
}
