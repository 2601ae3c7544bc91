// Median follow-up.
// Reverse Kaplan–Meier (Schemper & Smith 1996): the KM estimate with the event indicator reversed
// (censoring is the "event"), median and 95% log CI as quantile.survfit, i.e. R's
// quantile(survfit(Surv(time, 1 − status) ~ 1)). Observed: median, min and max of all follow-up times.
import { kaplanMeier, survivalQuantile, type QuantileEstimate } from './kaplanMeier';

export interface FollowUpResult {
  reverseKm: QuantileEstimate;
  observed: { median: number | null; min: number | null; max: number | null };
}

export function followUp(time: Float64Array, event: Uint8Array): FollowUpResult {
  const reversed = new Uint8Array(event.length);
  for (let i = 0; i < event.length; i++) reversed[i] = event[i] ? 0 : 1;
  const curve = kaplanMeier(time, reversed, { confType: 'log', confLevel: 0.95 });
  const sorted = Float64Array.from(time).sort();
  const n = sorted.length;
  const median = n === 0 ? null : n % 2 === 1 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  return {
    reverseKm: survivalQuantile(curve, 0.5),
    observed: { median, min: n ? sorted[0] : null, max: n ? sorted[n - 1] : null },
  };
}
