import { describe, expect, it } from 'vitest';
import { biologicallyEffectiveDose, classifySbrt, equivalentDoseIn2GyFractions, roundDose } from '../../../shared/domain/radiobiology';

describe('BED / EQD2 (α/β 7)', () => {
  it('matches the product checks', () => {
    expect(roundDose(biologicallyEffectiveDose(24, 3))).toBe(51.43);
    expect(roundDose(biologicallyEffectiveDose(48, 4))).toBe(130.29);
    expect(roundDose(biologicallyEffectiveDose(20, 5))).toBe(31.43);
    expect(biologicallyEffectiveDose(30, 10)).toBeCloseTo(30 * (1 + 3 / 7), 12);
  });
  it('EQD2 = D(d+α/β)/(2+α/β)', () => {
    expect(equivalentDoseIn2GyFractions(24, 3)).toBeCloseTo((24 * (8 + 7)) / 9, 12);
    expect(equivalentDoseIn2GyFractions(30, 15)).toBeCloseTo(30, 12);
    expect(equivalentDoseIn2GyFractions(24, 3, 10)).toBeCloseTo((24 * 18) / 12, 12);
  });
  it('rejects impossible doses', () => {
    expect(() => biologicallyEffectiveDose(0, 3)).toThrow(/dose/);
    expect(() => biologicallyEffectiveDose(20, 0)).toThrow(/fractions/);
    expect(() => biologicallyEffectiveDose(20, 5, 0)).toThrow(/α\/β/);
  });
});

describe('SBRT rule', () => {
  it('technique wins, then stereotactic-only machine, then dose rule', () => {
    expect(classifySbrt({ technique: '3D', totalDoseGy: 24, fractions: 3 })).toEqual({ sbrt: false, basis: 'technique' });
    expect(classifySbrt({ technique: 'SBRT', totalDoseGy: 30, fractions: 10 })).toEqual({ sbrt: true, basis: 'technique' });
    expect(classifySbrt({ machine: 'CyberKnife', totalDoseGy: 30, fractions: 10 })).toEqual({ sbrt: true, basis: 'machine' });
    expect(classifySbrt({ machine: 'Hi-Art', totalDoseGy: 24, fractions: 3 })).toEqual({ sbrt: true, basis: 'dose' });
    expect(classifySbrt({ totalDoseGy: 25, fractions: 5 }).sbrt).toBe(true);
    expect(classifySbrt({ totalDoseGy: 20, fractions: 5 }).sbrt).toBe(false);
    expect(classifySbrt({ totalDoseGy: 36, fractions: 6 }).sbrt).toBe(false);
    expect(classifySbrt({ totalDoseGy: 36, fractions: 6 }, { minDosePerFractionGy: 6, maxFractions: 6 }).sbrt).toBe(true);
  });
});
