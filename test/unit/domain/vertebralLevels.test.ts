import { describe, expect, it } from 'vitest';
import {
  ALL_LEVELS, areLevelsContiguous, expandLevelRange, formatLevels, lesionLocation, normaliseLevel,
  parseLesionLevels, parseLevels, regionsInvolved,
} from '../../../shared/domain/vertebralLevels';

describe('vertebral levels', () => {
  it('has 29 levels in cranio-caudal order', () => {
    expect(ALL_LEVELS.length).toBe(29);
    expect(ALL_LEVELS[0]).toBe('C1');
    expect(ALL_LEVELS[7]).toBe('T1');
    expect(ALL_LEVELS[18]).toBe('T12');
    expect(ALL_LEVELS[19]).toBe('L1');
    expect(ALL_LEVELS[28]).toBe('S5');
  });

  it('normalises spellings', () => {
    expect(normaliseLevel('th12')).toBe('T12');
    expect(normaliseLevel('D12')).toBe('T12');
    expect(normaliseLevel('T01')).toBe('T1');
    expect(normaliseLevel('l 4')).toBe('L4');
    expect(normaliseLevel('T13')).toBeNull();
    expect(normaliseLevel('L6')).toBeNull();
    expect(normaliseLevel('C0')).toBeNull();
    expect(normaliseLevel('X1')).toBeNull();
  });

  it('expands ranges across regions', () => {
    expect(expandLevelRange('T11', 'L1')).toEqual(['T11', 'T12', 'L1']);
    expect(expandLevelRange('L1', 'T11')).toEqual(['T11', 'T12', 'L1']);
    expect(expandLevelRange('C6', 'T2')).toEqual(['C6', 'C7', 'T1', 'T2']);
  });

  it.each([
    ['PTV_T12', ['T12']],
    ['PTV_L1-L2', ['L1', 'L2']],
    ['PTV_Th12', ['T12']],
    ['ptv_l4-5', ['L4', 'L5']],
    ['PTV_C7_T1', ['C7', 'T1']],
    ['VB_T01', ['T1']],
    ['PTV_T9T10', ['T9', 'T10']],
    ['PTV 24Gy T12', ['T12']],
    ['zPTV_L3', ['L3']],
    ['PTV1_T5', ['T5']],
    ['T7-8 24Gy', ['T7', 'T8']],
    ['T11-L1', ['T11', 'T12', 'L1']],
    ['Th11–L1', ['T11', 'T12', 'L1']],
    ['D11-D12', ['T11', 'T12']],
    ['L5-S1', ['L5', 'S1']],
    ['T11,T12,L1', ['T11', 'T12', 'L1']],
  ])('parses %s', (text, levels) => {
    const p = parseLevels(text);
    expect(p.levels).toEqual(levels);
    expect(p.contiguous).toBe(true);
    expect(p.invalid).toEqual([]);
  });

  it('reports region-only, invalid and non-contiguous mentions', () => {
    expect(parseLevels('PTV_Sacrum')).toEqual({ levels: [], contiguous: false, regionOnly: 'sacral', invalid: [] });
    expect(parseLevels('PTV_T13').invalid).toEqual(['T13']);
    const gap = parseLevels('T4 and T9');
    expect(gap.levels).toEqual(['T4', 'T9']);
    expect(gap.contiguous).toBe(false);
    expect(parseLevels('PTV').levels).toEqual([]);
    expect(parseLevels('CTV_boost').levels).toEqual([]);
  });

  it('strict lesion parse names the problem', () => {
    expect(parseLesionLevels('T11-L1')).toEqual({ ok: true, levels: ['T11', 'T12', 'L1'] });
    expect(parseLesionLevels('T4,T9')).toMatchObject({ ok: false, error: expect.stringContaining('not contiguous') });
    expect(parseLesionLevels('L6')).toMatchObject({ ok: false, error: expect.stringContaining('L6') });
    expect(parseLesionLevels('')).toMatchObject({ ok: false });
    expect(parseLesionLevels('T12 foo')).toMatchObject({ ok: false, error: expect.stringContaining('foo') });
  });

  it('checks contiguity', () => {
    expect(areLevelsContiguous(['T12', 'L1'])).toBe(true);
    expect(areLevelsContiguous(['T11', 'L1'])).toBe(false);
    expect(areLevelsContiguous([])).toBe(false);
  });

  it('formats levels', () => {
    expect(formatLevels(['L1', 'T11', 'T12'])).toBe('T11-L1');
    expect(formatLevels(['T12'])).toBe('T12');
    expect(formatLevels(['T4', 'T9'])).toBe('T4,T9');
  });

  it('location: majority region, tie to the more caudal region', () => {
    expect(lesionLocation(['C7', 'T1'])).toBe('thoracic');
    expect(lesionLocation(['T12', 'L1'])).toBe('lumbar');
    expect(lesionLocation(['L5', 'S1'])).toBe('sacral');
    expect(lesionLocation(['T11', 'T12', 'L1'])).toBe('thoracic');
    expect(lesionLocation(['C2'])).toBe('cervical');
    expect(regionsInvolved(['T11', 'T12', 'L1'])).toEqual(['thoracic', 'lumbar']);
  });
});
