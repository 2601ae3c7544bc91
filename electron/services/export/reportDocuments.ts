// The study report's manuscript documents (a ReportExporter for electron/services/analysis/report):
// DOCX tables (Table 1, Cox univariable/multivariable, first failure, toxicity) and SVG + PDF figures
// (Kaplan–Meier per endpoint, cumulative incidence of local progression with death competing, forest
// plot of the Cox model), each stamped with provenance.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StudyReport } from '../../../shared/domain/studyReport';
import { forestPlot, type ForestRow } from '../../../shared/charts/forestPlot';
import { PRESETS, formatEstimateWithCi, formatPValue } from '../../../shared/charts/journalStyle';
import { cumulativeIncidenceChart } from '../../../shared/charts/cumulativeIncidenceChart';
import { kaplanMeierChart, type SurvivalSteps } from '../../../shared/charts/kaplanMeierChart';
import type { TableCell, TableModel, TableRow } from '../../../shared/charts/tableModel';
import type { ChartFigure, FigureContext } from '../../../shared/charts/stepCurveFigure';
import { EXPORT_SCALE, exportFigure } from './figureExport';
import { measureFigureText } from './figureFont';
import { analysisSpecHash, appVersion, type Provenance } from './provenance';
import { tableToDocx } from './tableExport';

const ENDPOINT_LABEL = { local: 'Local control', os: 'Overall survival', systemic: 'Systemic progression-free survival' } as const;
const cell = (text: string, align: TableCell['align'] = 'left', colSpan?: number): TableCell => (colSpan ? { text, align, colSpan } : { text, align });
const pText = (p: number | null | undefined) => (p === null || p === undefined ? '' : formatPValue(p));
const hrText = (hr: number | null, lo: number | null, up: number | null) => (hr === null ? 'Not estimable' : formatEstimateWithCi(hr, lo, up, 2));

function reportProvenance(report: StudyReport): Provenance {
  return {
    software: 'RT Cohort Workstation',
    appVersion: appVersion(),
    analysisSpecHash: analysisSpecHash({
      kind: report.kind,
      version: report.version,
      unit: report.unit,
      endpoint: report.endpoint,
      groupColumn: report.groupColumn,
      pThreshold: report.cox.pThreshold,
      clustered: report.cox.clustered,
    }),
    datasetFingerprint: report.datasetFingerprint,
  };
}

export function reportTable1(report: StudyReport): TableModel {
  const size = (p: number, l: number) => (p === l ? `n = ${p}` : `${p} patients, ${l} lesions`);
  const header = [
    cell('Characteristic'),
    cell(`Total (${size(report.counts.patients, report.counts.lesions)})`, 'right'),
    ...report.groups.map((g) => cell(`${g.label} (${size(g.patients, g.lesions)})`, 'right')),
    cell('P value', 'right'),
  ];
  const n = header.length;
  const rows: TableRow[] = [];
  let section: string | null = null;
  let characteristic: string | null = null;
  const tests = new Set<string>();
  for (const r of report.table1) {
    if (r.section !== section) {
      section = r.section;
      rows.push({ heading: true, cells: [cell(section === 'patient' ? 'Patient characteristics' : 'Lesion characteristics', 'left', n)] });
    }
    if (r.test) tests.add(r.test);
    if (r.level === null) {
      rows.push({ cells: [cell(`${r.characteristic}, median (range)`), cell(r.total, 'right'), ...r.groups.map((g) => cell(g, 'right')), cell(pText(r.p), 'right')] });
      characteristic = null;
      continue;
    }
    if (r.characteristic !== characteristic) {
      characteristic = r.characteristic;
      rows.push({ cells: [cell(`${r.characteristic}, n (%)`), cell(''), ...r.groups.map(() => cell('')), cell(pText(r.p), 'right')] });
    }
    rows.push({ indent: true, cells: [cell(r.level), cell(r.total, 'right'), ...r.groups.map((g) => cell(g, 'right')), cell('')] });
  }
  const notes = [...new Set(report.table1.map((r) => r.note).filter((x): x is string => !!x))];
  return {
    title: 'Table 1. Patient and treatment characteristics',
    columnCount: n,
    header: [header],
    rows,
    footnotes: [`P values: ${[...tests].join(', ')}.`, ...notes],
  };
}

export function reportCoxTable(report: StudyReport): TableModel {
  const multi = report.cox.multivariable;
  const header = [
    [cell(''), cell('Univariable analysis', 'center', 2), ...(multi ? [cell('Multivariable analysis', 'center', 2)] : [])],
    [cell('Variable'), cell('HR (95% CI)', 'right'), cell('P value', 'right'), ...(multi ? [cell('HR (95% CI)', 'right'), cell('P value', 'right')] : [])],
  ];
  const rows: TableRow[] = [];
  const blank = multi ? [cell(''), cell('')] : [];
  for (const f of report.cox.univariate) {
    const several = f.terms.length > 1;
    if (f.terms.length === 0) {
      rows.push({ cells: [cell(f.label), cell('Not estimable', 'right'), cell(''), ...blank] });
      continue;
    }
    if (several) rows.push({ heading: true, cells: [cell(f.label), cell(''), cell(''), ...blank] });
    for (const t of f.terms) {
      const m = multi?.terms.find((x) => x.term === t.term);
      const eq = t.term.indexOf('=');
      rows.push({
        indent: several,
        cells: [
          cell(several && eq > 0 ? t.term.slice(eq + 1) : f.label),
          cell(hrText(t.hr, t.lower, t.upper), 'right'),
          cell(pText(t.p), 'right'),
          ...(multi ? [cell(m ? hrText(m.hr, m.lower, m.upper) : '', 'right'), cell(m ? pText(m.p) : '', 'right')] : []),
        ],
      });
    }
  }
  const footnotes = ['HR, hazard ratio; CI, confidence interval. Cox proportional hazards regression (Efron method for ties).'];
  if (report.cox.clustered) footnotes.push('Robust (sandwich) standard errors clustered by patient.');
  if (multi) footnotes.push(`Variables with univariable P < ${formatPValue(report.cox.pThreshold)} entered the multivariable model.`);
  return { title: `Table 2. Cox regression for ${ENDPOINT_LABEL[report.cox.endpoint].toLowerCase()}`, columnCount: multi ? 5 : 3, header, rows, footnotes };
}

export function reportFirstFailureTable(report: StudyReport): TableModel {
  return {
    title: 'Table 3. Patterns of first failure',
    columnCount: 2 + report.groups.length,
    header: [[cell('Pattern'), cell('Total', 'right'), ...report.groups.map((g) => cell(g.label, 'right'))]],
    rows: report.firstFailure.rows.map((r) => ({ cells: [cell(r.pattern), cell(r.total, 'right'), ...r.groups.map((g) => cell(g, 'right'))] })),
    footnotes: [`First failure within ${report.firstFailure.windowDays} days counted as simultaneous. Values are n (%).`],
  };
}

export function reportToxicityTable(report: StudyReport): TableModel {
  return {
    title: 'Table 4. Toxicity by CTCAE grade',
    columnCount: 8,
    header: [
      [cell(''), cell('Grade', 'center', 5), cell(''), cell('')],
      [cell('CTCAE term'), ...[1, 2, 3, 4, 5].map((g) => cell(String(g), 'right')), cell('Patients', 'right'), cell('%', 'right')],
    ],
    rows: report.toxicity.rows.map((r) => ({ cells: [cell(r.term), ...r.grades.map((g) => cell(String(g), 'right')), cell(String(r.patients), 'right'), cell(r.percent.toFixed(1), 'right')] })),
    footnotes: [`CTCAE, Common Terminology Criteria for Adverse Events. ${report.toxicity.anyGrade2OrMore} of ${report.toxicity.patients} patients had grade ≥ 2 toxicity.`],
  };
}

function stepsOf(g: StudyReport['survival'][number]['groups'][number]): SurvivalSteps {
  const num = (v: number | null) => (v === null ? NaN : v);
  return {
    n: g.n,
    time: g.table.map((r) => r.time),
    nRisk: g.table.map((r) => r.nRisk),
    nEvent: g.table.map((r) => r.nEvent),
    nCensor: g.table.map((r) => r.nCensor),
    surv: g.table.map((r) => r.surv),
    lower: g.table.map((r) => num(r.lower)),
    upper: g.table.map((r) => num(r.upper)),
  };
}

/**
 * Cumulative incidence of local progression (death without it competing) by group, from the curves and
 * per-time counts the report stores; the rows are rebuilt from the counts only for the numbers at risk.
 */
export function reportCumulativeIncidenceFigure(report: StudyReport, ctx: FigureContext): ChartFigure | null {
  const groups = report.cumulativeIncidence.groups.filter((g) => g.table.length > 0);
  if (groups.length === 0) return null;
  return cumulativeIncidenceChart(
    {
      groups: groups.map((g) => {
        const time: number[] = [];
        const status: number[] = [];
        for (const r of g.table) {
          for (const [count, code] of [[r.nEvent, 1], [r.nCompeting, 2], [r.nCensor, 0]] as const) {
            for (let k = 0; k < count; k++) {
              time.push(r.time);
              status.push(code);
            }
          }
        }
        return { label: g.label, time, status };
      }),
      curves: groups.map((g, i) => ({
        group: i,
        cause: 1,
        causeLabel: 'Local progression',
        curve: {
          time: Float64Array.from(g.curve.time),
          estimate: Float64Array.from(g.curve.estimate),
          variance: Float64Array.from(g.curve.variance),
          maxTime: g.curve.maxTime ?? 0,
        },
      })),
      endpoint: 'Cumulative incidence of local progression',
      timeLabel: 'Months since start of radiotherapy',
      riskTable: 'basic',
      ci: true,
      test: report.cumulativeIncidence.gray && groups.length > 1 ? { name: "Gray's test", p: report.cumulativeIncidence.gray.p } : null,
    },
    ctx,
  );
}

/** Writes the report's DOCX tables and SVG/PDF figures into outDir; returns the file names. */
export async function exportReportDocuments(report: StudyReport, outDir: string): Promise<string[]> {
  const provenance = reportProvenance(report);
  const written: string[] = [];
  const tables: Array<[string, TableModel]> = [
    ['table1.docx', reportTable1(report)],
    ['cox.docx', reportCoxTable(report)],
    ['first-failure.docx', reportFirstFailureTable(report)],
    ['toxicity.docx', reportToxicityTable(report)],
  ];
  for (const [name, model] of tables) {
    writeFileSync(join(outDir, name), await tableToDocx(model, provenance));
    written.push(name);
  }
  const ctx = { preset: PRESETS.single, measureText: measureFigureText, scale: EXPORT_SCALE };
  for (const s of report.survival) {
    const grouped = s.groups.filter((g) => g.group !== null && g.table.length > 0);
    const curves = grouped.length > 1 ? grouped : s.groups.filter((g) => g.group === null);
    if (curves.length === 0) continue;
    const groupFactor = s.endpoint === report.cox.endpoint ? report.cox.univariate.find((f) => f.factor === report.groupColumn) : undefined;
    const term = groupFactor && groupFactor.terms.length === 1 ? groupFactor.terms[0] : null;
    const figure = kaplanMeierChart(
      {
        curves: curves.map((g) => ({ label: g.label, curve: stepsOf(g) })),
        endpoint: ENDPOINT_LABEL[s.endpoint],
        timeLabel: 'Months since start of radiotherapy',
        riskTable: 'basic',
        ci: true,
        test: s.logRank && curves.length > 1 ? { name: 'Log-rank', p: s.logRank.p } : null,
        hazardRatio: term && term.hr !== null && term.lower !== null && term.upper !== null ? { hr: term.hr, lower: term.lower, upper: term.upper } : null,
      },
      ctx,
    );
    for (const format of ['svg', 'pdf'] as const) {
      const name = `km-${s.endpoint}.${format}`;
      writeFileSync(join(outDir, name), (await exportFigure(figure, provenance, { format })).data);
      written.push(name);
    }
  }
  const cif = reportCumulativeIncidenceFigure(report, ctx);
  if (cif) {
    for (const format of ['svg', 'pdf'] as const) {
      const name = `cif-local.${format}`;
      writeFileSync(join(outDir, name), (await exportFigure(cif, provenance, { format })).data);
      written.push(name);
    }
  }
  const model = report.cox.multivariable ?? null;
  const factors = model ? report.cox.univariate.filter((f) => model.factors.includes(f.factor)) : report.cox.univariate;
  const rows: ForestRow[] = [];
  for (const f of factors) {
    const terms = model ? model.terms.filter((t) => t.term === f.factor || t.term.startsWith(`${f.factor}=`)) : f.terms;
    if (terms.length > 1) rows.push({ label: f.label, heading: true });
    for (const t of terms) {
      const eq = t.term.indexOf('=');
      rows.push({ label: terms.length > 1 && eq > 0 ? t.term.slice(eq + 1) : f.label, indent: terms.length > 1, hr: t.hr, lower: t.lower, upper: t.upper, p: t.p });
    }
  }
  if (rows.some((r) => r.hr !== null && r.hr !== undefined)) {
    const figure = forestPlot({ rows }, { ...ctx, preset: PRESETS.double });
    for (const format of ['svg', 'pdf'] as const) {
      const name = `forest-cox.${format}`;
      writeFileSync(join(outDir, name), (await exportFigure(figure, provenance, { format })).data);
      written.push(name);
    }
  }
  return written;
}
