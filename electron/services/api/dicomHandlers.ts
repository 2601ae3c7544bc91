// Handlers for shared/api/dicom.ts (owned by the dicom helper). See shared/api/contract.ts.
// The scan indexes into the open study one batch per transaction (the index is a cache of the
// files: a cancelled scan keeps what it indexed and a re-scan adds only what is new); the cohort
// is written only by commitDicomProposals, in one transaction.
import { ApiError } from '../../../shared/api/contract';
import type { dicomMethods } from '../../../shared/api/dicom';
import { commitProposals, deriveFromStudy, markInCohort, studyDeriveOptions } from '../dicom/dicomImport';
import { scanIntoIndex, ScanInputError } from '../dicom/dicomScan';
import { ScanCancelled, type ScanProgress } from '../dicom/folderScan';
import { getOrCreateStudyKey } from '../identity/studyKey';
import type { Handlers } from './apiService';

const PHASE_LABEL: Record<ScanProgress['phase'], string> = {
  listing: 'Listing files',
  reading: 'Reading headers',
  indexing: 'Indexing',
  deriving: 'Deriving lesions and courses',
  committing: 'Adding to the cohort',
};

export const dicomHandlers: Handlers<typeof dicomMethods> = {
  async scanDicomFolder(input, ctx) {
    const db = ctx.study.db;
    const dir = await ctx.choosePath({
      purpose: 'importDicomFolder',
      mode: 'open-directory',
      title: 'DICOM folder',
      requested: input.dir,
    });
    // Linking identified files needs the study key (asked for before any file is read).
    const key = getOrCreateStudyKey(db, ctx.session.keyStore, 'Scanning DICOM files into this study');
    try {
      const scan = await scanIntoIndex(db, dir, key, {
        ...studyDeriveOptions(db, { imagingWindowDays: input.imagingWindowDays, alphaBetaGy: input.alphaBetaGy }),
        signal: ctx.signal,
        onProgress: (p) => {
          // Reading is the long part: 0–95 %; deriving takes the rest.
          const pct = p.phase === 'listing' ? 0 : p.phase === 'reading' ? (p.total ? (95 * p.done) / p.total : 0) : 97;
          ctx.progress(Math.round(pct), `${PHASE_LABEL[p.phase]} ${p.total ? `(${p.done}/${p.total} files)` : ''}`.trim());
        },
      });
      return markInCohort(db, scan);
    } catch (error) {
      if (error instanceof ScanCancelled) throw new ApiError('CANCELLED', 'DICOM scan cancelled.');
      if (error instanceof ScanInputError) throw new ApiError('INVALID_INPUT', error.message);
      throw error;
    }
  },

  listDicomProposals(input, ctx) {
    return deriveFromStudy(ctx.study.db, { imagingWindowDays: input.imagingWindowDays, alphaBetaGy: input.alphaBetaGy });
  },

  commitDicomProposals(input, ctx) {
    const db = ctx.study.db;
    const derivation = deriveFromStudy(db, { imagingWindowDays: input.imagingWindowDays, alphaBetaGy: input.alphaBetaGy });
    // Review-table corrections replace the derived values (the cohort validates them on write).
    const edits = new Map(input.edits.map(({ proposalId, ...changes }) => [proposalId, changes]));
    for (const lesion of derivation.lesions) {
      const changes = edits.get(lesion.proposalId);
      if (changes) Object.assign(lesion, Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)));
    }
    // A correction is a person's review: an edited flagged proposal is committed like an accepted one.
    return commitProposals(db, derivation, { accepted: new Set(input.proposalIds), includeReviewed: input.includeReviewed, edited: new Set(edits.keys()) });
  },
};
