// Regular time breaks and the few-at-risk axis limit (Pocock et al., Lancet 2002).
import { describe, expect, it } from 'vitest';
import { chooseTimeAxis, defaultTimeLimit, timeAxis, timeStep, timeTicks } from '../../../shared/charts/timeAxis';

describe('time axis', () => {
  it('chooses month-friendly regular breaks', () => {
    expect(timeStep(60)).toBe(12);
    expect(timeStep(24)).toBe(3);
    expect(timeStep(36)).toBe(6);
    expect(timeStep(120, 10)).toBe(12);
    expect(timeTicks(24, 6)).toEqual([0, 6, 12, 18, 24]);
    expect(timeTicks(1.5, 0.5)).toEqual([0, 0.5, 1, 1.5]);
  });

  it('curtails the axis where fewer than 10% remain at risk, at a break', () => {
    // 100 patients, one leaves every month: 10 at risk at month 90.
    const times = Array.from({ length: 100 }, (_v, i) => i + 1);
    const atRisk = (t: number) => times.filter((x) => x >= t).length;
    expect(defaultTimeLimit(times, atRisk, 100, 100)).toBe(91);
    expect(timeAxis(91, 100)).toEqual({ xMax: 84, step: 12 });
    // Rounding down would cut off more than a quarter: round up instead, never past the last follow-up break.
    expect(timeAxis(7, 8)).toEqual({ xMax: 7, step: 1 });
    expect(timeAxis(13, 13.5)).toEqual({ xMax: 12, step: 2 });
    expect(timeAxis(10, 30, 12)).toEqual({ xMax: 12, step: 12 });
  });

  it('keeps what the user chose', () => {
    expect(chooseTimeAxis(36, 12, 20, 50, 85)).toEqual({ xMax: 36, step: 12 });
    expect(chooseTimeAxis(48, undefined, 20, 50, 85)).toEqual({ xMax: 48, step: 6 });
    // Without a user limit the axis covers the whole limit (the follow-up range), rounded up to a tick.
    expect(chooseTimeAxis(undefined, 6, 29, 50, 85)).toEqual({ xMax: 30, step: 6 });
  });
});
