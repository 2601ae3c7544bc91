// `rtcw study key import FILE.rtcw --from KEYFILE` (issue 11): stores a key exported for this study
// (same study uid, matching key check value) in this workstation's key store — the 0600 key files
// of the user-data folder ($RTCW_USER_DATA/study-keys), or the file named by --key. Prints
// { studyUid, alreadyPresent }.
import { importStudyKey } from '../../services/identity/studyKey';
import type { CliOptions } from '../options';
import { cliKeyStore, studyPositional, withStudy } from '../studyAccess';

export const allowedOptions = ['from', 'key'] as const;

export async function run(options: CliOptions) {
  const file = studyPositional(options, 'study key import');
  const from = options.requiredString('from');
  const keyStore = cliKeyStore(options);
  return withStudy(file, (study) => importStudyKey(study.db, keyStore, from), keyStore);
}
