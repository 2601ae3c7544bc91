// Journal presets, palettes and number formats shared by every figure and table.
//
// Sizes follow common author guidelines (Lancet, NEJM, JAMA, Elsevier): single column 85 mm, double
// column 174 mm, 7–8 pt text at final size, lines at least 0.5 pt. Colours are the Okabe & Ito (2008)
// colour-blind-safe palette, always paired with distinct line styles so a greyscale print still works.

export type PaletteName = 'okabe-ito' | 'grey';

/**
 * P-value conventions:
 * - ama:    "P = .03", "P = .004", "P < .001" (AMA/JAMA: no leading zero, 2 digits, 3 below .01)
 * - nejm:   "P = 0.03", "P = 0.004", "P < 0.001"
 * - lancet: "p=0·03", "p=0·004", "p<0·0001" (lower-case p, mid-line decimal point)
 * - exact:  "P = 0.031" (3 significant decimals), "P < 0.001"
 */
export type PStyle = 'ama' | 'nejm' | 'lancet' | 'exact';

/** The one default p-value style (screen, figures, every export, the CLI): NEJM/JCO "P = 0.02". */
export const DEFAULT_P_STYLE: PStyle = 'nejm';

export interface JournalPreset {
  widthMm: number;
  /** Total figure height; when omitted each figure chooses a height from its content. */
  heightMm?: number;
  /** Text size at final print size, 7–8 pt. */
  fontPt: number;
  /** Curve and axis line width, ≥ 0.5 pt. */
  lineWidthPt: number;
  palette: PaletteName;
  pStyle: PStyle;
}

export const PRESETS = {
  single: { widthMm: 85, fontPt: 7, lineWidthPt: 0.75, palette: 'okabe-ito', pStyle: DEFAULT_P_STYLE },
  double: { widthMm: 174, fontPt: 8, lineWidthPt: 0.75, palette: 'okabe-ito', pStyle: DEFAULT_P_STYLE },
} as const satisfies Record<string, JournalPreset>;

export type PresetName = keyof typeof PRESETS;

export const MM_PER_INCH = 25.4;
export const PT_PER_INCH = 72;
export const mmToPt = (mm: number): number => (mm / MM_PER_INCH) * PT_PER_INCH;
export const ptToMm = (pt: number): number => (pt / PT_PER_INCH) * MM_PER_INCH;

/** Pixel width of a raster export: mm / 25.4 × dpi (single column at 600 dpi = 2008 px). */
export const pixelsForMm = (mm: number, dpi: number): number => Math.round((mm / MM_PER_INCH) * dpi);

/** The bundled font (shared/charts/fonts, Liberation Sans, metric-compatible with Arial). */
export const FIGURE_FONT_FAMILY = 'Liberation Sans';
export const FIGURE_FONT_STACK = "'Liberation Sans', Arial, Helvetica, sans-serif";

/**
 * Width of `text` set in the figure font at `sizePt`, in the same unit as sizePt. Supplied by the
 * caller (font-file metrics in Node, canvas in the browser) so shared/ stays free of I/O.
 */
export type MeasureText = (text: string, size: number, weight?: 'normal' | 'bold') => number;

// Okabe–Ito order chosen for curves: blue, vermillion, bluish green, reddish purple, orange, sky blue,
// black (yellow is left out: too light for thin lines on white).
const OKABE_ITO = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'];
const GREYS = ['#000000', '#505050', '#7A7A7A', '#2E2E2E', '#969696', '#636363', '#1A1A1A'];

export function paletteColors(palette: PaletteName): string[] {
  return palette === 'grey' ? GREYS : OKABE_ITO;
}

/** Dash patterns in units of the line width: solid, dashed, dotted, dash-dot, long dash, … */
const DASHES: Array<number[] | null> = [null, [4, 2], [1, 1.6], [4, 1.6, 1, 1.6], [7, 2.4], [2, 2]];

/** Dash array for curve `index`, scaled to the line width (null = solid). */
export function dashPattern(index: number, lineWidth: number): number[] | null {
  const d = DASHES[index % DASHES.length];
  return d ? d.map((v) => v * lineWidth) : null;
}

const decimalMark = (style: PStyle): string => (style === 'lancet' ? '\u00B7' : '.');

/** Fixed-decimal number with the style's decimal mark; −0 printed as 0. */
export function formatNumber(value: number, decimals: number, style: PStyle = 'ama'): string {
  const s = (Object.is(value, -0) ? 0 : value).toFixed(decimals);
  return (s === `-${(0).toFixed(decimals)}` ? s.slice(1) : s).replace('.', decimalMark(style));
}

/**
 * A p-value in the journal's style. Rounding never turns a p just below .05 into "= .05" (AMA rule:
 * give one more digit instead).
 */
export function formatP(p: number | null | undefined, style: PStyle = DEFAULT_P_STYLE): string {
  const letter = style === 'lancet' ? 'p' : 'P';
  const eq = style === 'lancet' ? '=' : ' = ';
  const lt = style === 'lancet' ? '<' : ' < ';
  const gt = style === 'lancet' ? '>' : ' > ';
  if (p === null || p === undefined || !Number.isFinite(p)) return `${letter}${eq}NA`;
  const value = formatPValue(p, style);
  if (value.startsWith('<')) return `${letter}${lt}${value.slice(1)}`;
  if (value.startsWith('>')) return `${letter}${gt}${value.slice(1)}`;
  return `${letter}${eq}${value}`;
}

/** The p-value alone ("<.001", ".03", "0·004"), for table cells. */
export function formatPValue(p: number, style: PStyle = DEFAULT_P_STYLE): string {
  const floor = style === 'lancet' ? 0.0001 : 0.001;
  const dropZero = style === 'ama';
  const strip = (s: string) => (dropZero ? s.replace(/^0(?=[.])/, '') : s);
  if (p < floor) return `<${strip(formatNumber(floor, style === 'lancet' ? 4 : 3, style === 'lancet' ? 'lancet' : 'ama'))}`;
  if (p > 0.99 && style !== 'exact') return `>${strip(formatNumber(0.99, 2, style))}`;
  let digits: number;
  if (style === 'exact') digits = 3;
  else if (p < 0.01) digits = style === 'lancet' && p < 0.001 ? 4 : 3;
  else digits = 2;
  let text = p.toFixed(digits);
  // Never print a P just below .05 as ".05" (AMA): add digits until it reads below .05.
  while (p < 0.05 && Number(text) >= 0.05 && digits < 4) text = p.toFixed(++digits);
  return strip(text.replace('.', decimalMark(style)));
}

export type CiStyle = 'dash' | 'comma';

/** "0.47–0.99" (en dash) or "0.47, 0.99". */
/**
 * An estimate or CI limit: a positive value that would round to zero (an HR of 0.004 printed as
 * "0.00" reads as no hazard at all) gets the decimals of its first significant digit instead.
 */
function formatEstimate(value: number, decimals: number, style: PStyle): string {
  const tiny = value > 0 && value < 0.5 * 10 ** -decimals;
  return formatNumber(value, tiny ? Math.min(20, Math.max(decimals, -Math.floor(Math.log10(value)))) : decimals, style);
}

export function formatInterval(lower: number, upper: number, decimals: number, ci: CiStyle = 'dash', style: PStyle = 'ama'): string {
  const lo = formatEstimate(lower, decimals, style);
  const up = formatEstimate(upper, decimals, style);
  return ci === 'dash' ? `${lo}\u2013${up}` : `${lo}, ${up}`;
}

/** "0.62 (0.41–0.93)". */
export function formatEstimateWithCi(
  estimate: number | null,
  lower: number | null,
  upper: number | null,
  decimals = 2,
  ci: CiStyle = 'dash',
  style: PStyle = 'ama',
): string {
  if (estimate === null || !Number.isFinite(estimate)) return 'NA';
  const base = formatEstimate(estimate, decimals, style);
  if (lower === null || upper === null || !Number.isFinite(lower) || !Number.isFinite(upper)) return base;
  return `${base} (${formatInterval(lower, upper, decimals, ci, style)})`;
}
