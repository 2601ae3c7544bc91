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
  /** Estimated with Firth's penalised likelihood (marked †, as in the table). */
  firth?: boolean;
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
    r.heading
      ? ''
      : r.reference
        ? '1 [Reference]'
        : finite(r.hr)
          ? formatEstimateWithCi(r.hr, r.lower ?? null, r.upper ?? null, decimals, input.ci ?? 'dash', pStyle) + (r.firth ? '\u2020' : '')
          : 'Not estimable',
  );
  const pText = rows.map((r) => (r.heading || r.reference || r.p === null || r.p === undefined ? '' : formatPValue(r.p, pStyle)));
  const labelHeader = input.labelHeader ?? 'Variable';
  const estimateHeader = input.estimateHeader ?? 'HR (95% CI)';
  const pHeader = pStyle === 'lancet' ? 'p value' : 'P value';

  const width = mmToPt(preset.widthMm);
  const estW = Math.max(measure(estimateHeader, true), ...estimateText.map((t) => measure(t)));
  const pW = Math.max(measure(pHeader, true), ...pText.map((t) => measure(t)));
  // Labels get what the estimate columns and a plot of at least 30% of the width leave (never less
  // than a quarter of the width); only longer labels wrap, onto two lines at most in practice.
  const labelMax = Math.max(0.25 * width, width - 2 * pad - 3 * gap - estW - pW - 0.3 * width);
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

  // Log axis on the 1–2–5 sequence (…, 0.1, 0.2, 0.5, 1, 2, 5, 10, …) spanning the estimates and CIs,
  // with 1 inside; limits beyond 0.01–100 (a diverging or near-monotone fit) are cut and arrowed.
  const values = rows.flatMap((r) => [r.hr, r.lower, r.upper]).filter(finite);
  const FLOOR = 0.01;
  const CEIL = 100;
  const lo = Math.max(FLOOR, Math.min(1, ...values));
  const hi = Math.min(CEIL, Math.max(1, ...values));
  const ladder: number[] = [];
  for (let e = -2; e <= 2; e++) for (const m of [1, 2, 5]) ladder.push(Number((m * 10 ** e).toPrecision(3)));
  const axisLo = [...ladder].reverse().find((v) => v <= lo * (1 + 1e-9)) ?? FLOOR;
  const axisHi = ladder.find((v) => v >= hi * (1 - 1e-9)) ?? CEIL;
  let ticks = ladder.filter((v) => v >= axisLo && v <= axisHi);
  const expLo = Math.log10(axisLo);
  const expHi = Math.log10(axisHi);
  const tickLabel = (v: number) => String(Number(v.toPrecision(3)));
  const xOf = (v: number) => ((Math.log10(v) - expLo) / (expHi - expLo)) * plotW;
  // Labels, centred on their ticks, must not touch: drop the 2s, then the 5s (decades only), then
  // every other decade; the axis still spans the data.
  const fits = (list: number[]) => list.every((v, i) => i === 0 || xOf(v) - xOf(list[i - 1]) >= (measure(tickLabel(v)) + measure(tickLabel(list[i - 1]))) / 2 + f * 0.6);
  const mantissa = (v: number) => Math.round(v / 10 ** Math.floor(Math.log10(v) + 1e-9));
  const candidates = [
    ticks,
    ticks.filter((v) => mantissa(v) !== 2),
    ticks.filter((v) => mantissa(v) === 1),
    ticks.filter((v) => mantissa(v) === 1 && Math.round(Math.log10(v)) % 2 === 0),
  ];
  ticks = candidates.find((list) => list.length >= 2 && fits(list)) ?? candidates[candidates.length - 1];
  const toAxis = (v: number) => Math.min(expHi, Math.max(expLo, Math.log10(v)));
  const clipped = (v: number | null | undefined, side: 'lo' | 'hi') => finite(v) && (side === 'lo' ? v < axisLo * (1 - 1e-9) : v > axisHi * (1 + 1e-9));

  const headerH = f * 1.8;
  const topH = pad + headerH;
  const axisBlock = tickLen + f * 0.35 + f + f * 0.6 + f;
  const height0 = preset.heightMm ? mmToPt(preset.heightMm) : NaN;
  const firthNote = rows.some((r) => r.firth && !r.heading && !r.reference);
  const noteH = firthNote ? lineH * 1.2 : 0;
  const plotH = Number.isFinite(height0) ? height0 - topH - axisBlock - noteH - pad : acc;
  const stretch = plotH / acc; // a fixed height spreads the rows evenly
  const height = Number.isFinite(height0) ? height0 : topH + plotH + axisBlock + noteH + pad;

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

  for (const v of ticks) {
    const x = gridLeft + xOf(v);
    const y0 = topH + plotH;
    graphic.push({ type: 'line', silent: true, shape: { x1: x * s, y1: y0 * s, x2: x * s, y2: (y0 + tickLen) * s }, style: { stroke: '#000000', lineWidth: axisWidth * s } });
    graphic.push({
      type: 'text',
      silent: true,
      x: x * s,
      y: (y0 + tickLen + f * 0.35) * s,
      style: { ...textStyle, text: tickLabel(v), align: 'center', verticalAlign: 'top' },
    });
  }
  if (firthNote) {
    graphic.push(text('\u2020 Firth-penalised estimate (profile-likelihood CI)', pad, height - pad - noteH / 2));
  }
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
        gridIndex: 0,
        axisLine: { show: true, onZero: false, lineStyle: { color: '#000000', width: axisWidth * s } },
        // Ticks and labels at the chosen 1–2–5 values (drawn as graphics below: ECharts' value axis
        // only knows regular intervals).
        axisTick: { show: false },
        axisLabel: { show: false },
        splitLine: { show: false },
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
            const head = f * 0.35 * s;
            for (const [x, dir] of [[x1, clipped(r.lower, 'lo') ? -1 : 0], [x2, clipped(r.upper, 'hi') ? 1 : 0]] as const) {
              if (dir === 0) continue;
              children.push({ type: 'polygon', shape: { points: [[x + dir * head, cy], [x, cy - head * 0.6], [x, cy + head * 0.6]] }, style: { fill: '#000000' } });
            }
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
