// `rtcw study import-dicom FILE --dir DIR` (cli.md "Studies"): scan as `dicom-scan`, add the
// proposals that need no review in one transaction; the rest are reported for the review screen.
// Re-running adds nothing twice. Pseudonyms use the study's own secret.
import { ApiError } from '../../../shared/api/contract';
import { CliError, type CliOptions } from '../options';
import { importDicomFolder } from '../../services/dicom/dicomImport';
import { ScanInputError } from '../../services/dicom/dicomScan';
import { cliKeyStore, cliWriterOptions } from '../studyAccess';

export const allowedOptions = ['dir', 'imaging-window-days', 'key'] as const;

export async function run(options: CliOptions) {
  const file = options.positionals[0];
  if (!file) throw new CliError('missing study FILE: rtcw study import-dicom FILE --dir DIR');
  if (options.positionals.length > 1) throw new CliError(`unexpected argument '${options.positionals[1]}'`);
  const dir = options.requiredString('dir');
  const imagingWindowDays = options.number('imaging-window-days', 60);
  if (!Number.isInteger(imagingWindowDays) || imagingWindowDays < 0) {
    throw new CliError(`--imaging-window-days must be a whole number of days ≥ 0; got ${imagingWindowDays}`);
  }
  try {
    return await importDicomFolder(file, dir, { imagingWindowDays, keyStore: cliKeyStore(options), study: cliWriterOptions(file) });
  } catch (error) {
    if (error instanceof ScanInputError) throw new CliError(error.message);
    if (error instanceof ApiError && error.code !== 'INTERNAL') throw new CliError(error.message);
    throw error;
  }
}
