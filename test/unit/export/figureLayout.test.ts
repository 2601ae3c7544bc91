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

  it('the test/HR block covers no curve, confidence band or censor mark (else it goes below the plot), and stays where it is put', () => {
    const g = frame.factor('targeted');
    const e = frame.factor('ecog');
    const sets = [kaplanMeierByGroup(time, event, g.codes, g.levels.length), kaplanMeierByGroup(time, event, e.codes, e.levels.length)];
    let checked = 0;
    for (const preset of [PRESETS.single, PRESETS.double, { ...PRESETS.single, heightMm: 80 }]) {
      for (const [k, fits] of sets.entries()) {
        const labels = (k === 0 ? g.levels : e.levels).map((l) => `Group ${l}`);
        const figure = kaplanMeierChart(
          { curves: fits.map((curve, i) => ({ label: labels[i], curve })), endpoint: 'Local progression-free survival', ci: true, riskTable: 'basic', riskTableUnit: 'lesions', test: { name: 'Log-rank', p: 0.02 }, hazardRatio: { hr: 0.47, lower: 0.3, upper: 0.74, comparison: `${labels[1]} vs ${labels[0]}` } },
          ctx(preset),
        );
        const svg = renderFigureSvg(figure, makeProvenance({}, {}));
        const block = textBoxes(svg).filter((b) => /^(HR |Log-rank|Group .* vs )/.test(b.text));
        expect(block.length).toBe(3);
        const grid = (figure.option.grid as Array<{ left: number; top: number; width: number; height: number }>)[0];
        const xMax = (figure.option.xAxis as Array<{ max: number }>)[0].max;
        const yMax = (figure.option.yAxis as Array<{ max: number }>)[0].max;
        const px = (t: number) => grid.left + (t / xMax) * grid.width;
        const py = (v: number) => grid.top + (1 - v / yMax) * grid.height;
        const series = figure.option.series as Array<{ type: string; name?: string; xAxisIndex?: number; data: number[][] }>;
        const lines = series.filter((x) => x.type === 'line' && x.xAxisIndex === 0 && x.name !== 'median');
        const marks = series.filter((x) => x.type === 'scatter');
        const below = block.every((b) => b.y0 > grid.top + grid.height);
        for (const b of block) {
          const inside = (x: number, y: number) => x > b.x0 && x < b.x1 && y > b.y0 && y < b.y1;
          // Curves and CI limits: no segment passes through the text.
          for (const line of lines) {
            for (let i = 1; i < line.data.length; i++) {
              const [x1, y1, x2, y2] = [px(line.data[i - 1][0]), py(line.data[i - 1][1]), px(line.data[i][0]), py(line.data[i][1])];
              const hits = [0, 0.25, 0.5, 0.75, 1].some((f) => inside(x1 + f * (x2 - x1), y1 + f * (y2 - y1))) ||
                (y1 === y2 && y1 > b.y0 && y1 < b.y1 && Math.min(x1, x2) < b.x1 && Math.max(x1, x2) > b.x0) ||
                (x1 === x2 && x1 > b.x0 && x1 < b.x1 && Math.min(y1, y2) < b.y1 && Math.max(y1, y2) > b.y0);
              expect(hits, `${preset.widthMm} mm, set ${k}: "${b.text}" on ${line.name}`).toBe(false);
            }
          }
          for (const m of marks) for (const [t, v] of m.data) expect(inside(px(t), py(v)), `"${b.text}" on a censor mark`).toBe(false);
          // Bands: the text is not between a curve's lower and upper limit.
          if (!below) {
            const cx = (b.x0 + b.x1) / 2;
            const t = ((cx - grid.left) / grid.width) * xMax;
            for (const name of new Set(lines.filter((l) => l.name?.endsWith(' CI')).map((l) => l.name))) {
              const at = lines.filter((l) => l.name === name).flatMap((l) => l.data.filter((d, i) => i + 1 < l.data.length && d[0] <= t && l.data[i + 1][0] >= t).map((d) => py(d[1])));
              if (at.length >= 2) expect(b.y1 < Math.min(...at) || b.y0 > Math.max(...at), `"${b.text}" inside the ${name} band`).toBe(true);
            }
          }
          checked++;
        }
        expect(svg).toContain('Number at risk (lesions)');
      }
    }
    expect(checked).toBe(18);
    // A manual position is kept; 'below' puts the block under the x-axis title.
    const fits = sets[0];
    const manual = kaplanMeierChart({ curves: fits.map((curve, i) => ({ label: `G${i}`, curve })), endpoint: 'Overall survival', ci: true, annotation: 'below', test: { name: 'Log-rank', p: 0.5 } }, ctx(PRESETS.single));
    const grid = (manual.option.grid as Array<{ top: number; height: number }>)[0];
    const lr = textBoxes(renderFigureSvg(manual, makeProvenance({}, {}))).find((b) => b.text.startsWith('Log-rank'))!;
    expect(lr.y0).toBeGreaterThan(grid.top + grid.height);
    checkLayout('annotation below', manual, PRESETS.single);
  });

  it('forest plot: log ticks on 0.1/0.2/0.5/1/2/5/10 chosen from the data, labels not wrapped', () => {
    const rows = [
      { label: 'ECOG PS', heading: true },
      { label: '0–1', indent: true, reference: true },
      { label: '2–4', indent: true, hr: 1.88, lower: 0.46, upper: 7.69, p: 0.38 },
      { label: 'Pain response', heading: true },
      { label: 'no', indent: true, reference: true },
      { label: 'yes', indent: true, hr: 0.19, lower: 0.06, upper: 0.63, p: 0.007, firth: true },
    ];
    const figure = forestPlot({ rows }, ctx(PRESETS.single));
    const boxes = textBoxes(renderFigureSvg(figure, makeProvenance({}, {})));
    const texts = boxes.map((b) => b.text);
    // Tick labels: the numbers on the lowest line of numbers (under the axis).
    const numeric = boxes.filter((b) => /^[\d.]+$/.test(b.text));
    const axisY = Math.max(...numeric.map((b) => b.y0));
    const ticks = numeric.filter((b) => Math.abs(b.y0 - axisY) < 1).map((b) => b.text);
    expect(ticks).toContain('1');
    expect(ticks.every((t) => ['0.05', '0.1', '0.2', '0.5', '1', '2', '5', '10'].includes(t)), ticks.join(' ')).toBe(true);
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    // Double column: room for the 1–2–5 steps.
    const wide = textBoxes(renderFigureSvg(forestPlot({ rows }, ctx(PRESETS.double)), makeProvenance({}, {})));
    const wideNumeric = wide.filter((b) => /^[\d.]+$/.test(b.text));
    const wideY = Math.max(...wideNumeric.map((b) => b.y0));
    expect(wideNumeric.filter((b) => Math.abs(b.y0 - wideY) < 1).map((b) => b.text)).toEqual(['0.05', '0.1', '0.2', '0.5', '1', '2', '5', '10']);
    expect(texts).toContain('1 [Reference]');
    expect(texts.some((t) => t.endsWith('\u2020'))).toBe(true);
    checkLayout('forest firth', figure, PRESETS.single);
  });
});
