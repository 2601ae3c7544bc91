// Handlers for shared/api/study.ts.
import fs from 'node:fs';
import path from 'node:path';
import type { studyMethods } from '../../../shared/api/study';
import { ScanCancelled } from '../dicom/folderScan';
import { writeReidList } from '../identity/reidList';
import { exportStudyKey, importStudyKey, requireStudyKey, studyUid } from '../identity/studyKey';
import type { StudyShareJob } from '../identity/studyShareWorker';
import type { SharedCopyResult } from '../../../shared/api/study';
import { startTerminableWorkerJob } from '../host/workerJob';
import { ApiError } from '../../../shared/api/contract';
import type { Handlers } from './apiService';

const STUDY_FILTERS = [{ name: 'RT Cohort Workstation study', extensions: ['rtcw'] }];
const KEY_FILTERS = [{ name: 'RT Cohort Workstation study key', extensions: ['rtcwkey'] }];
const CSV_FILTERS = [{ name: 'CSV', extensions: ['csv'] }];

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
    await ctx.session.prepareToClose(); // the open study's WAL folded in a worker first
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
    return ctx.session.open(chosen, { readOnly: input.readOnly ?? false, onProgress: ctx.progress });
  },

  openDemoStudy: (input, ctx) => ctx.session.openDemo(input.reset ?? false),

  async closeStudy(_input, ctx) {
    await ctx.session.prepareToClose(); // the WAL folded in a worker first: close() has little left
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
    const chosen = await ctx.choosePath({ purpose: 'importStudyKey', mode: 'open-file', title: 'Import study key', requested: input.path, filters: KEY_FILTERS });
    // May record the key's check value (StudySession.write: after an import committing meanwhile).
    return ctx.session.write((db) => importStudyKey(db, ctx.session.keyStore, chosen));
  },

  async shareStudyCopy(input, ctx) {
    const study = ctx.study;
    const out = await ctx.choosePath({
      purpose: 'shareStudyCopy',
      mode: 'save-file',
      title: 'Share a de-identified copy',
      requested: input.out,
      filters: STUDY_FILTERS,
      defaultName: `${path.basename(study.path).replace(/\.rtcw$/i, '')}-shared.rtcw`,
    });
    // Built and written in a worker thread (../identity/studyShareWorker.ts): proportional to the
    // study, so not on the host's thread. The host names the partial file, to remove it on cancel.
    const target = path.resolve(out);
    const existed = fs.existsSync(target);
    const job: StudyShareJob = { studyPath: study.path, outPath: target, partialPath: `${target}.partial-${process.pid}-${Date.now()}` };
    ctx.progress(5, 'Writing the de-identified copy');
    const run = startTerminableWorkerJob<SharedCopyResult>('studyShareWorker', new URL('../identity/studyShareWorker.ts', import.meta.url), job, ctx, 'Shared copy cancelled; no file was written.');
    try {
      return await run.result;
    } catch (error) {
      if (ctx.signal.aborted) {
        // Nothing half-written stays: the partial file, or a copy the worker finished as the cancel came.
        run.stopped
          .then(() => {
            fs.rmSync(job.partialPath, { force: true });
            if (!existed) fs.rmSync(target, { force: true });
          })
          .catch(() => {});
      }
      throw error;
    }
  },

  async writeReidList(input, ctx) {
    const db = ctx.study.db;
    const dir = await ctx.choosePath({ purpose: 'reidListDicomFolder', mode: 'open-directory', title: "The site's DICOM folder", requested: input.dir });
    const out = await ctx.choosePath({ purpose: 'reidList', mode: 'save-file', title: 'Save the re-identification list', requested: input.out, filters: CSV_FILTERS, defaultName: 'reid-list.csv' });
    try {
      return await writeReidList(db, () => requireStudyKey(db, ctx.session.keyStore, 'A re-identification list'), dir, out, {
        signal: ctx.signal,
        onProgress: (p) => ctx.progress(p.total ? Math.round((95 * p.done) / p.total) : 0, `Reading DICOM headers ${p.total ? `(${p.done}/${p.total} files)` : ''}`.trim()),
      });
    } catch (error) {
      if (error instanceof ScanCancelled) throw new ApiError('CANCELLED', 'Re-identification list cancelled.');
      throw error;
    }
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
