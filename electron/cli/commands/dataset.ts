// `rtcw dataset --study FILE [--unit lesion|patient]` — the analysis dataset as CSV on stdout.
import { buildDataset, datasetToCsv } from '../../services/analysis/dataset';
import { CliError, type CliOptions } from '../options';
import { withStudyReadOnly } from '../studyAccess';

export const allowedOptions = ['study', 'unit'] as const;

export async function run(options: CliOptions) {
  const file = options.requiredString('study');
  const unit = options.string('unit', 'lesion');
  if (unit !== 'lesion' && unit !== 'patient') throw new CliError(`--unit must be lesion or patient (got '${unit}')`);
  return withStudyReadOnly(file, (study) => ({ raw: datasetToCsv(buildDataset(study.db, { unit })) }));
}
