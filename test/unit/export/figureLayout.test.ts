// Layout of the exported SVG measured with the bundled font's real metrics: every text lies inside
// the figure, no two texts overlap, text sits on alphabetic baselines (editable in Illustrator), and
// sizes follow the preset (7–8 pt text, lines ≥ 0.5 pt).
import { describe, expect, it } from 'vitest';
import { readCsvTable } from '../../../electron/services/analysis/csvTable';
import { EXPORT_SCALE, renderFigureSvg } from '../../../electron/services/export/figureExport';
import { measureFigureText } from '../../../electron/services/export/figureFont';
import { makeProvenance } from '../../../electron/services/export/provenance';
import { cumulativeIncidenceChart } from '../../../shared/charts/cumulativeIncidenceChart';
import { forestPlot } from '../../../shared/charts/forestPlot';
import { PRESETS, type JournalPreset } from '../../../shared/charts/journalStyle';
import { kaplanMeierChart, type RiskTableStyle } from '../../../shared/charts/kaplanMeierChart';
import type { ChartFigure } from '../../../shared/charts/stepCurveFigure';
import { cumulativeIncidence } from '../../../shared/stats/cumulativeIncidence';
import { kaplanMeierByGroup } from '../../../shared/stats/kaplanMeier';
import { ascendingTimeOrder, groupOrderByCode } from '../../../shared/stats/timeOrder';

const FIXTURE = `${__dirname}/../../fixtures/export/cohort.csv`;
const table = readCsvTable(FIXTURE);
const frame = table.select(['time', 'event', 'status', 'targeted', 'ecog']);
const time = frame.time('time');
const event = frame.event('event');

interface TextBox {
  text: string;
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

/** Boxes of all SVG texts (translate or 90° rotation), from the font's advance widths. */
function textBoxes(svg: string): TextBox[] {
  const boxes: TextBox[] = [];
  for (const m of svg.matchAll(/<text([^>]*)>([^<]*)<\/text>/g)) {
    const [, attrs, raw] = m;
    const text = raw
      .replace(/&#(\d+);/g, (_m, c: string) => String.fromCharCode(Number(c)))
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&amp;/g, '&');
    if (text.trim() === '') continue;
    expect(attrs, text).not.toMatch(/dominant-baseline/);
    const size = Number(/font-size:([\d.]+)px/.exec(attrs)![1]);
    const bold = /font-weight:bold/.test(attrs);
    const anchor = /text-anchor="(\w+)"/.exec(attrs)?.[1] ?? 'start';
    const y = Number(/\sy="([-\d.e]+)"/.exec(attrs)?.[1] ?? 0);
    const x = Number(/\sx="([-\d.e]+)"/.exec(attrs)?.[1] ?? 0);
    const w = measureFigureText(text, size, bold ? 'bold' : 'normal');
    const left = anchor === 'middle' ? x - w / 2 : anchor === 'end' ? x - w : x;
    // Ink between cap height above the baseline and descenders below it.
    const [u0, u1, v0, v1] = [left, left + w, y - 0.73 * size, y + 0.21 * size];
    const t = /translate\(([-\d.e]+) ([-\d.e]+)\)/.exec(attrs);
    const r = /matrix\(0,-1,1,0,([-\d.e]+),([-\d.e]+)\)/.exec(attrs);
    if (t) boxes.push({ text, x0: u0 + +t[1], x1: u1 + +t[1], y0: v0 + +t[2], y1: v1 + +t[2] });
    else if (r) boxes.push({ text, x0: v0 + +r[1], x1: v1 + +r[1], y0: -u1 + +r[2], y1: -u0 + +r[2] });
    else boxes.push({ text, x0: u0, x1: u1, y0: v0, y1: v1 });
  }
  return boxes;
}

function checkLayout(name: string, figure: ChartFigure, preset: JournalPreset): void {
  const svg = renderFigureSvg(figure, makeProvenance({}, {}));
  const boxes = textBoxes(svg);
  expect(boxes.length, name).toBeGreaterThan(10);
  for (const b of boxes) {
    expect(b.x0, `${name}: "${b.text}" left edge`).toBeGreaterThanOrEqual(0);
    expect(b.x1, `${name}: "${b.text}" right edge`).toBeLessThanOrEqual(figure.width);
    expect(b.y0, `${name}: "${b.text}" top`).toBeGreaterThanOrEqual(0);
    expect(b.y1, `${name}: "${b.text}" bottom`).toBeLessThanOrEqual(figure.height);
  }
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const [a, b] = [boxes[i], boxes[j]];
      const overlap = a.x0 < b.x1 - 0.5 && b.x0 < a.x1 - 0.5 && a.y0 < b.y1 - 0.5 && b.y0 < a.y1 - 0.5;
      expect(overlap, `${name}: "${a.text}" overlaps "${b.text}"`).toBe(false);
    }
  }
  // Text at the preset size (option units are points × EXPORT_SCALE) and no line thinner than 0.5 pt.
  const sizes = new Set([...svg.matchAll(/font-size:([\d.]+)px/g)].map((m) => Number(m[1]) / EXPORT_SCALE));
  expect([...sizes], name).toEqual([preset.fontPt]);
  const widths = [...svg.matchAll(/stroke-width="([\d.]+)"/g)].map((m) => Number(m[1]) / EXPORT_SCALE);
  expect(Math.min(...widths), name).toBeGreaterThanOrEqual(0.5);
}

const ctx = (preset: JournalPreset) => ({ preset, measureText: measureFigureText, scale: EXPORT_SCALE });

describe('figure layout with real font metrics', () => {
  it('Kaplan–Meier: basic, KMunicate, CI, 1 − KM, long labels, single and double column', () => {
    const g = frame.factor('targeted');
    const e = frame.factor('ecog');
    const byTarget = kaplanMeierByGroup(time, event, g.codes, g.levels.length);
    const byEcog = kaplanMeierByGroup(time, event, e.codes, e.levels.length);
    const long = ['Concurrent targeted therapy with radiotherapy', 'No targeted therapy at the time of radiotherapy'];
    const cases: Array<[string, JournalPreset, RiskTableStyle, boolean, 'survival' | 'cumulative', string[]]> = [
      ['basic', PRESETS.single, 'basic', false, 'survival', g.levels],
      ['kmunicate+ci', PRESETS.single, 'kmunicate', true, 'survival', g.levels],
      ['cumulative', PRESETS.single, 'basic', true, 'cumulative', g.levels],
      ['long labels', PRESETS.single, 'basic', true, 'survival', long],
      ['double grey', { ...PRESETS.double, palette: 'grey' }, 'kmunicate', false, 'survival', e.levels],
      ['fixed height', { ...PRESETS.single, heightMm: 90 }, 'basic', true, 'survival', long],
    ];
    for (const [name, preset, riskTable, ci, display, labels] of cases) {
      const curves = (labels.length === 3 ? byEcog : byTarget).map((curve, i) => ({ label: labels[i], curve }));
      const figure = kaplanMeierChart(
        { curves, endpoint: 'Local control', display, riskTable, ci, test: { name: 'Log-rank', p: 0.0023 }, hazardRatio: { hr: 0.47, lower: 0.3, upper: 0.74 } },
        ctx(preset),
      );
      checkLayout(name, figure, preset);
      if (preset.heightMm) expect(figure.heightMm).toBeCloseTo(preset.heightMm, 6);
    }
  });

  it('cumulative incidence with competing risks and KMunicate counts', () => {
    const g = frame.factor('targeted');
    const status = Int32Array.from(frame.numeric('status'));
    const { order, starts } = groupOrderByCode(ascendingTimeOrder(time), g.codes, g.levels.length);
    const curves = [1, 2].flatMap((cause) =>
      g.levels.map((_l, k) => ({ group: k, cause, causeLabel: cause === 1 ? 'local failure' : 'death', curve: cumulativeIncidence(time, status, cause, order.subarray(starts[k], starts[k + 1])) })),
    );
    const groups = g.levels.map((label, k) => {
      const rows = order.subarray(starts[k], starts[k + 1]);
      return { label, time: Float64Array.from(rows, (r) => time[r]), status: Int32Array.from(rows, (r) => status[r]) };
    });
    const figure = cumulativeIncidenceChart({ groups, curves, endpoint: 'Cumulative incidence', riskTable: 'kmunicate', ci: true, test: { name: "Gray's test", p: 0.004 } }, ctx(PRESETS.single));
    checkLayout('cif', figure, PRESETS.single);
    // A y-axis name longer than the plot is tall breaks into two lines instead of running off the figure.
    const longName = cumulativeIncidenceChart(
      { groups, curves: curves.filter((c) => c.cause === 1), endpoint: 'Cumulative incidence of local progression', riskTable: 'basic', ci: true, test: { name: "Gray's test", p: 0.004 } },
      ctx(PRESETS.single),
    );
    checkLayout('cif long y name', longName, PRESETS.single);
    const svg = renderFigureSvg(longName, makeProvenance({}, {}));
    expect(textBoxes(svg).map((b) => b.text)).toEqual(expect.arrayContaining(['Cumulative incidence of', 'local progression (%)']));
    // KMunicate identity: at risk + events + competing + censored = group size at every tick.
    const rows = figure.riskTable!.rows;
    for (let k = 0; k < groups.length; k++) {
      const [atRisk, events, competing, censored] = rows.slice(k * 5 + 1, k * 5 + 5).map((r) => r.values as number[]);
      atRisk.forEach((n, i) => expect(n + events[i] + competing[i] + censored[i]).toBe(groups[k].time.length));
    }
  });

  it('forest plot with factor headings, long labels and very wide CIs', () => {
    const rows = [
      { label: 'Concurrent targeted therapy (vs nonconcurrent or none)', hr: 0.04, lower: 0.0098, upper: 0.14, p: 0.00001 },
      { label: 'ECOG performance status', heading: true },
      { label: '0–1', indent: true, reference: true },
      { label: '2–4', indent: true, hr: 1.9, lower: 0.46, upper: 7.7, p: 0.38 },
      { label: 'Cord compression', hr: 22.43, lower: 3.14, upper: 160.19, p: 0.002 },
    ];
    for (const preset of [PRESETS.single, PRESETS.double]) checkLayout(`forest ${preset.widthMm}`, forestPlot({ rows }, ctx(preset)), preset);
  });
});
