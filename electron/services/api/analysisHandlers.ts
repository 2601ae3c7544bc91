// Handlers for shared/api/analysis.ts: run a specification on the open study, keep named ones.
import type { analysisMethods } from '../../../shared/api/analysis';
import { runAnalysisJob } from '../analysis/analysisJob';
import { deleteSavedAnalysis, getSavedAnalysis, listSavedAnalyses, recordAnalysisRun, saveAnalysis } from '../db/savedAnalyses';
import type { Handlers } from './apiService';

export const analysisHandlers: Handlers<typeof analysisMethods> = {
  runAnalysis: async (input, ctx) => {
    const db = ctx.study.db;
    // In a worker of the service host (../analysis/analysisJob.ts): other calls are answered meanwhile.
    const result = await runAnalysisJob(ctx.study.path, input.spec, ctx);
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
