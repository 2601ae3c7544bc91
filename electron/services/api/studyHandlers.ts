// Handlers for shared/api/study.ts.
import type { studyMethods } from '../../../shared/api/study';
import { exportStudyKey, importStudyKey, studyUid } from '../identity/studyKey';
import type { Handlers } from './apiService';

const STUDY_FILTERS = [{ name: 'RT Cohort Workstation study', extensions: ['rtcw'] }];
const KEY_FILTERS = [{ name: 'RT Cohort Workstation study key', extensions: ['rtcwkey'] }];

export const studyHandlers: Handlers<typeof studyMethods> = {
  async createStudy(input, ctx) {
    const chosen = await ctx.choosePath({
      purpose: 'createStudy',
      mode: 'save-file',
      title: 'New study',
      requested: input.path,
      filters: STUDY_FILTERS,
      defaultName: `${fileStem(input.title)}.rtcw`,
    });
    return ctx.session.create(chosen, input.title);
  },

  async openStudy(input, ctx) {
    const chosen = await ctx.choosePath({
      purpose: 'openStudy',
      mode: 'open-file',
      title: 'Open study',
      requested: input.path,
      filters: STUDY_FILTERS,
    });
    return ctx.session.open(chosen, { readOnly: input.readOnly ?? false });
  },

  openDemoStudy: (input, ctx) => ctx.session.openDemo(input.reset ?? false),

  closeStudy(_input, ctx) {
    ctx.session.close();
    return null;
  },

  currentStudy: (_input, ctx) => (ctx.session.isOpen ? ctx.session.info() : null),

  studyCounts: (_input, ctx) => ctx.session.counts(),

  recentStudies: (_input, ctx) => ctx.session.recent.list(),

  forgetRecentStudy: (input, ctx) => ctx.session.recent.remove(input.path),

  async exportStudyKey(input, ctx) {
    const db = ctx.study.db;
    const chosen = await ctx.choosePath({
      purpose: 'exportStudyKey',
      mode: 'save-file',
      title: 'Export study key',
      requested: input.path,
      filters: KEY_FILTERS,
      defaultName: `study-${studyUid(db).slice(0, 8)}.rtcwkey`,
    });
    return exportStudyKey(db, ctx.session.keyStore, chosen);
  },

  async importStudyKey(input, ctx) {
    const db = ctx.study.db;
    const chosen = await ctx.choosePath({ purpose: 'importStudyKey', mode: 'open-file', title: 'Import study key', requested: input.path, filters: KEY_FILTERS });
    return importStudyKey(db, ctx.session.keyStore, chosen);
  },
};

/** A file name from the study title: letters, digits, dash; never empty. */
function fileStem(title: string | undefined): string {
  const stem = (title ?? '')
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .toLowerCase();
  return stem || 'study';
}
