// Forest plot of Cox hazard ratios: one row per term (factors as a heading with their levels and the
// reference level), squares with 95% CI whiskers on a log axis with a dashed line at HR = 1, and the
// HR (95% CI) and P columns printed beside the plot, all rows sharing one category scale.
import type { EChartsOption } from 'echarts';
import type { CoxTermRow } from '../stats/coxModel';
import { FIGURE_FONT_STACK, formatEstimateWithCi, formatPValue, mmToPt, type CiStyle } from './journalStyle';
import type { ChartFigure, FigureContext } from './stepCurveFigure';

export interface ForestRow {
  label: string;
  /** A factor's name: bold, no estimate. */
  heading?: boolean;
  indent?: boolean;
  /** The reference level of a factor: "Reference" in the estimate column. */
  reference?: boolean;
  hr?: number | null;
  lower?: number | null;
  upper?: number | null;
  p?: number | null;
}

export interface ForestPlotInput {
  rows: ForestRow[];
  /** x-axis name (default "Hazard ratio"). */
  xLabel?: string;
  labelHeader?: string;
  estimateHeader?: string;
  ci?: CiStyle;
  decimals?: number;
}

export interface FactorInfo {
  /** Column name as in the model (`B` of terms `B=level`). */
  name: string;
  /** Reference level. */
  reference: string;
}

/**
 * Rows from Cox terms: a factor's terms `B=level` become a heading `B`, its reference level and one
 * indented row per level; numeric covariates one row each. `labels` renames columns/levels for print.
 */
export function forestRowsFromCox(
  terms: ReadonlyArray<Pick<CoxTermRow, 'term' | 'hr' | 'lower' | 'upper' | 'p'>>,
  factors: readonly FactorInfo[] = [],
  labels: Record<string, string> = {},
): ForestRow[] {
  const rows: ForestRow[] = [];
  const seen = new Set<string>();
  for (const t of terms) {
    const eq = t.term.indexOf('=');
    const factor = eq > 0 ? t.term.slice(0, eq) : null;
    if (factor !== null) {
      if (!seen.has(factor)) {
        seen.add(factor);
        rows.push({ label: labels[factor] ?? factor, heading: true });
        const ref = factors.find((f) => f.name === factor)?.reference;
        if (ref !== undefined) rows.push({ label: labels[`${factor}=${ref}`] ?? ref, indent: true, reference: true });
      }
      rows.push({ label: labels[t.term] ?? t.term.slice(eq + 1), indent: true, hr: t.hr, lower: t.lower, upper: t.upper, p: t.p });
    } else {
      rows.push({ label: labels[t.term] ?? t.term, hr: t.hr, lower: t.lower, upper: t.upper, p: t.p });
    }
  }
  return rows;
}

/** Greedy word wrap to `maxWidth` (a single word longer than that stays on its own line). */
export function wrapText(text: string, maxWidth: number, measure: (t: string) => number): string[] {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    const candidate = line ? `${line} ${w}` : w;
    if (line && measure(candidate) > maxWidth) {
      lines.push(line);
      line = w;
    } else line = candidate;
  }
  if (line || lines.length === 0) lines.push(line);
  return lines;
}

const finite = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;

export function forestPlot(input: ForestPlotInput, ctx: FigureContext): ChartFigure {
  const { preset, measureText } = ctx;
  const s = ctx.scale ?? 1;
  const f = preset.fontPt;
  const lw = Math.max(0.5, preset.lineWidthPt);
  const axisWidth = Math.max(0.5, lw * 0.8);
  const measure = (t: string, bold = false) => measureText(t, f, bold ? 'bold' : 'normal');
  const pad = f * 0.5;
  const gap = f * 1.0;
  const tickLen = f * 0.4;
  const indentW = f * 0.8;
  const lineH = f * 1.2;
  const decimals = input.decimals ?? 2;
  const rows = input.rows;
  const pStyle = preset.pStyle;

  const estimateText = rows.map((r) =>
    r.heading ? '' : r.reference ? 'Reference' : finite(r.hr) ? formatEstimateWithCi(r.hr, r.lower ?? null, r.upper ?? null, decimals, input.ci ?? 'dash', pStyle) : 'NA',
  );
  const pText = rows.map((r) => (r.heading || r.reference || r.p === null || r.p === undefined ? '' : formatPValue(r.p, pStyle)));
  const labelHeader = input.labelHeader ?? 'Variable';
  const estimateHeader = input.estimateHeader ?? 'HR (95% CI)';
  const pHeader = pStyle === 'lancet' ? 'p value' : 'P value';

  const width = mmToPt(preset.widthMm);
  const estW = Math.max(measure(estimateHeader, true), ...estimateText.map((t) => measure(t)));
  const pW = Math.max(measure(pHeader, true), ...pText.map((t) => measure(t)));
  // The plot keeps at least a quarter of the width; labels longer than the rest wrap.
  const labelMax = Math.max(0.22 * width, width - 2 * pad - 3 * gap - estW - pW - 0.25 * width);
  const labelLines = rows.map((r) => wrapText(r.label, labelMax - (r.indent ? indentW : 0), (t) => measure(t, !!r.heading)));
  const labelW = Math.max(
    measure(labelHeader, true),
    ...rows.map((r, i) => Math.max(...labelLines[i].map((l) => measure(l, !!r.heading))) + (r.indent ? indentW : 0)),
  );
  const gridLeft = pad + labelW + gap;
  const gridRight = gap + estW + gap + pW + pad;
  const plotW = width - gridLeft - gridRight;

  // Rows as tall as their wrapped label; centres in points from the top of the plot.
  const rowH = labelLines.map((l) => Math.max(f * 1.6, l.length * lineH + f * 0.45));
  const centres: number[] = [];
  let acc = 0;
  for (const h of rowH) {
    centres.push(acc + h / 2);
    acc += h;
  }

  // Log axis spanning every CI, in powers of 2 (powers of 10 when the span is very wide), with 1 inside.
  const values = rows.flatMap((r) => [r.hr, r.lower, r.upper]).filter(finite);
  const lo = Math.min(1, ...values);
  const hi = Math.max(1, ...values);
  const wide = Math.log2(hi / lo) > 8;
  const base = wide ? 10 : 2;
  const logB = (v: number) => Math.log(v) / Math.log(base);
  const expLo0 = Math.min(Math.max(Math.floor(logB(lo) + 1e-9), wide ? -3 : -6), -1);
  const expHi0 = Math.max(Math.min(Math.ceil(logB(hi) - 1e-9), wide ? 3 : 6), 1);
  const tickLabel = (e: number) => String(Number((base ** e).toPrecision(3)));
  // Ticks every k powers, aligned so HR = 1 (exponent 0) is always labelled; adjacent labels,
  // centred on their ticks, need half of each width plus a gap.
  const range = (every: number) => [Math.floor(expLo0 / every) * every, Math.ceil(expHi0 / every) * every];
  const labelsFit = (every: number) => {
    const [a, b] = range(every);
    const step = (plotW * every) / (b - a);
    for (let e = a; e + every <= b; e += every) {
      if ((measure(tickLabel(e)) + measure(tickLabel(e + every))) / 2 + f * 0.6 > step) return false;
    }
    return true;
  };
  let every = 1;
  while (!labelsFit(every) && every < expHi0 - expLo0) every++;
  const [expLo, expHi] = range(every);
  const toAxis = (v: number) => Math.min(expHi, Math.max(expLo, logB(v)));

  const headerH = f * 1.8;
  const topH = pad + headerH;
  const axisBlock = tickLen + f * 0.35 + f + f * 0.6 + f;
  const height0 = preset.heightMm ? mmToPt(preset.heightMm) : NaN;
  const plotH = Number.isFinite(height0) ? height0 - topH - axisBlock - pad : acc;
  const stretch = plotH / acc; // a fixed height spreads the rows evenly
  const height = Number.isFinite(height0) ? height0 : topH + plotH + axisBlock + pad;

  const textStyle = { fontFamily: FIGURE_FONT_STACK, fontSize: f * s, fill: '#000000' };
  const text = (str: string, x: number, y: number, bold = false) => ({
    type: 'text',
    silent: true,
    x: x * s,
    y: y * s,
    style: { ...textStyle, text: str, fontWeight: bold ? 'bold' : 'normal', lineHeight: lineH * s, verticalAlign: 'middle', align: 'left' },
  });
  const estX = gridLeft + plotW + gap;
  const pX = estX + estW + gap;
  const graphic: unknown[] = [text(labelHeader, pad, pad + headerH / 2, true), text(estimateHeader, estX, pad + headerH / 2, true), text(pHeader, pX, pad + headerH / 2, true)];
  rows.forEach((r, i) => {
    const y = topH + centres[i] * stretch;
    graphic.push(text(labelLines[i].join('\n'), pad + (r.indent ? indentW : 0), y, !!r.heading));
    if (estimateText[i]) graphic.push(text(estimateText[i], estX, y));
    if (pText[i]) graphic.push(text(pText[i], pX, y));
  });

  const points = rows.map((r, i) => ({ i, r })).filter(({ r }) => !r.heading && !r.reference && finite(r.hr));
  const option: EChartsOption = {
    animation: false,
    backgroundColor: '#ffffff',
    textStyle: { fontFamily: FIGURE_FONT_STACK, fontSize: f * s, color: '#000000' },
    tooltip: { show: false },
    grid: [{ left: gridLeft * s, top: topH * s, width: plotW * s, height: plotH * s, containLabel: false }],
    xAxis: [
      {
        type: 'value',
        min: expLo,
        max: expHi,
        interval: every,
        gridIndex: 0,
        axisLine: { show: true, onZero: false, lineStyle: { color: '#000000', width: axisWidth * s } },
        axisTick: { show: true, length: tickLen * s, lineStyle: { color: '#000000', width: axisWidth * s } },
        splitLine: { show: false },
        axisLabel: { fontFamily: FIGURE_FONT_STACK, fontSize: f * s, color: '#000000', margin: (tickLen + f * 0.35) * s, formatter: (v: number) => tickLabel(v) },
        name: input.xLabel ?? 'Hazard ratio',
        nameLocation: 'middle',
        nameGap: (tickLen + f * 0.35 + f + f * 0.6) * s,
        nameTextStyle: { fontFamily: FIGURE_FONT_STACK, fontSize: f * s, color: '#000000', verticalAlign: 'top' },
      },
    ],
    // Row centres in points from the top of the plot.
    yAxis: [{ type: 'value', gridIndex: 0, min: 0, max: acc, inverse: true, show: false }],
    series: [
      {
        type: 'custom',
        xAxisIndex: 0,
        yAxisIndex: 0,
        silent: true,
        clip: false,
        data: points.map(({ i, r }) => [toAxis(r.hr as number), centres[i]]),
        renderItem: (params: { dataIndex: number }, api: { coord(p: [number, number]): number[] }) => {
          const { i, r } = points[params.dataIndex];
          const [cx, cy] = api.coord([toAxis(r.hr as number), centres[i]]);
          const children: unknown[] = [];
          if (finite(r.lower) && finite(r.upper)) {
            const [x1] = api.coord([toAxis(r.lower), centres[i]]);
            const [x2] = api.coord([toAxis(r.upper), centres[i]]);
            children.push({ type: 'line', shape: { x1, y1: cy, x2, y2: cy }, style: { stroke: '#000000', lineWidth: lw * s } });
          }
          const half = f * 0.3 * s;
          children.push({ type: 'rect', shape: { x: cx - half, y: cy - half, width: 2 * half, height: 2 * half }, style: { fill: '#000000' } });
          return { type: 'group', children };
        },
        markLine: {
          silent: true,
          symbol: ['none', 'none'],
          label: { show: false },
          lineStyle: { color: '#000000', width: axisWidth * s, type: [3 * axisWidth * s, 2 * axisWidth * s] },
          data: [{ xAxis: 0 }],
          animation: false,
        },
      } as never,
    ],
    graphic: graphic as never,
  };
  return { option, width: width * s, height: height * s, widthMm: preset.widthMm, heightMm: (height / 72) * 25.4, riskTable: null };
}
