// Handlers for shared/api/analysis.ts: run a specification on the open study, keep named ones.
import type { analysisMethods } from '../../../shared/api/analysis';
import { runAnalysisJob } from '../analysis/analysisJob';
import { deleteSavedAnalysis, getSavedAnalysis, listSavedAnalyses, recordAnalysisRun, saveAnalysis } from '../db/savedAnalyses';
import type { Handlers } from './apiService';

export const analysisHandlers: Handlers<typeof analysisMethods> = {
  runAnalysis: async (input, ctx) => {
    // In a worker of the service host (../analysis/analysisJob.ts): other calls are answered meanwhile.
    const result = await runAnalysisJob(ctx.study.path, input.spec, ctx);
    const savedId = input.savedId;
    if (savedId !== undefined) {
      await ctx.session.write((db) => {
        getSavedAnalysis(db, savedId);
        recordAnalysisRun(db, savedId, result.specHash, result.datasetFingerprint);
      });
    }
    return result;
  },
  listSavedAnalyses: (_input, ctx) => listSavedAnalyses(ctx.study.db),
  // Writes through StudySession.write: queued behind an import committing in its worker.
  saveAnalysis: (input, ctx) => ctx.session.write((db) => saveAnalysis(db, input.name, input.spec)),
  deleteSavedAnalysis: (input, ctx) =>
    ctx.session.write((db) => {
      deleteSavedAnalysis(db, input.id);
      return listSavedAnalyses(db);
    }),
};
