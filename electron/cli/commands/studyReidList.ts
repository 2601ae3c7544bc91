// `rtcw study reid-list FILE.rtcw --dir DICOMDIR --out LIST.csv [--key KEYFILE]` — pseudonym ↔
// hospital ID for the site's chart review, from a re-read of the site's DICOM folder
// (electron/services/identity/reidList.ts). Nothing is stored in the study.
import { writeReidList } from '../../services/identity/reidList';
import { requireStudyKey } from '../../services/identity/studyKey';
import type { CliOptions } from '../options';
import { cliKeyStore, studyPositional, withStudy } from '../studyAccess';

export const allowedOptions = ['dir', 'out', 'key'] as const;

export async function run(options: CliOptions) {
  const file = studyPositional(options, 'study reid-list');
  const dir = options.requiredString('dir');
  const out = options.requiredString('out');
  const keyStore = cliKeyStore(options);
  return withStudy(file, (study) => writeReidList(study.db, () => requireStudyKey(study.db, keyStore, 'A re-identification list'), dir, out), keyStore);
}
