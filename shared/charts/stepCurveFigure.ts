// Layout shared by the Kaplan–Meier and cumulative-incidence figures: step curves with censor ticks
// and optional confidence bands, a 0–100% y axis named after the endpoint, regular time breaks, a key
// (legend + test annotation) placed in a corner the curves leave empty, and a number-at-risk table
// drawn in a second grid that shares the plot's x scale, so every count sits exactly under its tick.
//
// All lengths are computed in points at final print size and multiplied by `scale` (option units per
// point): export uses a large scale so ECharts' half-pixel snapping of lines is far below print
// resolution; the screen uses ≈ 96/72 × zoom.
import type { EChartsOption } from 'echarts';
import {
  FIGURE_FONT_STACK,
  dashPattern,
  mmToPt,
  paletteColors,
  type JournalPreset,
  type MeasureText,
} from './journalStyle';
import { formatTick, timeTicks } from './timeAxis';

export interface StepCurve {
  label: string;
  colorIndex: number;
  styleIndex: number;
  /** Step function: value[i] (fraction 0–1) holds from time[i] on; time[0] = 0. */
  time: number[];
  value: number[];
  /** Confidence limits of each step (NaN where undefined). */
  lower?: number[];
  upper?: number[];
  /** Censoring times to mark with a tick on the curve. */
  censorTimes: number[];
  /** Last follow-up time: the curve is drawn up to here. */
  endTime: number;
}

export interface RiskTableRow {
  label: string;
  /** Colour of the label (the group's curve colour), or null for black. */
  colorIndex: number | null;
  /** Group heading rows (KMunicate) are bold and carry no numbers. */
  heading?: boolean;
  indent?: boolean;
  /** One count per tick; null for heading rows. */
  values: Array<number | null>;
}

/** Where the test/HR block goes: a corner, below the plot, or 'auto' (a corner free of curves, bands and censor marks, else below). */
export type AnnotationPosition = 'auto' | 'top-right' | 'top-left' | 'bottom-right' | 'bottom-left' | 'below' | 'none';

export interface StepFigureSpec {
  curves: StepCurve[];
  yLabel: string;
  xLabel: string;
  xMax: number;
  xStep: number;
  /** Upper limit of the y axis in percent (100 for survival). */
  yMax: number;
  riskTable: { title: string; rows: RiskTableRow[] } | null;
  /** Lines under the legend: the test and effect estimate. */
  annotation: string[];
  annotationPosition?: AnnotationPosition;
  /** Dashed guide at 50% to each curve's median (survival: first time ≤ 50%; cumulative: ≥ 50%). */
  medianLine?: boolean;
  cumulative?: boolean;
  ci: boolean;
  showLegend: boolean;
}

export interface FigureContext {
  preset: JournalPreset;
  measureText: MeasureText;
  /** Option units per point (default 1). */
  scale?: number;
}

/** An ECharts option meant to be drawn at exactly width × height option units. */
export interface ChartFigure {
  option: EChartsOption;
  width: number;
  height: number;
  widthMm: number;
  heightMm: number;
  /** Ticks of the time axis and the numbers printed in the risk table (for checking). */
  riskTable: { ticks: number[]; rows: Array<{ label: string; values: Array<number | null> }> } | null;
}

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Value of a step curve at t (last step with time ≤ t). */
function stepValue(time: number[], value: number[], t: number): number {
  let lo = 0;
  let hi = time.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (time[mid] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? value[0] : value[lo - 1];
}

/** Range of values a curve (or its band) takes over [a, b]; null when it is not drawn there. */
function curveRange(curve: StepCurve, a: number, b: number, withBand: boolean, xMax: number): [number, number] | null {
  const end = Math.min(curve.endTime, xMax);
  if (a > end) return null;
  const series = [curve.value];
  if (withBand && curve.lower && curve.upper) series.push(curve.lower, curve.upper);
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of series) {
    const take = (x: number) => {
      if (Number.isFinite(x)) {
        lo = Math.min(lo, x);
        hi = Math.max(hi, x);
      }
    };
    take(stepValue(curve.time, v, a));
    for (let i = 0; i < curve.time.length; i++) if (curve.time[i] > a && curve.time[i] <= Math.min(b, end)) take(v[i]);
  }
  return lo <= hi ? [lo, hi] : null;
}

/** Vertices of the step function drawn up to min(endTime, xMax), as [t, percent]. */
function stepVertices(time: number[], value: number[], endTime: number, xMax: number): Array<[number, number]> {
  const end = Math.min(endTime, xMax);
  const pts: Array<[number, number]> = [];
  for (let i = 0; i < time.length && time[i] <= end; i++) {
    const v = value[i] * 100;
    if (i > 0) pts.push([time[i], value[i - 1] * 100]);
    pts.push([time[i], v]);
  }
  const last = pts[pts.length - 1];
  if (last && last[0] < end) pts.push([end, last[1]]);
  return pts;
}

/** Confidence band polygons (split where a limit is undefined), as [t, percent] rings. */
function bandPolygons(curve: StepCurve, xMax: number): Array<Array<[number, number]>> {
  const { lower, upper } = curve;
  if (!lower || !upper) return [];
  const end = Math.min(curve.endTime, xMax);
  const polygons: Array<Array<[number, number]>> = [];
  let run: number[] = [];
  const flush = () => {
    if (run.length === 0) return;
    const top: Array<[number, number]> = [];
    const bottom: Array<[number, number]> = [];
    run.forEach((i, k) => {
      const t0 = curve.time[i];
      const t1 = k + 1 < run.length ? curve.time[run[k + 1]] : i + 1 < curve.time.length && curve.time[i + 1] <= end ? curve.time[i + 1] : end;
      top.push([t0, upper[i] * 100], [t1, upper[i] * 100]);
      bottom.push([t0, lower[i] * 100], [t1, lower[i] * 100]);
    });
    polygons.push([...top, ...bottom.reverse()]);
    run = [];
  };
  for (let i = 0; i < curve.time.length && curve.time[i] <= end; i++) {
    if (Number.isFinite(lower[i]) && Number.isFinite(upper[i]) && curve.time[i] < end) run.push(i);
    else flush();
  }
  flush();
  return polygons;
}

/** The step function of a confidence limit as [t, percent] vertices, split where it is undefined. */
function finiteRuns(time: number[], limit: number[], endTime: number, xMax: number): Array<Array<[number, number]>> {
  const end = Math.min(endTime, xMax);
  const runs: Array<Array<[number, number]>> = [];
  let run: Array<[number, number]> = [];
  for (let i = 0; i < time.length && time[i] <= end; i++) {
    const v = limit[i];
    if (!Number.isFinite(v)) {
      if (run.length > 1) runs.push(run);
      run = [];
      continue;
    }
    const t1 = i + 1 < time.length && time[i + 1] <= end ? time[i + 1] : end;
    run.push([time[i], v * 100], [t1, v * 100]);
  }
  if (run.length > 1) runs.push(run);
  return runs;
}

export function stepCurveFigure(spec: StepFigureSpec, ctx: FigureContext): ChartFigure {
  const { preset, measureText } = ctx;
  const s = ctx.scale ?? 1;
  const f = preset.fontPt;
  const lw = Math.max(0.5, preset.lineWidthPt);
  const axisWidth = Math.max(0.5, lw * 0.8);
  const colors = paletteColors(preset.palette);
  const measure = (t: string, bold = false) => measureText(t, f, bold ? 'bold' : 'normal');
  const lineH = f * 1.3;
  const pad = f * 0.5;
  const tickLen = f * 0.4;
  const gap = f * 0.35;

  const width = mmToPt(preset.widthMm);
  const ticks = timeTicks(spec.xMax, spec.xStep);
  const yStep = spec.yMax > 50 ? 20 : spec.yMax > 20 ? 10 : 5;
  const yTicks = timeTicks(spec.yMax, yStep);

  // Left margin: y-axis name + tick labels, or the risk-table labels, whichever is wider.
  const yTickW = Math.max(...yTicks.map((v) => measure(formatTick(v))));
  const yBlock = pad + f + gap * 2 + yTickW + tickLen;
  const indentW = f * 0.8;
  let rows = spec.riskTable?.rows ?? [];
  // Group names too long for a label column get a row of their own above their counts (as the
  // KMunicate headings), so the plot keeps its width.
  const labelLimit = 0.3 * width;
  if (rows.some((r) => !r.heading && measure(r.label) + (r.indent ? indentW : 0) > labelLimit)) {
    rows = rows.flatMap((r) =>
      r.heading || r.indent ? [r] : [{ label: r.label, colorIndex: r.colorIndex, heading: true, values: r.values.map(() => null) }, { ...r, label: '', indent: true }],
    );
  }
  // Heading rows carry no counts and may run on into the table; only labelled count rows set the column.
  const riskLabelW = spec.riskTable
    ? Math.max(measure(spec.riskTable.title, true), ...rows.filter((r) => !r.heading).map((r) => measure(r.label) + (r.indent ? indentW : 0)))
    : 0;
  // Right margin: half of the widest label centred on the last tick.
  const lastTickW = measure(formatTick(ticks[ticks.length - 1]));
  const riskNumW = Math.max(0, ...rows.flatMap((r) => r.values.map((v) => (v === null ? 0 : measure(String(v))))));
  // Counts are centred on their tick, so the first column reaches half its width left of the axis.
  const riskLeft = spec.riskTable ? pad + riskLabelW + f * 0.8 + riskNumW / 2 : 0;
  let gridLeft = Math.max(yBlock, riskLeft);
  const gridRight = pad + Math.max(lastTickW, riskNumW) / 2 + f * 0.2;
  let plotW = width - gridLeft - gridRight;

  // Below the plot: tick labels, axis name, then the risk table (title row + rows).
  const xAxisBlock = tickLen + gap + f + gap * 1.6 + f;
  const riskH = spec.riskTable ? f * 0.7 + lineH + rows.length * lineH : 0;
  const bottomH = xAxisBlock + riskH + pad;

  // A y-axis name longer than the plot is tall (e.g. "Cumulative incidence of local progression (%)"
  // in a single column) is broken into two lines at the most central space, so it is never clipped.
  const height0 = preset.heightMm ? mmToPt(preset.heightMm) : NaN;
  const plotHeightFor = (w: number) =>
    Number.isFinite(height0) ? height0 - (pad + f * 0.6) - bottomH : Math.max(w * (preset.widthMm > 120 ? 0.5 : 0.62), f * 12);
  let yName = spec.yLabel;
  if (measure(yName) > 0.95 * plotHeightFor(plotW)) {
    const spaces = [...yName.matchAll(/ /g)].map((m) => m.index ?? 0);
    if (spaces.length > 0) {
      const half = measure(yName) / 2;
      const at = spaces.reduce((best, i) => (Math.abs(measure(yName.slice(0, i)) - half) < Math.abs(measure(yName.slice(0, best)) - half) ? i : best));
      yName = `${yName.slice(0, at)}\n${yName.slice(at + 1)}`;
      gridLeft = Math.max(yBlock + lineH, riskLeft);
      plotW = width - gridLeft - gridRight;
    }
  }

  // Key: the legend and the test annotation, each in a corner the curves (and bands) leave empty;
  // whatever finds no empty corner goes above the plot.
  const sampleW = f * 2.4;
  const legendEntries = spec.showLegend ? spec.curves : [];
  const legendW = Math.max(0, ...legendEntries.map((c) => sampleW + gap * 1.5 + measure(c.label)));
  const annotationW = Math.max(0, ...spec.annotation.map((a) => measure(a)));

  const inset = f * 0.6;
  // Boxes closer than one em would read as one line of text.
  const overlaps = (p: Box, q: Box) => p.x < q.x + q.w + f && q.x < p.x + p.w + f && p.y < q.y + q.h + f * 0.5 && q.y < p.y + p.h + f * 0.5;
  const legendH = legendEntries.length * lineH;
  const annotationH = spec.annotation.length * lineH;
  const position = spec.annotationPosition ?? 'auto';

  interface KeyLayout {
    legendBox: Box | null;
    legendRowLayout: Array<{ x: number; y: number }> | null;
    annotationBox: Box | null;
    /** Annotation lines under the x-axis title (before the risk table). */
    annotationBelow: boolean;
    extraTop: number;
    extraBottom: number;
  }
  // The legend and the annotation each go in a corner the curves, their bands and censor marks leave
  // empty (text never sits on a band: issue 14); a legend with no empty corner goes above the plot,
  // an annotation below it. Laid out for a given plot height (fixed-height figures re-run it).
  const layoutKey = (plotH: number): KeyLayout => {
    const emptyOfCurves = (box: Box) => {
      const m = f * 0.3;
      const a = ((box.x - m) / plotW) * spec.xMax;
      const b = ((box.x + box.w + m) / plotW) * spec.xMax;
      const yHi = (1 - (box.y - m) / plotH) * spec.yMax;
      const yLo = (1 - (box.y + box.h + m) / plotH) * spec.yMax;
      // Censor ticks rise half their height above the curve.
      const tick = ((f * 0.3) / plotH) * spec.yMax;
      return spec.curves.every((c) => {
        const r = curveRange(c, Math.max(0, a), b, spec.ci, spec.xMax);
        return r === null || r[1] * 100 + tick < yLo || r[0] * 100 - tick > yHi;
      });
    };
    const corner = (w: number, h: number, which: Exclude<AnnotationPosition, 'auto' | 'below' | 'none'>): Box => {
      const x = which.endsWith('right') ? plotW - inset - w : inset;
      const y = which.startsWith('top') ? inset : plotH - inset - h;
      return { x, y, w, h };
    };
    const place = (w: number, h: number, taken: Box[]): Box | null => {
      if (w <= 0 || h <= 0 || w > plotW - 2 * inset || h > plotH - 2 * inset) return null;
      const corners = (['top-right', 'bottom-left', 'bottom-right', 'top-left'] as const).map((c) => corner(w, h, c));
      return corners.find((box) => emptyOfCurves(box) && !taken.some((t) => overlaps(t, box))) ?? null;
    };
    let legendBox = legendEntries.length > 0 ? place(legendW, legendH, []) : null;
    let annotationBox: Box | null = null;
    let annotationBelow = false;
    if (annotationH > 0 && position !== 'none') {
      if (position === 'below') annotationBelow = true;
      else if (position !== 'auto') annotationBox = corner(annotationW, annotationH, position);
      else {
        annotationBox = place(annotationW, annotationH, legendBox ? [legendBox] : []);
        if (!annotationBox && legendBox) {
          // One block for both may still fit where two did not.
          const both = place(Math.max(legendW, annotationW), legendH + annotationH, []);
          if (both) {
            legendBox = { ...both, h: legendH };
            annotationBox = { x: both.x, y: both.y + legendH, w: annotationW, h: annotationH };
          }
        }
        if (!annotationBox) annotationBelow = true;
      }
    }
    if (legendBox && annotationBox && position !== 'auto' && overlaps(legendBox, annotationBox)) legendBox = null;
    let legendRowLayout: Array<{ x: number; y: number }> | null = null;
    let extraTop = 0;
    if (legendEntries.length > 0 && !legendBox) {
      // Above the plot, as one row (wrapping), starting at the figure's left margin.
      legendRowLayout = [];
      let x = 0;
      let y = 0;
      let right = 0;
      const available = width - 2 * pad;
      for (const c of legendEntries) {
        const w = sampleW + gap * 1.5 + measure(c.label);
        if (x > 0 && x + w > available) {
          x = 0;
          y += lineH;
        }
        legendRowLayout.push({ x, y });
        right = Math.max(right, x + w);
        x += w + f * 1.5;
      }
      const rowsH = y + lineH;
      extraTop = rowsH + f * 0.9; // clear of the top tick label, which rises half a line above the plot
      for (const pos of legendRowLayout) {
        pos.y -= extraTop;
        pos.x += pad - gridLeft;
      }
      legendBox = { x: pad - gridLeft, y: -extraTop, w: right, h: rowsH };
    }
    return { legendBox, legendRowLayout, annotationBox, annotationBelow, extraTop, extraBottom: annotationBelow ? annotationH + f * 0.5 : 0 };
  };

  let plotH = plotHeightFor(plotW);
  let key = layoutKey(plotH);
  if (Number.isFinite(height0)) {
    // A fixed height: the plot gives up what the key takes above and below, then the key is laid out again.
    for (let k = 0; k < 3; k++) {
      const next = plotHeightFor(plotW) - key.extraTop - key.extraBottom;
      if (Math.abs(next - plotH) < 1e-6) break;
      plotH = next;
      key = layoutKey(plotH);
    }
  }
  const { legendBox, legendRowLayout, annotationBox, annotationBelow } = key;
  const topH = pad + f * 0.6 + key.extraTop;
  const bottomBlock = bottomH + key.extraBottom;
  const height = Number.isFinite(height0) ? height0 : topH + plotH + bottomBlock;

  const color = (i: number | null) => (i === null ? '#000000' : colors[i % colors.length]);
  const textStyle = { fontFamily: FIGURE_FONT_STACK, fontSize: f * s, color: '#000000' };
  const axisLine = { show: true, lineStyle: { color: '#000000', width: axisWidth * s, cap: 'butt' as const } };
  const axisTick = { show: true, length: tickLen * s, lineStyle: { color: '#000000', width: axisWidth * s } };

  const grid: NonNullable<EChartsOption['grid']> = [
    { left: gridLeft * s, top: topH * s, width: plotW * s, height: plotH * s, containLabel: false },
  ];
  const xAxis: NonNullable<EChartsOption['xAxis']> = [
    {
      type: 'value',
      gridIndex: 0,
      min: 0,
      max: spec.xMax,
      interval: spec.xStep,
      axisLine,
      axisTick,
      splitLine: { show: false },
      axisLabel: { margin: (tickLen + gap) * s, fontSize: f * s, color: '#000000', formatter: (v: number) => formatTick(v), showMaxLabel: true, showMinLabel: true },
      name: spec.xLabel,
      nameLocation: 'middle',
      nameGap: (tickLen + gap + f + gap * 1.6) * s,
      nameTextStyle: { fontSize: f * s, color: '#000000', verticalAlign: 'top' },
    },
  ];
  const yAxis: NonNullable<EChartsOption['yAxis']> = [
    {
      type: 'value',
      gridIndex: 0,
      min: 0,
      max: spec.yMax,
      interval: yStep,
      axisLine,
      axisTick,
      splitLine: { show: false },
      axisLabel: { margin: (tickLen + gap) * s, fontSize: f * s, color: '#000000', formatter: (v: number) => formatTick(v) },
      name: yName,
      nameLocation: 'middle',
      nameRotate: 90,
      nameGap: (tickLen + gap + yTickW + gap) * s,
      nameTextStyle: { fontSize: f * s, lineHeight: lineH * s, color: '#000000', verticalAlign: 'bottom', align: 'center' },
    },
  ];
  const series: NonNullable<EChartsOption['series']> & unknown[] = [];
  const graphic: Array<Record<string, unknown>> = [];

  spec.curves.forEach((curve, ci) => {
    const c = color(curve.colorIndex);
    if (spec.ci) {
      for (const ring of bandPolygons(curve, spec.xMax)) {
        series.push({
          type: 'custom',
          name: curve.label,
          xAxisIndex: 0,
          yAxisIndex: 0,
          silent: true,
          z: 1,
          data: [0],
          renderItem: (_params: unknown, api: { coord(p: number[]): number[] }) => ({
            type: 'polygon',
            shape: { points: ring.map((p) => api.coord(p)) },
            style: { fill: c, opacity: 0.1 },
          }),
        } as never);
      }
      // Where bands overlap the tints mix: each band's limits are also drawn as thin dotted step
      // lines in its curve's colour, so every band stays readable (and in greyscale).
      for (const limit of [curve.lower, curve.upper]) {
        if (!limit) continue;
        for (const run of finiteRuns(curve.time, limit, curve.endTime, spec.xMax)) {
          series.push({
            type: 'line',
            name: `${curve.label} CI`,
            xAxisIndex: 0,
            yAxisIndex: 0,
            data: run,
            showSymbol: false,
            symbol: 'none',
            clip: true,
            silent: true,
            z: 2,
            animation: false,
            lineStyle: { color: c, width: Math.max(0.5, lw * 0.5) * s, type: [lw * 0.6 * s, lw * 1.2 * s], opacity: 0.9, cap: 'butt' },
            emphasis: { disabled: true },
          } as never);
        }
      }
    }
    const dash = dashPattern(curve.styleIndex, lw);
    series.push({
      type: 'line',
      name: curve.label,
      xAxisIndex: 0,
      yAxisIndex: 0,
      data: stepVertices(curve.time, curve.value, curve.endTime, spec.xMax),
      showSymbol: false,
      symbol: 'none',
      clip: true,
      z: 3 + ci,
      animation: false,
      lineStyle: { color: c, width: lw * s, type: dash ? dash.map((d) => d * s) : 'solid', cap: 'butt', join: 'miter' },
      emphasis: { disabled: true },
    } as never);
    const censor = curve.censorTimes
      .filter((t) => t <= Math.min(spec.xMax, curve.endTime))
      .map((t) => [t, stepValue(curve.time, curve.value, t) * 100]);
    if (censor.length > 0) {
      series.push({
        type: 'scatter',
        name: curve.label,
        xAxisIndex: 0,
        yAxisIndex: 0,
        data: censor,
        symbol: 'rect',
        symbolSize: [lw * s, f * 0.55 * s],
        itemStyle: { color: c, opacity: 1 },
        silent: true,
        z: 3 + ci,
        animation: false,
        clip: true,
      } as never);
    }
  });

  if (spec.medianLine) {
    // Median guide: a dashed line at 50% from the axis to the latest median, and down from each median.
    const medians = spec.curves
      .map((c) => {
        for (let i = 0; i < c.time.length && c.time[i] <= Math.min(c.endTime, spec.xMax); i++) {
          if (spec.cumulative ? c.value[i] >= 0.5 : c.value[i] <= 0.5) return c.time[i];
        }
        return null;
      })
      .filter((t): t is number => t !== null);
    if (medians.length > 0) {
      const guide = { color: '#555555', width: axisWidth * s, type: [2 * axisWidth * s, 2 * axisWidth * s] };
      series.push({
        type: 'line', name: 'median', xAxisIndex: 0, yAxisIndex: 0, silent: true, z: 2, animation: false, symbol: 'none', showSymbol: false,
        data: [[0, 50], [Math.max(...medians), 50]], lineStyle: guide, emphasis: { disabled: true },
      } as never);
      for (const t of medians) {
        series.push({
          type: 'line', name: 'median', xAxisIndex: 0, yAxisIndex: 0, silent: true, z: 2, animation: false, symbol: 'none', showSymbol: false,
          data: [[t, 50], [t, 0]], lineStyle: guide, emphasis: { disabled: true },
        } as never);
      }
    }
  }

  // Key (legend, then annotation), positioned in plot coordinates.
  if (legendBox) {
    const box = legendBox;
    legendEntries.forEach((curve, i) => {
      const pos = legendRowLayout ? legendRowLayout[i] : { x: box.x, y: box.y + i * lineH };
      const x0 = gridLeft + pos.x;
      const dash = dashPattern(curve.styleIndex, lw);
      const cy = topH + pos.y + lineH / 2;
      graphic.push({
        type: 'line',
        silent: true,
        shape: { x1: x0 * s, y1: cy * s, x2: (x0 + sampleW) * s, y2: cy * s },
        style: { stroke: color(curve.colorIndex), lineWidth: lw * s, lineDash: dash ? dash.map((d) => d * s) : null, lineCap: 'butt' },
      });
      graphic.push({
        type: 'text',
        silent: true,
        x: (x0 + sampleW + gap * 1.5) * s,
        y: cy * s,
        style: { text: curve.label, ...textStyle, fill: '#000000', verticalAlign: 'middle', align: 'left' },
      });
    });
  }
  if (annotationBox || annotationBelow) {
    const x0 = annotationBox ? gridLeft + annotationBox.x : gridLeft;
    let y = annotationBox ? topH + annotationBox.y : topH + plotH + xAxisBlock + f * 0.3;
    for (const line of spec.annotation) {
      graphic.push({
        type: 'text',
        silent: true,
        x: x0 * s,
        y: (y + lineH / 2) * s,
        style: { text: line, ...textStyle, fill: '#000000', verticalAlign: 'middle', align: 'left' },
      });
      y += lineH;
    }
  }

  let riskOut: ChartFigure['riskTable'] = null;
  if (spec.riskTable) {
    const tableTop = topH + plotH + xAxisBlock + key.extraBottom + f * 0.7;
    graphic.push({
      type: 'text',
      silent: true,
      x: pad * s,
      y: (tableTop + lineH / 2) * s,
      style: { text: spec.riskTable.title, ...textStyle, fontWeight: 'bold', fill: '#000000', verticalAlign: 'middle', align: 'left' },
    });
    const rowsTop = tableTop + lineH;
    (grid as unknown[]).push({ left: gridLeft * s, top: rowsTop * s, width: plotW * s, height: rows.length * lineH * s, containLabel: false });
    (xAxis as unknown[]).push({ type: 'value', gridIndex: 1, min: 0, max: spec.xMax, interval: spec.xStep, show: false });
    const rich: Record<string, Record<string, unknown>> = {};
    rows.forEach((r, i) => {
      rich[`r${i}`] = {
        fontFamily: FIGURE_FONT_STACK,
        fontSize: f * s,
        color: color(r.colorIndex),
        fontWeight: r.heading ? 'bold' : 'normal',
        padding: [0, 0, 0, r.indent ? indentW * s : 0],
      };
    });
    (yAxis as unknown[]).push({
      type: 'category',
      gridIndex: 1,
      inverse: true,
      data: rows.map((r) => r.label),
      axisLine: { show: false },
      axisTick: { show: false },
      splitLine: { show: false },
      axisLabel: {
        align: 'left',
        margin: (gridLeft - pad) * s,
        interval: 0,
        formatter: (_v: string, i: number) => `{r${i}|${rows[i].label}}`,
        rich,
      },
    });
    const cells: Array<{ t: number; row: number; text: string; color: string }> = [];
    rows.forEach((r, i) =>
      r.values.forEach((v, k) => {
        if (v !== null && k < ticks.length) cells.push({ t: ticks[k], row: i, text: String(v), color: color(r.colorIndex) });
      }),
    );
    series.push({
      type: 'custom',
      name: 'risk-table',
      xAxisIndex: 1,
      yAxisIndex: 1,
      silent: true,
      animation: false,
      data: cells.map((c) => [c.t, c.row]),
      renderItem: (params: { dataIndex: number }, api: { coord(p: number[]): number[] }) => {
        const cell = cells[params.dataIndex];
        const [x, y] = api.coord([cell.t, cell.row]);
        return {
          type: 'text',
          x,
          y,
          style: { text: cell.text, ...textStyle, fill: cell.color, align: 'center', verticalAlign: 'middle' },
        };
      },
    } as never);
    riskOut = { ticks, rows: rows.map((r) => ({ label: r.label, values: r.values.slice() })) };
  }

  const option: EChartsOption = {
    animation: false,
    backgroundColor: '#ffffff',
    textStyle,
    grid,
    xAxis,
    yAxis,
    series,
    graphic: graphic as never,
    tooltip: { show: false },
  };
  return { option, width: width * s, height: height * s, widthMm: preset.widthMm, heightMm: (height / 72) * 25.4, riskTable: riskOut };
}
