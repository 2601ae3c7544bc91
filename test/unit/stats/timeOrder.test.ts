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

describe('mergeNearTies (R aeqSurv)', () => {
  it('ties times that differ by floating-point noise to the first of the run', async () => {
    const { mergeNearTies } = await import('../../../shared/stats/timeOrder');
    const t = Float64Array.of(0.1 + 0.2, 0.3, 0.3 + 1e-12, 1, 2, 2 + 1e-6);
    t.sort();
    mergeNearTies(t);
    expect(Array.from(t)).toEqual([0.3, 0.3, 0.3, 1, 2, 2 + 1e-6]);
  });
});
