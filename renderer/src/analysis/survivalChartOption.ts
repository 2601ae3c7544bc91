// Screen option for the KM / cumulative-incidence figure, used until shared/charts (export helper)
// provides the shared builder; AnalysisPage prefers that builder when it exists.
// Layout: curves (step lines, CI bands, censor ticks) in the top grid; the number-at-risk table is a
// second grid sharing the x range, so its counts sit exactly under the axis ticks.
import type { EChartsOption, SeriesOption } from 'echarts';
import type { AnalysisResult } from '../../../shared/api/analysis';
import { formatHr, formatP } from './format';

/** Okabe–Ito, colour-blind safe; paired with line styles so greyscale prints stay readable. */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'];
/** Left margin: room for the risk-table row labels (group names). */
const LEFT = 128;
const LINE_TYPES = ['solid', 'dashed', 'dotted', 'dashed', 'solid', 'dotted'] as const;

export function survivalChartOption(result: AnalysisResult, options: { ci: boolean; riskTable: 'none' | 'basic' | 'kmunicate'; yLabel: string }): EChartsOption {
  const { riskTable } = result;
  const xMax = riskTable.times[riskTable.times.length - 1] ?? 1;
  const step = riskTable.times.length > 1 ? riskTable.times[1] - riskTable.times[0] : xMax;
  const cif = result.kind === 'cif';
  const showRisk = options.riskTable !== 'none';
  const riskRowsPerGroup = options.riskTable === 'kmunicate' ? 3 : 1;
  const riskRows = showRisk ? riskTable.rows.length * riskRowsPerGroup : 0;
  const riskHeight = riskRows * 18 + (showRisk ? 30 : 0);
  const series: SeriesOption[] = [];

  result.curves.forEach((curve, gi) => {
    const color = PALETTE[gi % PALETTE.length];
    const start = cif ? 0 : 1;
    const points: [number, number][] = [[0, start], ...curve.steps.map((s) => [s.time, s.estimate] as [number, number])];
    series.push({
      type: 'line',
      name: curve.label,
      step: 'end',
      showSymbol: false,
      data: points,
      color,
      lineStyle: { width: 2, type: LINE_TYPES[gi % LINE_TYPES.length], color },
      xAxisIndex: 0,
      yAxisIndex: 0,
      z: 3,
    });
    const censored = curve.steps.filter((s) => s.nCensor > 0).map((s) => [s.time, s.estimate]);
    series.push({
      type: 'scatter',
      name: curve.label,
      data: censored,
      symbol: 'rect',
      symbolSize: [1.6, 9],
      itemStyle: { color },
      xAxisIndex: 0,
      yAxisIndex: 0,
      z: 4,
      tooltip: { show: false },
    });
    if (options.ci) {
      const lower: [number, number | null][] = [[0, start]];
      const width: [number, number | null][] = [[0, 0]];
      for (const s of curve.steps) {
        const lo = s.lower;
        const hi = s.upper;
        lower.push([s.time, lo]);
        width.push([s.time, lo === null || hi === null ? null : hi - lo]);
      }
      const stack = `ci-${gi}`;
      series.push({
        type: 'line', name: curve.label, step: 'end', stack, data: lower, showSymbol: false,
        lineStyle: { opacity: 0 }, xAxisIndex: 0, yAxisIndex: 0, silent: true, tooltip: { show: false }, z: 1,
      });
      series.push({
        type: 'line', name: curve.label, step: 'end', stack, data: width, showSymbol: false,
        lineStyle: { opacity: 0 }, areaStyle: { color, opacity: 0.13 }, xAxisIndex: 0, yAxisIndex: 0,
        silent: true, tooltip: { show: false }, z: 1,
      });
    }
  });

  // Number at risk (and, KMunicate, cumulative events / censored) as labelled points on grid 2.
  const riskLabels: string[] = [];
  if (showRisk) {
    riskTable.rows.forEach((row, gi) => {
      const color = PALETTE[gi % PALETTE.length];
      const rowsForGroup: [string, number[]][] =
        options.riskTable === 'kmunicate'
          ? [['at risk', row.atRisk], ['events', row.events], ['censored', row.censored]]
          : [['', row.atRisk]];
      rowsForGroup.forEach(([what, values], k) => {
        const y = gi * riskRowsPerGroup + k;
        riskLabels[y] = what ? `${row.label} · ${what}` : row.label;
        series.push({
          type: 'scatter',
          data: riskTable.times.map((t, i) => [t, y, values[i]]),
          symbolSize: 0,
          xAxisIndex: 1,
          yAxisIndex: 1,
          silent: true,
          label: { show: true, formatter: (p) => String((p.value as number[])[2]), color, fontSize: 12, position: 'inside' },
          tooltip: { show: false },
        });
      });
    });
  }

  const lines: string[] = [];
  if (result.test) lines.push(`${result.test.kind === 'logrank' ? 'Log-rank' : "Gray's test"} p = ${formatP(result.test.p).replace('< ', '<')}`);
  if (result.hazardRatio) {
    const hr = result.hazardRatio;
    lines.push(`HR ${formatHr(hr.hr, hr.lower, hr.upper)}${hr.method === 'firth' ? ' (Firth)' : ''}`);
  }

  return {
    animation: false,
    textStyle: { fontFamily: 'system-ui, "Liberation Sans", Arial, sans-serif' },
    color: PALETTE,
    legend: {
      top: 0,
      left: LEFT,
      data: result.curves.map((c) => c.label),
      icon: 'path://M0,0H24V3H0Z',
      itemWidth: 24,
      itemHeight: 3,
      textStyle: { fontSize: 13 },
    },
    tooltip: { trigger: 'axis', axisPointer: { type: 'line' }, valueFormatter: (v) => (typeof v === 'number' ? `${(100 * v).toFixed(1)}%` : String(v)) },
    grid: [
      { left: LEFT, right: 24, top: 34, bottom: riskHeight + 48 },
      ...(showRisk ? [{ left: LEFT, right: 24, height: riskRows * 18, bottom: 8 }] : []),
    ],
    xAxis: [
      {
        type: 'value', min: 0, max: xMax, interval: step, gridIndex: 0,
        name: `Time since RT start (${result.timeUnit})`, nameLocation: 'middle', nameGap: 26,
        axisLine: { onZero: false }, splitLine: { show: false },
      },
      ...(showRisk
        ? [{ type: 'value' as const, min: 0, max: xMax, interval: step, gridIndex: 1, show: false }]
        : []),
    ],
    yAxis: [
      {
        type: 'value', min: 0, max: 1, gridIndex: 0, name: options.yLabel, nameLocation: 'middle', nameGap: 44,
        axisLabel: { formatter: (v: number) => `${Math.round(v * 100)}%` },
        splitLine: { lineStyle: { color: '#eceff3' } },
      },
      ...(showRisk
        ? [{
            type: 'category' as const, gridIndex: 1, inverse: true, data: riskLabels,
            axisLine: { show: false }, axisTick: { show: false }, splitLine: { show: false },
            axisLabel: { fontSize: 11, color: '#4a5263', width: LEFT - 24, overflow: 'truncate' as const, margin: 16 },
            name: 'At risk', nameLocation: 'start' as const, nameGap: 8, nameTextStyle: { align: 'right' as const, fontSize: 11 },
          }]
        : []),
    ],
    graphic: lines.length
      ? [{ type: 'text', right: 40, top: 44, style: { text: lines.join('\n'), fontSize: 13, fill: '#1d2330', lineHeight: 18, align: 'right' } }]
      : [],
    series,
  };
}
