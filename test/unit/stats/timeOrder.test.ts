import { describe, expect, it } from 'vitest';
import { ascendingOrder, sortByTime, sortedByCodeThenTime } from '../../../shared/stats/timeOrder';

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

describe('radix time order', () => {
  it('matches a stable comparator sort, with ties, zeros and large values', () => {
    const random = lcg(7);
    const n = 5000;
    const t = new Float64Array(n);
    for (let i = 0; i < n; i++) t[i] = i % 7 === 0 ? 0 : i % 5 === 0 ? Math.round(random() * 20) : random() * 1e6;
    t[3] = -0;
    const expected = Array.from({ length: n }, (_, i) => i).sort((a, b) => t[a] - t[b] || a - b);
    const { order, time } = sortByTime(t);
    expect(Array.from(order)).toEqual(expected);
    expect(Array.from(time)).toEqual(expected.map((i) => t[i] + 0));
  });

  it('sorts times written with decimals (32-bit decimal keys) as the bit patterns would, ties stable', () => {
    const random = lcg(13);
    const stable = (t: Float64Array) => Array.from(t.keys()).sort((a, b) => t[a] - t[b] || a - b);
    // Decimals grow along the file (0, 1, then 3 places), with ties, −0 and a 1e6-scale maximum.
    const t = Float64Array.from({ length: 4000 }, (_, i) =>
      i < 1000 ? Math.floor(random() * 50) : i < 2000 ? Math.floor(random() * 500) / 10 : Math.floor(random() * 120000) / 1000,
    );
    t[5] = -0;
    t[6] = 4294.967295; // the largest key at 6 decimals would not fit: 3 decimals do
    const sorted = sortByTime(t);
    expect(Array.from(sorted.order)).toEqual(stable(t));
    expect(Array.from(sorted.time)).toEqual(stable(t).map((i) => t[i] + 0));
    expect(Object.is(sorted.time[0], 0)).toBe(true);
    // 7 decimals, a key beyond 2³², or a time that is no short decimal late in the data: the bit sort.
    for (const odd of [1.0000001, 5e9, 1 / 3, 0.1 + 0.2]) {
      const u = Float64Array.from(t);
      u[3999] = odd;
      expect(Array.from(sortByTime(u).order)).toEqual(stable(u));
      expect(Array.from(ascendingOrder(u))).toEqual(stable(u));
    }
    expect(Array.from(ascendingOrder(t))).toEqual(stable(t));
    // Few distinct keys (whole days): one counting pass.
    const days = Float64Array.from({ length: 4000 }, () => Math.floor(random() * 900));
    expect(Array.from(sortByTime(days).order)).toEqual(stable(days));
  });

  it('orders negative and positive doubles', () => {
    const random = lcg(11);
    const v = Float64Array.from({ length: 3000 }, () => (random() - 0.5) * 10 ** Math.floor(random() * 8));
    const expected = Array.from(v.keys()).sort((a, b) => v[a] - v[b] || a - b);
    expect(Array.from(ascendingOrder(v))).toEqual(expected);
  });

  it('partitions by code keeping time order', () => {
    const t = Float64Array.of(5, 1, 3, 2, 4, 0);
    const g = Int32Array.of(1, 0, 1, 0, 1, 0);
    const e = Uint8Array.of(1, 0, 1, 1, 0, 1);
    const s = sortedByCodeThenTime(t, g, 2, e);
    expect(Array.from(s.time)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(Array.from(s.starts)).toEqual([0, 3, 6]);
    expect(Array.from(s.columns[0])).toEqual([1, 0, 1, 1, 0, 1]);
    expect(Array.from(s.order)).toEqual([5, 1, 3, 2, 4, 0]);
  });
});

describe('sorted by code then time', () => {
  const reference = (t: Float64Array, g: Int32Array) => Array.from(t.keys()).sort((a, b) => g[a] - g[b] || t[a] - t[b] || a - b);

  it('decimal times in one counting pass: same order, times, starts and columns as sorting', () => {
    const random = lcg(17);
    for (const [n, decimals, nCodes] of [[10, 0, 3], [5000, 3, 2], [3000, 1, 7], [2000, 6, 2]]) {
      const scale = 10 ** decimals;
      const t = Float64Array.from({ length: n }, () => Math.floor(random() * 200 * scale) / scale);
      t[0] = -0;
      const g = Int32Array.from({ length: n }, () => Math.floor(random() * nCodes));
      const e = Uint8Array.from({ length: n }, () => (random() < 0.6 ? 1 : 0));
      const s = sortedByCodeThenTime(t, g, nCodes, e);
      const order = reference(t, g);
      expect(Array.from(s.order)).toEqual(order);
      expect(Array.from(s.time)).toEqual(order.map((i) => t[i] + 0));
      expect(Object.is(s.time[order.indexOf(0)], 0)).toBe(true);
      expect(Array.from(s.columns[0])).toEqual(order.map((i) => e[i]));
      const starts = [0];
      for (let c = 0; c < nCodes; c++) starts.push(starts[c] + g.filter((v) => v === c).length);
      expect(Array.from(s.starts)).toEqual(starts);
    }
  });

  it('times that R would merge (aeqSurv) still merge across codes: large times with decimals, or noise', () => {
    // 3 decimals on times near 10⁶: gaps of 0.001 are ≤ √ε relative to the mean, as in R.
    const t = Float64Array.from({ length: 200 }, (_, i) => 1_000_000 + (i % 50) / 1000);
    const g = Int32Array.from({ length: 200 }, (_, i) => i % 2);
    const s = sortedByCodeThenTime(t, g, 2);
    expect(new Set(s.time).size).toBeLessThan(50);
    const noisy = Float64Array.of(0.1 + 0.2, 0.3, 1, 2, 0.3, 0.1 + 0.2);
    const h = Int32Array.of(0, 0, 0, 1, 1, 1);
    expect(Array.from(sortedByCodeThenTime(noisy, h, 2).time)).toEqual([0.3, 0.3, 1, 0.3, 0.3, 2]);
  });
});

describe('mergeNearTies (R aeqSurv)', () => {
  it('ties times that differ by floating-point noise to the first of the run', async () => {
    const { mergeNearTies } = await import('../../../shared/stats/timeOrder');
    const t = Float64Array.of(0.1 + 0.2, 0.3, 0.3 + 1e-12, 1, 2, 2 + 1e-6);
    t.sort();
    mergeNearTies(t);
    expect(Array.from(t)).toEqual([0.3, 0.3, 0.3, 1, 2, 2 + 1e-6]);
  });
});
