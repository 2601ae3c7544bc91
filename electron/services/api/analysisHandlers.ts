// Handlers for shared/api/analysis.ts: run a specification on the open study, keep named ones.
import type { analysisMethods } from '../../../shared/api/analysis';
import { runStudyAnalysisInStages } from '../analysis/studyAnalysis';
import { deleteSavedAnalysis, getSavedAnalysis, listSavedAnalyses, recordAnalysisRun, saveAnalysis } from '../db/savedAnalyses';
import type { Handlers } from './apiService';

export const analysisHandlers: Handlers<typeof analysisMethods> = {
  runAnalysis: async (input, ctx) => {
    const db = ctx.study.db;
    const result = await runStudyAnalysisInStages(db, input.spec, { progress: ctx.progress, throwIfCancelled: ctx.throwIfCancelled });
    if (input.savedId !== undefined) {
      getSavedAnalysis(db, input.savedId);
      recordAnalysisRun(db, input.savedId, result.specHash, result.datasetFingerprint);
    }
    return result;
  },
  listSavedAnalyses: (_input, ctx) => listSavedAnalyses(ctx.study.db),
  saveAnalysis: (input, ctx) => saveAnalysis(ctx.study.db, input.name, input.spec),
  deleteSavedAnalysis: (input, ctx) => {
    deleteSavedAnalysis(ctx.study.db, input.id);
    return listSavedAnalyses(ctx.study.db);
  },
};
