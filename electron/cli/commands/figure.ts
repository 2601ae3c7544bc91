// rtcw figure km|cif|forest — the app's figures at journal size (cli.md "Figures"): SVG, vector PDF,
// PNG or LZW TIFF with provenance. Prints where it wrote and what it measured.
// Beyond cli.md: --width-mm/--height-mm (custom size), --font-pt, --p-style ama|nejm|lancet|exact,
// --endpoint LABEL (y-axis name), --display survival|cumulative (1 − KM), --x-label TEXT (axis name
// with unit and origin), --labels "0=No concurrent TT,1=Concurrent TT" (group value names),
// --annotation auto|top-right|…|below|none, --median-line, --unit lesions (risk-table unit); forest
// also takes cox's --ref and --ties.
import { cumulativeIncidenceChart } from '../../../shared/charts/cumulativeIncidenceChart';
import { forestPlot, forestRowsFromCox } from '../../../shared/charts/forestPlot';
import { PRESETS, type JournalPreset, type PaletteName, type PStyle } from '../../../shared/charts/journalStyle';
import { kaplanMeierChart, type RiskTableStyle } from '../../../shared/charts/kaplanMeierChart';
import type { ChartFigure } from '../../../shared/charts/stepCurveFigure';
import { coxModel, coxTerms, ModelFitError } from '../../../shared/stats/coxModel';
import { cumulativeIncidence, grayTest } from '../../../shared/stats/cumulativeIncidence';
import { kaplanMeierByGroup } from '../../../shared/stats/kaplanMeier';
import { survivalDifference } from '../../../shared/stats/survivalDifference';
import { ascendingTimeOrder, groupOrderByCode } from '../../../shared/stats/timeOrder';
import { parseDecimal, readCsvTable } from '../../services/analysis/csvTable';
import { EXPORT_SCALE, FIGURE_DPI, figureFormatFromPath, writeFigureFile } from '../../services/export/figureExport';
import { measureFigureText } from '../../services/export/figureFont';
import { makeProvenance } from '../../services/export/provenance';
import { CliError, type CliOptions } from '../options';
import { readDesign, run as runCox } from './cox';

export const allowedOptions = [
  'data', 'time', 'event', 'status', 'group', 'covariates', 'factors', 'ref', 'ties', 'out', 'preset', 'dpi', 'ci',
  'risk-table', 'x-max', 'x-step', 'time-unit', 'palette', 'width-mm', 'height-mm', 'font-pt', 'p-style', 'endpoint',
  'display', 'x-label', 'labels', 'annotation', 'median-line', 'unit',
];

const KINDS = ['km', 'cif', 'forest'] as const;
type FigureKind = (typeof KINDS)[number];

function presetFromOptions(options: CliOptions): JournalPreset {
  const name = options.choice('preset', ['single', 'double'] as const, 'single');
  const base: JournalPreset = { ...PRESETS[name] };
  const width = options.number('width-mm');
  const height = options.number('height-mm');
  const font = options.number('font-pt');
  if (width !== undefined) {
    if (!(width >= 30 && width <= 500)) throw new CliError(`option --width-mm must be between 30 and 500; got ${width}`);
    base.widthMm = width;
  }
  if (height !== undefined) {
    if (!(height >= 30 && height <= 500)) throw new CliError(`option --height-mm must be between 30 and 500; got ${height}`);
    base.heightMm = height;
  }
  if (font !== undefined) {
    if (!(font >= 5 && font <= 12)) throw new CliError(`option --font-pt must be between 5 and 12; got ${font}`);
    base.fontPt = font;
  }
  base.palette = options.choice<PaletteName>('palette', ['okabe-ito', 'grey'], base.palette);
  base.pStyle = options.choice<PStyle>('p-style', ['ama', 'nejm', 'lancet', 'exact'], base.pStyle);
  return base;
}

/** At most this many curves: more is unreadable, and a column with one value per row is an identifier. */
const MAX_GROUPS = 12;

function checkGroups(column: string, levels: readonly string[]): void {
  if (levels.length > MAX_GROUPS) {
    throw new CliError(`--group ${column} has ${levels.length} distinct values; a figure shows at most ${MAX_GROUPS} groups (is it an identifier?)`);
  }
}

/**
 * Group labels as printed: --labels "0=No concurrent TT,1=Concurrent TT" names the values; without
 * it the values themselves, prefixed by the column when they are bare numbers.
 */
function groupLabels(column: string, levels: readonly string[], given: Map<string, string>): string[] {
  for (const value of given.keys()) {
    if (!levels.includes(value)) throw new CliError(`--labels names '${value}', which is not a value of --group ${column} (values: ${levels.join(', ')})`);
  }
  const plain = levels.every((l) => parseDecimal(l) !== null) ? levels.map((l) => `${column} = ${l}`) : [...levels];
  return levels.map((l, i) => given.get(l) ?? plain[i]);
}

function positiveOption(options: CliOptions, name: string): number | undefined {
  const v = options.number(name);
  if (v !== undefined && !(v > 0)) throw new CliError(`option --${name} must be a positive number; got ${v}`);
  return v;
}

export async function run(options: CliOptions) {
  const kind = options.positionals[0] as FigureKind | undefined;
  if (!kind || !KINDS.includes(kind)) throw new CliError(`figure: first argument must be one of ${KINDS.join(', ')}`);
  const out = options.requiredString('out');
  const format = figureFormatFromPath(out);
  if (!format) throw new CliError(`--out must end in .svg, .pdf, .png or .tiff; got '${out}'`);
  const dpi = options.number('dpi', 600) as number;
  if (!(FIGURE_DPI as readonly number[]).includes(dpi)) throw new CliError(`option --dpi must be one of ${FIGURE_DPI.join(', ')}; got ${dpi}`);
  const preset = presetFromOptions(options);
  const riskTable = options.choice<RiskTableStyle>('risk-table', ['none', 'basic', 'kmunicate'], 'basic');
  const xMax = positiveOption(options, 'x-max');
  const xStep = positiveOption(options, 'x-step');
  const unit = options.string('time-unit', 'months') as string;
  // --x-label states unit and origin in full (e.g. "Months since start of radiotherapy").
  const timeLabel = options.string('x-label') ?? `Time (${unit})`;
  const ci = options.flag('ci');
  const labelMap = options.keyValues('labels');
  const annotation = options.choice('annotation', ['auto', 'top-right', 'top-left', 'bottom-right', 'bottom-left', 'below', 'none'] as const, 'auto');
  const medianLine = options.flag('median-line');
  // What the risk table counts ("Number at risk (lesions)"): --unit, default "patients".
  const riskTableUnit = options.string('unit', 'patients');
  const ctx = { preset, measureText: measureFigureText, scale: EXPORT_SCALE };
  const spec = {
    figure: kind,
    options: Object.fromEntries(options.names().filter((n) => n !== 'data' && n !== 'out').map((n) => [n, options.string(n)])),
  };

  let figure: ChartFigure;
  let columns: Record<string, ArrayLike<number | string>>;
  let summary: Record<string, unknown> = {};

  if (kind === 'km') {
    const timeCol = options.requiredString('time');
    const eventCol = options.requiredString('event');
    const groupCol = options.string('group');
    const used = groupCol ? [timeCol, eventCol, groupCol] : [timeCol, eventCol];
    const table = readCsvTable(options.requiredString('data'), used);
    const frame = table.select(used);
    if (frame.n === 0) throw new CliError(`${table.fileName}: no complete rows for the columns used`);
    const time = frame.time(timeCol);
    const event = frame.event(eventCol);
    const groups = groupCol ? frame.factor(groupCol) : { levels: ['All patients'], codes: new Int32Array(frame.n) };
    if (groupCol) checkGroups(groupCol, groups.levels);
    const labels = groupCol ? groupLabels(groupCol, groups.levels, labelMap) : ['All patients'];
    const curves = kaplanMeierByGroup(time, event, groups.codes, groups.levels.length);
    let test = null;
    let hazardRatio = null;
    if (groups.levels.length > 1) {
      test = { name: 'Log-rank', p: survivalDifference(time, event, groups.codes, groups.levels.length).p };
      if (groups.levels.length === 2) {
        // HR of the second group vs the first from a Cox model (Efron ties), as coxph(Surv ~ group).
        const x = Float64Array.from(groups.codes, (c) => (c === 1 ? 1 : 0));
        try {
          const fit = coxModel({ time, status: event, x: [x], names: ['group'], ties: 'efron' });
          const [term] = coxTerms(fit);
          if (term.hr !== null && term.lower !== null && term.upper !== null) hazardRatio = { hr: term.hr, lower: term.lower, upper: term.upper, comparison: `${labels[1]} vs ${labels[0]}` };
        } catch (error) {
          if (!(error instanceof ModelFitError)) throw error;
        }
      }
    }
    const display = options.choice('display', ['survival', 'cumulative'] as const, 'survival');
    figure = kaplanMeierChart(
      {
        curves: curves.map((curve, i) => ({ label: labels[i], curve })),
        endpoint: options.string('endpoint', display === 'cumulative' ? 'Cumulative incidence' : 'Survival') as string,
        display,
        timeLabel,
        xMax,
        xStep,
        riskTable,
        riskTableUnit,
        ci,
        annotation,
        medianLine,
        test,
        hazardRatio,
      },
      ctx,
    );
    columns = { time, event, ...(groupCol ? { group: groups.codes } : {}) };
    summary = { groups: labels, n: frame.n, ...(test ? { logrankP: test.p } : {}), ...(hazardRatio ? { hazardRatio } : {}) };
  } else if (kind === 'cif') {
    const timeCol = options.requiredString('time');
    const statusCol = options.has('status') ? options.requiredString('status') : options.requiredString('event');
    const groupCol = options.string('group');
    const used = groupCol ? [timeCol, statusCol, groupCol] : [timeCol, statusCol];
    const table = readCsvTable(options.requiredString('data'), used);
    const frame = table.select(used);
    if (frame.n === 0) throw new CliError(`${table.fileName}: no complete rows for the columns used`);
    const time = frame.time(timeCol);
    const statusFactor = frame.factor(statusCol);
    const causes = statusFactor.levels.filter((l) => parseDecimal(l) !== 0);
    if (causes.length === 0) throw new CliError(`status column '${statusCol}' has no events (every value is 0)`);
    const causeCode = statusFactor.levels.map((l) => (parseDecimal(l) === 0 ? 0 : causes.indexOf(l) + 1));
    const status = Int32Array.from(statusFactor.codes, (c) => causeCode[c]);
    const groups = groupCol ? frame.factor(groupCol) : { levels: ['All patients'], codes: new Int32Array(frame.n) };
    if (groupCol) checkGroups(groupCol, groups.levels);
    const labels = groupCol ? groupLabels(groupCol, groups.levels, labelMap) : ['All patients'];
    const nGroups = groups.levels.length;
    const { order, starts } = groupOrderByCode(ascendingTimeOrder(time), groups.codes, nGroups);
    const curveList = [];
    for (let c = 0; c < causes.length; c++) {
      for (let g = 0; g < nGroups; g++) {
        curveList.push({ group: g, cause: c + 1, causeLabel: `Cause ${causes[c]}`, curve: cumulativeIncidence(time, status, c + 1, order.subarray(starts[g], starts[g + 1])) });
      }
    }
    const groupData = groups.levels.map((_l, g) => {
      const rows = order.subarray(starts[g], starts[g + 1]);
      return { label: labels[g], time: Float64Array.from(rows, (r) => time[r]), status: Int32Array.from(rows, (r) => status[r]) };
    });
    const test = nGroups > 1 ? { name: "Gray's test", p: grayTest(time, status, 1, groups.codes, nGroups).p } : null;
    figure = cumulativeIncidenceChart(
      { groups: groupData, curves: curveList, endpoint: options.string('endpoint', 'Cumulative incidence') as string, timeLabel, xMax, xStep, riskTable, riskTableUnit, ci, annotation, medianLine, test },
      ctx,
    );
    columns = { time, status, ...(groupCol ? { group: groups.codes } : {}) };
    summary = { groups: labels, causes, n: frame.n, ...(test ? { grayP: test.p } : {}) };
  } else {
    const timeCol = options.requiredString('time');
    const eventCol = options.requiredString('event');
    const result = runCox(options) as { n: number; events: number; terms: Array<{ term: string; hr: number | null; lower: number | null; upper: number | null; p: number | null }> };
    const { design, frame } = readDesign(options, [timeCol, eventCol]);
    const factors = design.terms.filter((t) => t.kind === 'factor' && t.reference !== undefined).map((t) => ({ name: t.name, reference: t.reference as string }));
    figure = forestPlot({ rows: forestRowsFromCox(result.terms, factors) }, ctx);
    columns = { time: frame.time(timeCol), event: frame.event(eventCol), ...Object.fromEntries(design.names.map((n, j) => [n, design.columns[j]])) };
    summary = { n: result.n, events: result.events, terms: result.terms.length };
  }

  const provenance = makeProvenance(spec, columns);
  const written = await writeFigureFile(out, figure, provenance, { format, dpi });
  return {
    figure: kind,
    out,
    format,
    bytes: written.data.length,
    widthMm: figure.widthMm,
    heightMm: figure.heightMm,
    ...(written.widthPx ? { dpi, widthPx: written.widthPx, heightPx: written.heightPx } : {}),
    ...summary,
    ...(figure.riskTable ? { riskTable: figure.riskTable } : {}),
    provenance,
  };
}
