// The standard normal quantile on its own module: Kaplan–Meier needs only this one distribution,
// and `rtcw km` then loads @stdlib's normal quantile alone instead of the chi-square and gamma code of
// distributions.ts (~270 kB, ~13 ms of every start; issue 15, test/bench/cliStartup.bench.ts).
import normalQuantileStd from '@stdlib/stats-base-dists-normal-quantile';

/** Standard normal quantile Φ⁻¹(p). */
export function normalQuantile(p: number): number {
  return normalQuantileStd(p, 0, 1);
}
