// Distribution tails and quantiles used by the tests and confidence intervals, from @stdlib.
// Upper tails are computed directly (regularised upper incomplete gamma, erfc) rather than as 1 − cdf,
// so tiny p-values keep their relative precision, as R's pchisq(lower.tail = FALSE).
import gammainc from '@stdlib/math-base-special-gammainc';
import erfc from '@stdlib/math-base-special-erfc';
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import chisquareQuantile from '@stdlib/stats-base-dists-chisquare-quantile';

/** P(X > x) for X ~ χ²(df): Q(df/2, x/2), the regularised upper incomplete gamma function. */
export function chiSquareUpperTail(x: number, df: number): number {
  if (Number.isNaN(x) || !(df > 0)) return NaN;
  if (x <= 0) return 1;
  if (x === Infinity) return 0;
  return gammainc(x / 2, df / 2, true, true);
}

/** P(X ≤ x) for X ~ N(0,1). */
export function normalLowerTail(z: number): number {
  return normalCdf(z, 0, 1);
}

/** P(X > z) for X ~ N(0,1) = erfc(z/√2)/2. */
export function normalUpperTail(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/** Two-sided normal p-value 2·P(X > |z|). */
export function normalTwoSidedP(z: number): number {
  if (Number.isNaN(z)) return NaN;
  return erfc(Math.abs(z) / Math.SQRT2);
}

export { normalQuantile } from './normalQuantile';

/** χ²(df) quantile. */
export function chiSquareQuantile(p: number, df: number): number {
  return chisquareQuantile(p, df);
}
