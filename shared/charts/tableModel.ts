// Publication tables as one neutral model — title, header rows with column spans, body rows,
// footnotes — built from analysis results with the journal's number formats, and written to
// DOCX/CSV/HTML/LaTeX/XLSX by electron/services/export/tableExport.
import type { AnalysisResult, CountTable, CoxFit, Table1 } from '../api/analysis';
import { formatEstimateWithCi, formatPValue, type CiStyle, type PStyle } from './journalStyle';

export interface TableCell {
  text: string;
  colSpan?: number;
  align?: 'left' | 'center' | 'right';
}

export interface TableRow {
  cells: TableCell[];
  /** A variable heading (bold in print). */
  heading?: boolean;
  /** A level under its heading (indented in print). */
  indent?: boolean;
}

export interface TableModel {
  title: string;
  columnCount: number;
  /** Header rows; a cell with colSpan covers that many columns. */
  header: TableCell[][];
  rows: TableRow[];
  /** Abbreviations, tests and notes, printed under the table. */
  footnotes: string[];
}

export interface TableFormat {
  ci: CiStyle;
  decimals: number;
  pStyle: PStyle;
}

export const DEFAULT_TABLE_FORMAT: TableFormat = { ci: 'dash', decimals: 2, pStyle: 'ama' };

const cell = (text: string, align: TableCell['align'] = 'left', colSpan?: number): TableCell => (colSpan ? { text, align, colSpan } : { text, align });

const pCell = (p: number | null | undefined, fmt: TableFormat) => cell(p === null || p === undefined ? '' : formatPValue(p, fmt.pStyle), 'right');
const pHeader = (fmt: TableFormat) => (fmt.pStyle === 'lancet' ? 'p value' : 'P value');

const TEST_NAMES: Record<string, string> = {
  fisher: "Fisher's exact test",
  chisq: 'Pearson χ² test',
  wilcoxon: 'Wilcoxon rank-sum test',
  kruskal: 'Kruskal–Wallis test',
};

/** Table 1: patient and treatment characteristics by group, with the test behind each P. */
export function table1Model(t: Table1, fmt: TableFormat = DEFAULT_TABLE_FORMAT, title = 'Table 1. Patient and treatment characteristics'): TableModel {
  // The analysis lists the whole cohort first ('total'), then the groups.
  const hasTotal = t.groups[0]?.value === 'total';
  const groups = hasTotal ? t.groups.slice(1) : t.groups;
  const total = hasTotal
    ? t.groups[0]
    : groups.reduce((a, g) => ({ ...a, patients: a.patients + g.patients, lesions: a.lesions + g.lesions }), { value: null, label: 'Total', patients: 0, lesions: 0 });
  const grouped = groups.length > 1;
  const size = (g: { patients: number; lesions: number }) => (g.patients === g.lesions ? `n = ${g.patients}` : `${g.patients} patients, ${g.lesions} lesions`);
  const header: TableCell[] = [
    cell('Characteristic'),
    cell(`Total (${size(total)})`, 'right'),
    ...(grouped ? groups.map((g) => cell(`${g.label} (${size(g)})`, 'right')) : []),
    ...(grouped ? [cell(pHeader(fmt), 'right')] : []),
  ];
  const columnCount = header.length;
  const tests = new Set<string>();
  const rows: TableRow[] = t.rows.map((r) => {
    if (r.test) tests.add(r.test);
    const heading = r.level === null && r.total === '';
    const label = r.level === null ? r.label : r.level;
    return {
      heading,
      indent: r.level !== null,
      cells: [
        cell(label),
        cell(r.total, 'right'),
        ...(grouped ? r.byGroup.map((v) => cell(v, 'right')) : []),
        ...(grouped ? [pCell(r.p, fmt)] : []),
      ],
    };
  });
  const footnotes = ['Values are n (%) or median (range).', ...[...tests].map((k) => `P values: ${TEST_NAMES[k] ?? k}.`), ...t.notes];
  return { title, columnCount, header: [header], rows, footnotes };
}

function termRows(fitTerms: CoxFit['terms']): Map<string, CoxFit['terms'][number]> {
  return new Map(fitTerms.map((t) => [t.term, t]));
}

/** Univariable and multivariable Cox models side by side (HR, 95% CI, P). */
export function coxTableModel(result: AnalysisResult, fmt: TableFormat = DEFAULT_TABLE_FORMAT, title?: string): TableModel {
  const level = Math.round(result.spec.confLevel * 100);
  const hrHeader = `HR (${level}% CI)`;
  const multi = result.multivariable;
  const header: TableCell[][] = [
    [cell(''), cell('Univariable analysis', 'center', 2), ...(multi ? [cell('Multivariable analysis', 'center', 2)] : [])],
    [cell('Variable'), cell(hrHeader, 'right'), cell(pHeader(fmt), 'right'), ...(multi ? [cell(hrHeader, 'right'), cell(pHeader(fmt), 'right')] : [])],
  ];
  const columnCount = multi ? 5 : 3;
  const multiTerms = multi ? termRows(multi.terms) : new Map();
  const est = (t: { hr: number | null; lower: number | null; upper: number | null } | undefined) =>
    t ? formatEstimateWithCi(t.hr, t.lower, t.upper, fmt.decimals, fmt.ci, fmt.pStyle) : '';
  const rows: TableRow[] = [];
  for (const u of result.univariate) {
    const terms = u.fit?.terms ?? [];
    if (!u.fit) {
      rows.push({ cells: [cell(u.label), cell(u.error ? 'Not estimable' : '', 'right'), cell(''), ...(multi ? [cell(''), cell('')] : [])] });
      continue;
    }
    const several = terms.length > 1;
    if (several) rows.push({ heading: true, cells: [cell(u.label), cell(''), cell(''), ...(multi ? [cell(''), cell('')] : [])] });
    for (const t of terms) {
      const m = multiTerms.get(t.term);
      rows.push({
        indent: several,
        cells: [
          cell(several ? t.label : u.label),
          cell(est(t), 'right'),
          pCell(t.p, fmt),
          ...(multi ? [cell(m ? est(m) : '', 'right'), m ? pCell(m.p, fmt) : cell('')] : []),
        ],
      });
    }
  }
  const footnotes = [`HR, hazard ratio; CI, confidence interval. Cox proportional hazards regression (${result.spec.ties === 'efron' ? 'Efron' : 'Breslow'} method for ties).`];
  if (result.spec.unit === 'lesion' && result.spec.cluster) footnotes.push('Lesion-level analysis: robust (sandwich) standard errors clustered by patient.');
  if (result.spec.firth) footnotes.push("Firth's penalised likelihood; confidence intervals and P values from the profile penalised likelihood.");
  if (multi) {
    footnotes.push(
      result.spec.multivariable === 'threshold'
        ? `Variables with univariable P < ${formatPValue(result.spec.threshold, fmt.pStyle).replace(/^</, '')} entered the multivariable model.`
        : 'Multivariable model with the variables chosen a priori.',
    );
  }
  if (result.multivariableNote) footnotes.push(result.multivariableNote);
  return { title: title ?? `Table 2. Cox regression for ${result.spec.endpoint === 'os' ? 'overall survival' : result.spec.endpoint === 'systemic' ? 'systemic progression' : 'local progression'}`, columnCount, header, rows, footnotes };
}

/** A count table (patterns of first failure, toxicity by grade) as computed by the analysis. */
export function countTableModel(t: CountTable, title: string, rowHeader = ''): TableModel {
  const header = [[cell(rowHeader), ...t.columns.map((c) => cell(c, 'right'))]];
  return {
    title,
    columnCount: t.columns.length + 1,
    header,
    rows: t.rows.map((r) => ({ cells: [cell(r.label), ...r.cells.map((c) => cell(c, 'right'))] })),
    footnotes: [...t.notes],
  };
}

/** Every cell text of a table, in reading order (for checks such as "no identifier leaked"). */
export function tableTexts(model: TableModel): string[] {
  return [model.title, ...model.header.flat().map((c) => c.text), ...model.rows.flatMap((r) => r.cells.map((c) => c.text)), ...model.footnotes];
}
