// `rtcw study share SRC.rtcw --out DST.rtcw` — a de-identified copy a collaborator may receive
// (electron/services/identity/studyShare.ts lists what it keeps and drops). SRC is only read.
import { shareStudy } from '../../services/identity/studyShare';
import type { CliOptions } from '../options';
import { studyPositional, withStudy } from '../studyAccess';

export const allowedOptions = ['out'] as const;

export async function run(options: CliOptions) {
  const file = studyPositional(options, 'study share');
  const out = options.requiredString('out');
  return withStudy(file, (study) => shareStudy(study.db, study.path, out));
}
