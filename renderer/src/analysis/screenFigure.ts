// The study figure on screen: the same shared/charts builder export uses, at the double-column
// preset, scaled so it fills the available width. Text is measured with the bundled figure font
// (loaded by styles.css from shared/charts/fonts), so the layout matches the exported file.
import type { AnalysisResult } from '../../../shared/api/analysis';
import { analysisForestFigure, analysisSurvivalFigure } from '../../../shared/charts/analysisFigure';
import { FIGURE_FONT_FAMILY, PRESETS, mmToPt, type MeasureText } from '../../../shared/charts/journalStyle';
import type { ChartFigure } from '../../../shared/charts/stepCurveFigure';

let context: CanvasRenderingContext2D | null = null;

export const measureText: MeasureText = (text, size, weight = 'normal') => {
  if (typeof document === 'undefined') return text.length * size * 0.55; // outside a browser (unit tests)
  context ??= document.createElement('canvas').getContext('2d');
  if (!context) return text.length * size * 0.55;
  context.font = `${weight === 'bold' ? 'bold ' : ''}${size}px "${FIGURE_FONT_FAMILY}", Arial, sans-serif`;
  return context.measureText(text).width;
};

/** Resolves once the figure font can be used for measuring and drawing. */
export async function figureFontReady(): Promise<void> {
  try {
    await Promise.all([document.fonts.load(`12px "${FIGURE_FONT_FAMILY}"`), document.fonts.load(`bold 12px "${FIGURE_FONT_FAMILY}"`)]);
  } catch {
    // fall back to the system font: the layout is then approximate, never broken
  }
}

/** Smallest chart text on screen (issue 16): print-size 8 pt shrinks below it on a 1280 px window. */
export const MIN_SCREEN_TEXT_PX = 11;

/** The double-column preset scaled to the width, its text enlarged where scaling alone would be too small. */
function screenLayout(widthPx: number) {
  const scale = Math.max(0.8, widthPx / mmToPt(PRESETS.double.widthMm));
  const preset = { ...PRESETS.double, fontPt: Math.max(PRESETS.double.fontPt, MIN_SCREEN_TEXT_PX / scale) };
  return { preset, scale };
}

export function screenSurvivalFigure(result: AnalysisResult, widthPx: number): ChartFigure {
  const { preset: base, scale } = screenLayout(widthPx);
  const preset = { ...base, pStyle: result.spec.format.pStyle };
  return analysisSurvivalFigure(result, { preset, measureText, scale });
}

/** Forest plot of the multivariable model (or the univariate estimates when there is none). */
export function screenForestFigure(result: AnalysisResult, widthPx: number): ChartFigure | null {
  const model = result.multivariable ? 'multivariable' : 'univariate';
  const { preset: base, scale } = screenLayout(widthPx);
  const preset = { ...base, pStyle: result.spec.format.pStyle };
  return analysisForestFigure(result, { preset, measureText, scale }, model);
}
