// Time-axis conventions for survival-type figures: regular breaks in months and an axis limit where
// few patients remain at risk (Pocock, Clayton & Altman, Lancet 2002;359:1686 — curves should be
// curtailed once the numbers at risk become small).

/** Break steps tried, in time units (months: 1, 2, 3, 6, then yearly multiples). */
const STEPS = [0.25, 0.5, 1, 2, 3, 6, 12, 24, 36, 48, 60, 120, 240];

/** The smallest regular break step giving at most `maxIntervals` intervals up to xMax. */
export function timeStep(xMax: number, maxIntervals = 8): number {
  for (const step of STEPS) if (Math.ceil(xMax / step - 1e-9) <= maxIntervals) return step;
  const magnitude = 10 ** Math.ceil(Math.log10(xMax / maxIntervals));
  return magnitude;
}

/** Ticks 0, step, 2·step, … ≤ xMax (with a tolerance for floating steps). */
export function timeTicks(xMax: number, step: number): number[] {
  const ticks: number[] = [];
  for (let i = 0; i * step <= xMax + step * 1e-9; i++) ticks.push(Number((i * step).toPrecision(12)));
  return ticks;
}

/**
 * Default axis limit: the latest time at which at least `fraction` of all patients (and at least one)
 * are still at risk (timeAxis rounds it to a break).
 * `atRisk(t)` is the total number at risk at t (over all groups), `n` the total, `maxTime` the
 * largest observed time.
 */
export function defaultTimeLimit(
  times: readonly number[],
  atRisk: (t: number) => number,
  n: number,
  maxTime: number,
  fraction = 0.1,
): number {
  const needed = Math.max(1, Math.ceil(fraction * n));
  let limit = 0;
  for (const t of times) if (atRisk(t) >= needed && t > limit) limit = t;
  if (!(limit > 0)) limit = maxTime > 0 ? maxTime : 1;
  return limit;
}

/** Axis limit and step: the limit rounded up to a regular break. */
export function timeAxis(limit: number, maxTime: number, step?: number, maxIntervals = 8): { xMax: number; step: number } {
  const s = step ?? timeStep(limit, maxIntervals);
  // Round to the break below the limit (few at risk beyond it) unless that cuts off over a quarter.
  const down = Math.floor(limit / s + 1e-9) * s;
  const up = Math.ceil(limit / s - 1e-9) * s;
  const cap = Math.max(s, Math.ceil(maxTime / s - 1e-9) * s);
  const chosen = down > 0 && down >= 0.75 * limit ? down : Math.min(up, cap);
  return { xMax: Number(chosen.toPrecision(12)) || s, step: s };
}

/** Tick label: integers plain, fractions with as few decimals as needed. */
export function formatTick(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return String(Number(value.toFixed(2)));
}

/**
 * The figure's time axis from the user's choices (either may be absent): a given limit is kept as is,
 * otherwise `limit` (the follow-up range) is rounded up to a break. Wider figures allow more breaks.
 */
export function chooseTimeAxis(
  userMax: number | undefined,
  userStep: number | undefined,
  limit: number,
  maxTime: number,
  widthMm: number,
): { xMax: number; step: number } {
  const maxIntervals = widthMm > 120 ? 10 : 8;
  if (userMax !== undefined && userStep !== undefined) return { xMax: userMax, step: userStep };
  if (userMax !== undefined) return { xMax: userMax, step: timeStep(userMax, maxIntervals) };
  // Without a user limit the axis covers `limit` (the whole follow-up by default): rounded up to a break.
  const step = userStep ?? timeStep(limit, maxIntervals);
  return { xMax: Number((Math.max(1, Math.ceil(limit / step - 1e-9)) * step).toPrecision(12)), step };
}
