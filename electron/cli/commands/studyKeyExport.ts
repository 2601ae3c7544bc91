// `rtcw study key export FILE.rtcw --out KEYFILE [--key FILE]` (issue 11): writes the study's key
// (kept outside the study, electron/services/identity/studyKey.ts) to KEYFILE, mode 0600, to move
// the study to another workstation of the site. Prints { studyUid, file }.
import { exportStudyKey } from '../../services/identity/studyKey';
import type { CliOptions } from '../options';
import { cliKeyStore, studyPositional, withStudy } from '../studyAccess';

export const allowedOptions = ['out', 'key'] as const;

export async function run(options: CliOptions) {
  const file = studyPositional(options, 'study key export');
  const out = options.requiredString('out');
  const keyStore = cliKeyStore(options);
  return withStudy(file, (study) => exportStudyKey(study.db, keyStore, out), keyStore);
}
