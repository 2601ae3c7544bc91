// The bundled figure font (shared/charts/fonts: Liberation Sans 2.1.5, SIL OFL, metric-compatible with
// Arial) and text measurement from its real advance widths and kerning (fontkit), used for layout in
// shared/charts and by ECharts' server-side renderer, so every renderer lays out identical text.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as echarts from 'echarts';
import * as fontkit from 'fontkit';
import type { MeasureText } from '../../../shared/charts/journalStyle';

interface FontkitFont {
  unitsPerEm: number;
  ascent: number;
  descent: number;
  layout(text: string): { advanceWidth: number };
}

/** shared/charts/fonts, found from this file (source tree) or from the working directory (packaged CLI). */
export function fontDirectory(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [resolve(here, '../../../shared/charts/fonts'), resolve(process.cwd(), 'shared/charts/fonts')];
  const found = candidates.find((dir) => existsSync(join(dir, 'LiberationSans-Regular.ttf')));
  if (!found) throw new Error('bundled font shared/charts/fonts/LiberationSans-Regular.ttf not found');
  return found;
}

export const fontFiles = {
  regular: (): string => join(fontDirectory(), 'LiberationSans-Regular.ttf'),
  bold: (): string => join(fontDirectory(), 'LiberationSans-Bold.ttf'),
};

let loaded: { regular: FontkitFont; bold: FontkitFont } | null = null;

function fonts(): { regular: FontkitFont; bold: FontkitFont } {
  if (!loaded) {
    const open = (path: string): FontkitFont => fontkit.create(readFileSync(path));
    loaded = { regular: open(fontFiles.regular()), bold: open(fontFiles.bold()) };
  }
  return loaded;
}

const widthCache = new Map<string, number>();

/** Advance width of `text` at `size` (same unit as size), with the font's kerning. */
export const measureFigureText: MeasureText = (text, size, weight = 'normal') => {
  const key = `${weight}\u0000${text}`;
  let em = widthCache.get(key);
  if (em === undefined) {
    const font = weight === 'bold' ? fonts().bold : fonts().regular;
    em = font.layout(text).advanceWidth / font.unitsPerEm;
    widthCache.set(key, em);
  }
  return em * size;
};

/** Parses a CSS font shorthand as zrender writes it ("bold 70px 'Liberation Sans', …"). */
function parseCssFont(font: string | undefined): { size: number; bold: boolean } {
  const m = /(\d+(?:\.\d+)?)px/.exec(font ?? '');
  return { size: m ? Number(m[1]) : 12, bold: /\b(bold|[6-9]00)\b/.test(font ?? '') };
}

let platformSet = false;

/** Makes ECharts (zrender) measure text with the bundled font instead of its built-in estimate. */
export function useFigureFontForEcharts(): void {
  if (platformSet) return;
  echarts.setPlatformAPI({
    measureText(text: string, font?: string) {
      const { size, bold } = parseCssFont(font);
      return { width: measureFigureText(text, size, bold ? 'bold' : 'normal') };
    },
  });
  platformSet = true;
}

/**
 * Distance (in em) from the alphabetic baseline up to the 'central' baseline, halfway between the
 * font's ascent and descent — where resvg and browsers put dominant-baseline="central" text.
 */
export function centralBaselineEm(): number {
  const f = fonts().regular;
  return (f.ascent + f.descent) / 2 / f.unitsPerEm;
}
