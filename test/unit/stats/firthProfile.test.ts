// Firth profile-likelihood limits (issue 13, class 7): a limit whose PLCOMP iteration did not converge,
// or converged to the root on the wrong side of the estimate, is null and says so — by coefficient
// and side — instead of being reported silently. Over seeded small data sets with near-separation
// (where profiles are flat), every reported limit brackets the estimate and every null has its note.
import { describe, expect, it } from 'vitest';
import { firthCox } from '../../../shared/stats/firthCox';
import { ModelFitError } from '../../../shared/stats/coxModel';
import { mulberry32 } from '../../fixtures/seededRandom';

describe('Firth profile-likelihood limits', () => {
  it('a null limit always has a warning naming the coefficient and side; reported limits bracket the estimate', () => {
    let fits = 0;
    let nullLimits = 0;
    for (let s = 0; s < 150; s++) {
      const rand = mulberry32(1300 + s);
      const n = 8 + Math.floor(rand() * 25);
      const p = 1 + Math.floor(rand() * 3);
      const time = new Float64Array(n);
      const status = new Uint8Array(n);
      const x = Array.from({ length: p }, () => new Float64Array(n));
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < p; j++) x[j][i] = rand() < 0.5 ? (rand() < 0.5 ? 1 : 0) : Math.round(rand() * 100) / 10;
        time[i] = Math.round(rand() * 50) + 1;
        status[i] = rand() < 0.6 ? 1 : 0;
      }
      // Every third data set: events only where x1 = 1 (separation).
      if (s % 3 === 0) for (let i = 0; i < n; i++) status[i] = x[0][i] === 1 && rand() < 0.8 ? 1 : 0;
      let fit;
      try {
        fit = firthCox({ time, status, x });
      } catch (error) {
        expect(error).toBeInstanceOf(ModelFitError); // constant/collinear columns, no events: a message
        continue;
      }
      fits++;
      for (let j = 0; j < p; j++) {
        const hr = Math.exp(fit.coef[j]);
        for (const [side, limit] of [['lower', fit.lower[j]], ['upper', fit.upper[j]]] as const) {
          if (limit === null) {
            nullLimits++;
            expect(fit.warnings.some((w) => w.includes(`${side} limit for '${fit.names[j]}'`)), `seed ${s} ${side} ${j}`).toBe(true);
          } else if (side === 'lower') expect(limit).toBeLessThan(hr);
          else expect(limit).toBeGreaterThan(hr);
        }
        if (fit.p[j] === null) expect(fit.warnings.some((w) => w.includes(`p-value for '${fit.names[j]}'`))).toBe(true);
      }
    }
    expect(fits).toBeGreaterThan(100);
    expect(nullLimits).toBeGreaterThan(0);
  });
});
