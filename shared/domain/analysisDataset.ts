// One row of the analysis dataset (`rtcw dataset`, cli.md "Studies"): shared so the renderer and
// the API can type it; built by electron/services/analysis/dataset.ts.
import type { SinsGroup } from './clinicalScores';
import type { FirstFailure } from './endpoints';
import type { TargetedTiming } from './targetedTherapy';
import type { SpineRegion } from './vertebralLevels';

export type AnalysisUnit = 'lesion' | 'patient';

/** Columns of `rtcw dataset`, in order (cli.md). */
export const DATASET_COLUMNS = [
  'patient', 'lesion', 'sex', 'ageAtRT', 'ecog', 'levels', 'location', 'cordCompression', 'sins', 'sinsGroup',
  'priorIrradiation', 'sbrt', 'totalDoseGy', 'fractions', 'bedGy', 'eqd2Gy', 'targetedTiming', 'concurrent',
  'painResponse', 'localTime', 'localEvent', 'osTime', 'osEvent', 'systemicTime', 'systemicEvent', 'firstFailure',
] as const;

export type DatasetColumn = (typeof DATASET_COLUMNS)[number];

export interface AnalysisRow {
  patient: string;
  lesion: string;
  sex: string | null;
  ageAtRT: number | null;
  ecog: number | null;
  levels: string;
  location: SpineRegion | null;
  cordCompression: 0 | 1 | null;
  sins: number | null;
  sinsGroup: SinsGroup | null;
  priorIrradiation: 0 | 1 | null;
  sbrt: 0 | 1 | null;
  totalDoseGy: number | null;
  fractions: number | null;
  bedGy: number | null;
  eqd2Gy: number | null;
  targetedTiming: TargetedTiming;
  concurrent: 0 | 1;
  painResponse: 0 | 1 | null;
  localTime: number | null;
  localEvent: 0 | 1 | null;
  osTime: number | null;
  osEvent: 0 | 1 | null;
  systemicTime: number | null;
  systemicEvent: 0 | 1 | null;
  firstFailure: FirstFailure | null;
}
