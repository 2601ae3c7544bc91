// Export methods (owned by the export helper). See contract.ts for how to add one.
// The renderer names only a format and options; where the file goes is decided on the service side
// (a native save dialog in the desktop app; the typed path / downloads folder in web/harness mode).
import { z } from 'zod';
import { defineMethod, returns, type MethodRecord } from './contract';
import { analysisSpecSchema } from './analysis';

const journalOptions = {
  preset: z.enum(['single', 'double', 'custom']).default('single'),
  /** Custom size (preset 'custom'): width 30–500 mm; height optional (chosen from content). */
  widthMm: z.number().min(30).max(500).optional(),
  heightMm: z.number().min(30).max(500).optional(),
  fontPt: z.number().min(5).max(12).optional(),
  palette: z.enum(['okabe-ito', 'grey']).default('okabe-ito'),
  /** P-value style; default: the analysis's own (spec.format.pStyle), as on screen. */
  pStyle: z.enum(['ama', 'nejm', 'lancet', 'exact']).optional(),
};

export const exportFigureInput = z.object({
  spec: analysisSpecSchema,
  /** survival: KM or cumulative incidence of the spec's endpoint; forest: Cox HRs. */
  figure: z.enum(['survival', 'forest']).default('survival'),
  /** forest only: the multivariable model (falls back to univariable estimates when there is none). */
  model: z.enum(['multivariable', 'univariate']).default('multivariable'),
  format: z.enum(['svg', 'pdf', 'png', 'tiff']),
  dpi: z.union([z.literal(300), z.literal(600), z.literal(1200)]).default(600),
  ...journalOptions,
  /** Overrides of the spec's chart options. */
  ci: z.boolean().optional(),
  riskTable: z.enum(['none', 'basic', 'kmunicate']).optional(),
  xMax: z.number().positive().max(600).optional(),
  xStep: z.number().positive().max(120).optional(),
  annotation: z.enum(['auto', 'top-right', 'top-left', 'bottom-right', 'bottom-left', 'below', 'none']).optional(),
  medianLine: z.boolean().optional(),
  /** Web/harness mode: the file name or path typed by the user; ignored by the desktop dialog unless granted. */
  path: z.string().max(1000).optional(),
});

export const exportTableInput = z.object({
  spec: analysisSpecSchema,
  table: z.enum(['table1', 'cox', 'firstFailure', 'toxicity']),
  format: z.enum(['docx', 'csv', 'html', 'latex', 'xlsx']),
  ci: z.enum(['dash', 'comma']).default('dash'),
  /** Default: the analysis's own (spec.format), as on screen. */
  decimals: z.number().int().min(0).max(4).optional(),
  pStyle: z.enum(['ama', 'nejm', 'lancet', 'exact']).optional(),
  showCoefficients: z.boolean().optional(),
  path: z.string().max(1000).optional(),
});

export interface ExportedFile {
  /** Where the file was written. */
  path: string;
  format: string;
  bytes: number;
  widthMm?: number;
  heightMm?: number;
  widthPx?: number;
  heightPx?: number;
  dpi?: number;
  analysisSpecHash: string;
  datasetFingerprint: string;
}

export interface MethodsText {
  text: string;
  analysisSpecHash: string;
}

export const exportMethods = {
  /** Renders a study figure and writes it where the user chooses (long: runs the analysis). */
  exportFigure: defineMethod({ input: exportFigureInput, result: returns<ExportedFile>(), long: true }),
  /** Writes a publication table (Table 1, Cox, first failure, toxicity) in the chosen format. */
  exportTable: defineMethod({ input: exportTableInput, result: returns<ExportedFile>(), long: true }),
  /** The statistical-methods paragraph describing exactly what the analysis computes. */
  getMethodsText: defineMethod({
    input: z.object({ spec: analysisSpecSchema, pStyle: z.enum(['ama', 'nejm', 'lancet', 'exact']).optional() }),
    result: returns<MethodsText>(),
  }),
} satisfies MethodRecord;
