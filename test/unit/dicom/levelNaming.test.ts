// Vertebral levels as sites name target volumes (ROI names, plan labels): the variants of issue 5
// plus margins, doses and version suffixes that must NOT read as levels.
import { describe, expect, it } from 'vitest';
import { parseLevels } from '../../../shared/domain/vertebralLevels';

const cases: Array<[string, string[]]> = [
  ['PTV_T12', ['T12']],
  ['PTV_L1-L2', ['L1', 'L2']],
  ['PTV_Th12', ['T12']],
  ['ptv_l4-5', ['L4', 'L5']],
  ['PTV_C7_T1', ['C7', 'T1']],
  ['PTV_T9T10', ['T9', 'T10']],
  ['PTV 24Gy T12', ['T12']],
  ['zPTV_L4', ['L4']],
  ['VB_T01', ['T1']],
  ['PTV1_L3', ['L3']],
  ['T7-8 24Gy', ['T7', 'T8']],
  ['PTV_T11-L1', ['T11', 'T12', 'L1']],
  ['PTV_BWK12', ['T12']],
  ['PTV_LWK4-5', ['L4', 'L5']],
  // Margins, doses and suffixes are not levels.
  ['PTV_T12_3mm', ['T12']],
  ['PTV_L4_5mm', ['L4']],
  ['T5 3D 8Gy/1fx', ['T5']],
  ['PTV_T12_2', ['T12']],
  ['PTV_5x5Gy_L3', ['L3']],
];

describe('level naming variants', () => {
  it.each(cases)('%s → %j', (name, levels) => {
    expect(parseLevels(name).levels).toEqual(levels);
  });

  it('knows a region-only name has no exact levels', () => {
    expect(parseLevels('PTV_Sacrum')).toMatchObject({ levels: [], regionOnly: 'sacral' });
  });
});
