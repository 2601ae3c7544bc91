// Handlers for shared/api/dicom.ts (owned by the dicom helper). See shared/api/contract.ts.
// The scan indexes into the open study one batch per transaction (the index is a cache of the
// files: a cancelled scan keeps what it indexed and a re-scan adds only what is new); the cohort
// is written only by commitDicomProposals, in one transaction.
// Work proportional to the index runs off the service host's thread, which answers every other
// call meanwhile (issue 15): headers are read in scan workers (../dicom/folderScan.ts), each index
// transaction is kept short (../dicom/dicomIndex.ts FLUSH_BUDGET_MS), and the derivation runs in a
// worker job (../dicom/deriveJob.ts) — at the end of a scan and to list the proposals; a commit
// derives and writes the cohort in one transaction in a worker of its own (../dicom/dicomCommitJob.ts).
import { ApiError } from '../../../shared/api/contract';
import type { dicomMethods } from '../../../shared/api/dicom';
import { runDicomCommitJob } from '../dicom/dicomCommitJob';
import { recordAgesAtFirstRt } from '../dicom/dicomIndex';
import { runDeriveJob } from '../dicom/deriveJob';
import { indexIntoStudy, scanResult, ScanInputError } from '../dicom/dicomScan';
import { ScanCancelled, type ScanProgress } from '../dicom/folderScan';
import type { DeriveOptions } from '../dicom/rtDerivation';
import { getOrCreateStudyKey } from '../identity/studyKey';
import type { HandlerContext, Handlers } from './apiService';

const PHASE_LABEL: Record<ScanProgress['phase'], string> = {
  listing: 'Listing files',
  reading: 'Reading headers',
  indexing: 'Indexing',
  deriving: 'Deriving lesions and courses',
  committing: 'Adding to the cohort',
};

/** The derivation job, its progress mapped into [from, to] of the call's. */
function derive(ctx: HandlerContext, options: DeriveOptions, from: number, to: number) {
  return runDeriveJob(ctx.study, options, {
    signal: ctx.signal,
    progress: (pct, message) => ctx.progress(Math.round(from + ((to - from) * pct) / 100), message),
  });
}

export const dicomHandlers: Handlers<typeof dicomMethods> = {
  async scanDicomFolder(input, ctx) {
    const db = ctx.study.db;
    const dir = await ctx.choosePath({
      purpose: 'importDicomFolder',
      mode: 'open-directory',
      title: 'DICOM folder',
      requested: input.dir,
    });
    // Linking identified files needs the study key (asked for before any file is read). It writes
    // only the first time (the key's check value) — never while an import commits, as the import
    // recorded it before its worker started (cohortHandlers.ts) — so the headers are read meanwhile.
    const key = getOrCreateStudyKey(db, ctx.session.keyStore, 'Scanning DICOM files into this study');
    try {
      const counts = await indexIntoStudy(db, dir, key, {
        signal: ctx.signal,
        lowerWorkerPriority: true,
        // Each index write through the session (studySession.ts write): after an import committing
        // from its worker, without SQLite's busy handler stopping the host's thread.
        write: (change) => ctx.session.write(() => change()),
        onProgress: (p) => {
          // Reading is the long part: 0–95 %; deriving takes the rest.
          const pct = p.phase === 'listing' ? 0 : p.phase === 'reading' ? (p.total ? (95 * p.done) / p.total : 0) : 95;
          ctx.progress(Math.round(pct), `${PHASE_LABEL[p.phase]} ${p.total ? `(${p.done}/${p.total} files)` : ''}`.trim());
        },
      });
      const derivation = await derive(ctx, { imagingWindowDays: input.imagingWindowDays, alphaBetaGy: input.alphaBetaGy }, 95, 99);
      await ctx.session.write((studyDb) => recordAgesAtFirstRt(studyDb, derivation.ages));
      return scanResult(counts, derivation);
    } catch (error) {
      if (error instanceof ScanCancelled) throw new ApiError('CANCELLED', 'DICOM scan cancelled.');
      if (error instanceof ScanInputError) throw new ApiError('INVALID_INPUT', error.message);
      throw error;
    }
  },

  async listDicomProposals(input, ctx) {
    const { patients, lesions } = await derive(ctx, { imagingWindowDays: input.imagingWindowDays, alphaBetaGy: input.alphaBetaGy }, 0, 100);
    return { patients, lesions };
  },

  async commitDicomProposals(input, ctx) {
    // The worker writes through a connection of its own (studySession.ts assertWritable).
    ctx.session.assertWritable();
    // The worker writes the cohort on its own connection: host writes wait for it (studySession.ts).
    await ctx.session.writerJobsSettled();
    const job = runDicomCommitJob(
      ctx.study,
      {
        options: { imagingWindowDays: input.imagingWindowDays, alphaBetaGy: input.alphaBetaGy },
        proposalIds: input.proposalIds,
        includeReviewed: input.includeReviewed,
        edits: input.edits,
      },
      ctx,
    );
    ctx.session.trackWriterJob(job);
    return job;
  },
};
