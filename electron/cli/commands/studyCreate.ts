// `rtcw study create FILE [--demo] [--title T]` — a new empty study file, or the built-in
// (synthetic) demo study.
import path from 'node:path';
import { populateDemoStudy } from '../../services/analysis/demoStudy';
import { getStudySettings, updateStudySettings } from '../../services/db/cohortRecords';
import type { CliOptions } from '../options';
import { createStudyForCli, studyPositional } from '../studyAccess';

export const allowedOptions = ['demo', 'title'] as const;
export const flagOptions = ['demo'] as const;

export function run(options: CliOptions) {
  const file = studyPositional(options, 'study create');
  const demo = options.flag('demo');
  const title = options.string('title') ?? path.basename(file).replace(/\.(rtcw|sqlite)$/i, '');
  const study = createStudyForCli(file, (db) => {
    if (demo) populateDemoStudy(db);
    else updateStudySettings(db, { title }); // audited as the OS user, like every edit
  });
  try {
    const count = (table: string) => (study.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    const settings = getStudySettings(study.db);
    return {
      file: path.basename(study.path),
      schemaVersion: study.schemaVersion,
      title: settings.title,
      synthetic: settings.synthetic,
      counts: { patients: count('patients'), lesions: count('lesions'), courses: count('rt_courses'), events: count('events') },
    };
  } finally {
    study.close();
  }
}
