// Engine-level properties of the Cox code (shared/stats): sorting, design matrix, the LDLᵀ helpers,
// invariances the R algorithm guarantees, monotone-likelihood flagging and the robust variance.
// R agreement itself is covered by the golden cases and coxExtra.test.ts.
import { describe, expect, it } from 'vitest';
import { coxModel, coxTerms, coxTests, ModelFitError, sortOrder } from '../../../shared/stats/coxModel';
import { designMatrix, ModelSpecificationError } from '../../../shared/stats/designMatrix';
import { choleskyInverse, cholesky, waldQuadratic } from '../../../shared/stats/matrix';
import { zphTimeTransform } from '../../../shared/stats/coxZph';
import { firthCox } from '../../../shared/stats/firthCox';

const f64 = (v: number[]) => Float64Array.from(v);
const u8 = (v: number[]) => Uint8Array.from(v);

// aml (survival::aml): Maintained = 0, Nonmaintained = 1.
const aml = {
  time: f64([9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161, 5, 5, 8, 8, 12, 16, 23, 27, 30, 33, 43, 45]),
  status: u8([1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1]),
  x: f64([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]),
};

describe('sortOrder', () => {
  it('orders by stratum then time, stably', () => {
    const time = f64([3, 1, 2, 1, 3, 0]);
    expect(Array.from(sortOrder(time))).toEqual([5, 1, 3, 2, 0, 4]);
    const strata = Int32Array.from([1, 1, 0, 0, 0, 1]);
    expect(Array.from(sortOrder(time, strata))).toEqual([3, 2, 4, 5, 1, 0]);
  });
});

describe('designMatrix', () => {
  it('codes a factor against its first level by default, or --ref, naming columns B=level', () => {
    const codes = Int32Array.from([0, 1, 2, 1, 0]);
    const d = designMatrix([{ name: 'g', kind: 'factor', levels: ['a', 'b', 'c'], codes }], 5);
    expect(d.names).toEqual(['g=b', 'g=c']);
    expect(Array.from(d.columns[0])).toEqual([0, 1, 0, 1, 0]);
    const r = designMatrix([{ name: 'g', kind: 'factor', levels: ['a', 'b', 'c'], codes, reference: 'c' }], 5);
    expect(r.names).toEqual(['g=a', 'g=b']);
    expect(r.terms[0]).toMatchObject({ name: 'g', columns: [0, 1], reference: 'c' });
  });

  it('drops levels absent from the rows used and rejects a one-level factor', () => {
    const d = designMatrix([{ name: 'g', kind: 'factor', levels: ['a', 'b', 'c'], codes: Int32Array.from([0, 2, 2]) }], 3);
    expect(d.names).toEqual(['g=c']);
    expect(() => designMatrix([{ name: 'g', kind: 'factor', levels: ['a', 'b'], codes: Int32Array.from([1, 1]) }], 2)).toThrow(
      ModelSpecificationError,
    );
    expect(() => designMatrix([{ name: 'g', kind: 'factor', levels: ['a', 'b'], codes: Int32Array.from([1, 1]) }], 2)).toThrow(/only one level \('b'\)/);
  });
});

describe('LDLᵀ helpers (survival cholesky2/chinv2)', () => {
  it('inverts a symmetric positive definite matrix and gives bᵀV⁻¹b', () => {
    const m = f64([4, 2, 0.6, 2, 3, 0.4, 0.6, 0.4, 2]);
    const f = Float64Array.from(m);
    expect(cholesky(f, 3)).toBe(3);
    const inv = choleskyInverse(f, 3);
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) {
        let s = 0;
        for (let k = 0; k < 3; k++) s += m[i * 3 + k] * inv[k * 3 + j];
        expect(s).toBeCloseTo(i === j ? 1 : 0, 12);
      }
    const b = f64([1, -1, 2]);
    let q = 0;
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) q += b[i] * inv[i * 3 + j] * b[j];
    expect(waldQuadratic(m, b, 3).chisq).toBeCloseTo(q, 12);
  });

  it('reports the rank of a singular matrix', () => {
    expect(cholesky(f64([1, 2, 2, 4]), 2)).toBe(1);
  });
});

describe('coxModel', () => {
  const fitAml = (ties: 'efron' | 'breslow', x = aml.x) => coxModel({ time: aml.time, status: aml.status, x: [x], names: ['x'], ties });

  it('is invariant to shifting and rescaling a covariate (as coxph)', () => {
    const a = fitAml('efron');
    const b = fitAml('efron', aml.x.map((v) => 10 + 3 * v));
    expect(b.coef[0] * 3).toBeCloseTo(a.coef[0], 9);
    expect(b.loglik[1]).toBeCloseTo(a.loglik[1], 9);
    expect(Math.sqrt(b.variance[0]) * 3).toBeCloseTo(Math.sqrt(a.variance[0]), 9);
  });

  it('Efron equals Breslow when there are no tied event times', () => {
    const time = f64([1, 2, 3, 4, 5, 6, 7, 8]);
    const status = u8([1, 1, 0, 1, 1, 0, 1, 1]);
    const x = [f64([0.5, 1.2, -0.3, 2, 0.1, -1, 0.7, 0.2])];
    const e = coxModel({ time, status, x, ties: 'efron' });
    const b = coxModel({ time, status, x, ties: 'breslow' });
    expect(e.coef[0]).toBeCloseTo(b.coef[0], 12);
    expect(e.loglik[1]).toBeCloseTo(b.loglik[1], 12);
  });

  it('matches the aml Cox fit of R (survival 3.5-3: coef 0.915532575014718, se 0.511934275172005)', () => {
    const fit = fitAml('efron');
    expect(fit.coef[0]).toBeCloseTo(0.915532575014718, 9);
    expect(Math.sqrt(fit.variance[0])).toBeCloseTo(0.511934275172005, 9);
    expect(fit.converged).toBe(true);
    expect(fit.monotoneLikelihood).toBe(false);
    expect(fit.eventsPerVariable).toBe(18);
  });

  it('robust variance with one row per cluster is the Lin–Wei sandwich; cluster ids permuted give the same result', () => {
    const n = aml.time.length;
    const cluster = Int32Array.from({ length: n }, (_, i) => i);
    const a = coxModel({ time: aml.time, status: aml.status, x: [aml.x], cluster });
    const perm = Int32Array.from({ length: n }, (_, i) => n - 1 - i);
    const b = coxModel({ time: aml.time, status: aml.status, x: [aml.x], cluster: perm });
    expect(a.robustVariance![0]).toBeCloseTo(b.robustVariance![0], 14);
    expect(a.robustVariance![0]).toBeGreaterThan(0);
    expect(a.robustScore!.chisq).toBeGreaterThan(0);
    // Clustering every row into one cluster makes the summed score (≈ 0 at the MLE) the only term.
    const one = coxModel({ time: aml.time, status: aml.status, x: [aml.x], cluster: new Int32Array(n) });
    expect(one.robustVariance![0]).toBeLessThan(1e-12);
  });

  it('flags monotone likelihood (a group without events) instead of returning a huge hazard ratio', () => {
    const time = f64([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const status = u8([1, 1, 1, 1, 1, 0, 0, 0, 0, 0]);
    const x = f64([0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    const fit = coxModel({ time, status, x: [x], names: ['g=B'] });
    expect(fit.monotoneLikelihood).toBe(true);
    expect(fit.infinite).toEqual([true]);
    const terms = coxTerms(fit);
    expect(terms[0]).toMatchObject({ term: 'g=B', coef: null, hr: null, diverges: '-inf' });
    const tests = coxTests(fit);
    expect(tests.wald).toBeNull();
    expect(Number.isFinite(tests.likelihoodRatio.chisq)).toBe(true);
    const firth = firthCox({ time, status, x: [x] });
    expect(Number.isFinite(firth.coef[0])).toBe(true);
    expect(firth.coef[0]).toBeLessThan(0);
  });

  it('throws ModelFitError without events', () => {
    expect(() => coxModel({ time: f64([1, 2]), status: u8([0, 0]), x: [f64([1, 2])] })).toThrow(ModelFitError);
  });

  it('handles ties everywhere and strata (every stratum its own risk set)', () => {
    const time = f64([1, 1, 1, 1, 2, 2, 2, 2]);
    const status = u8([1, 1, 0, 1, 1, 0, 1, 1]);
    const x = [f64([0, 1, 1, 0, 1, 0, 1, 0])];
    const strata = Int32Array.from([0, 0, 0, 0, 1, 1, 1, 1]);
    const both = coxModel({ time, status, x, strata });
    // With each stratum at one time, the fit equals the fit with all times equal and the same strata.
    const flat = coxModel({ time: f64([5, 5, 5, 5, 5, 5, 5, 5]), status, x, strata });
    expect(both.coef[0]).toBeCloseTo(flat.coef[0], 12);
    expect(both.loglik[1]).toBeCloseTo(flat.loglik[1], 12);
  });
});

describe('cox.zph time transforms', () => {
  it('rank averages ties; km is 1 − S(t−) of the pooled Kaplan–Meier', () => {
    const time = f64([2, 1, 2, 3]);
    const status = u8([1, 1, 0, 1]);
    expect(Array.from(zphTimeTransform(time, status, 'rank'))).toEqual([2.5, 1, 2.5, 4]);
    // S: after t=1: 3/4; after t=2: 3/4·(1−1/3) = 1/2.
    const km = zphTimeTransform(time, status, 'km');
    expect(Array.from(km)).toEqual([0.25, 0, 0.25, 0.5]);
    expect(Array.from(zphTimeTransform(time, status, 'identity'))).toEqual([2, 1, 2, 3]);
  });
});
