// Publication tables as one neutral model — title, header rows with column spans, body rows,
// footnotes — built from analysis results with the journal's number formats, and written to
// DOCX/CSV/HTML/LaTeX/XLSX by electron/services/export/tableExport.
import type { AnalysisResult, CountTable, CoxFit, CoxTerm, Table1 } from '../api/analysis';
import type { StudyReport } from '../domain/studyReport';
import { localiseText, type DisplaySetting } from '../domain/displayFormat';
import { formatEstimateWithCi, formatNumber, formatP, formatPValue, type CiStyle, type PStyle } from './journalStyle';

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
  /** Cox tables: β, SE and (clustered fits) robust SE columns. */
  showCoefficients?: boolean;
}

export const DEFAULT_TABLE_FORMAT: TableFormat = { ci: 'dash', decimals: 2, pStyle: 'nejm' };

/** The table format an analysis asks for (spec.format), with optional overrides from an export dialog. */
export function tableFormatOf(result: Pick<AnalysisResult, 'spec'>, override: Partial<TableFormat> = {}): TableFormat {
  const f = result.spec.format;
  return { ci: 'dash', decimals: f.decimals, pStyle: f.pStyle, showCoefficients: f.showCoefficients, ...stripUndefined(override) };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

const cell = (text: string, align: TableCell['align'] = 'left', colSpan?: number): TableCell => (colSpan ? { text, align, colSpan } : { text, align });

const pCell = (p: number | null | undefined, fmt: TableFormat) => cell(p === null || p === undefined || !Number.isFinite(p) ? '' : formatPValue(p, fmt.pStyle), 'right');
export const pHeader = (style: PStyle): string => (style === 'lancet' ? 'p value' : 'P value');

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
    ...(grouped ? [cell(pHeader(fmt.pStyle), 'right')] : []),
  ];
  const columnCount = header.length;
  // Each P names its test with a letter, explained in a footnote (journals ask which test gave which P).
  const order = [...new Set(t.rows.map((r) => r.test).filter((x): x is NonNullable<typeof x> => x !== null))];
  const marks = ['a', 'b', 'c', 'd'];
  const mark = (test: string | null) => (test ? ` ${marks[order.indexOf(test as (typeof order)[number])]}` : '');
  const rows: TableRow[] = t.rows.map((r) => {
    const heading = r.level === null && r.total === '';
    const label = r.level === null ? r.label : r.label;
    return {
      heading,
      indent: r.level !== null,
      cells: [
        cell(label),
        cell(r.total, 'right'),
        ...(grouped ? r.byGroup.map((v) => cell(v, 'right')) : []),
        ...(grouped ? [r.p === null ? pCell(null, fmt) : cell(`${pCell(r.p, fmt).text}${mark(r.test)}`, 'right')] : []),
      ],
    };
  });
  const testNote = order.length ? [`${pHeader(fmt.pStyle)}s: ${order.map((k, i) => `${marks[i]} ${TEST_NAMES[k] ?? k}`).join('; ')}.`] : [];
  const footnotes = ['Values are n (%) or median (range).', ...t.notes, ...(grouped ? testNote : [])];
  return { title, columnCount, header: [header], rows, footnotes };
}

type ModelTerm = CoxTerm;

/** Model-level tests as one footnote sentence: n, events, concordance, LR/Wald/score. */
export function modelTestsText(fit: CoxFit, fmt: TableFormat): string {
  const chi = (name: string, t: { chisq: number; df: number; p: number } | null) =>
    t ? `${name} χ² = ${formatNumber(t.chisq, 2, fmt.pStyle)}, df = ${t.df}, ${formatP(t.p, fmt.pStyle)}` : null;
  const parts = [
    `n = ${fit.n}, ${fit.events} events`,
    fit.concordance !== null ? `concordance ${formatNumber(fit.concordance, 3, fmt.pStyle)}` : null,
    chi(fit.method === 'firth' ? 'penalised likelihood-ratio' : 'likelihood-ratio', fit.likelihoodRatio),
    chi(fit.robust ? 'robust Wald' : 'Wald', fit.wald),
    chi(fit.robust ? 'robust score' : 'score (log-rank)', fit.score),
  ].filter((x): x is string => x !== null);
  return parts.join('; ');
}

/**
 * Univariable and multivariable Cox models side by side, as the reference study's Table 2 and as
 * gtsummary's tbl_merge prints them: a heading per variable, its reference level ("1 [Reference]")
 * and one contrast row per other level, events/N per level, HR (CI) and P per model; Firth fits
 * marked and footnoted; β/SE/robust SE on request; model tests in a footnote.
 */
export type CoxTableSource = Pick<AnalysisResult, 'spec' | 'univariate' | 'multivariable' | 'multivariableNote' | 'coxMethods'>;

export function coxTableModel(result: CoxTableSource, fmt: TableFormat = tableFormatOf(result), title?: string): TableModel {
  const level = Math.round(result.spec.confLevel * 100);
  const hrHeader = `HR (${level}% CI)`;
  const multi = result.multivariable;
  const coefs = !!fmt.showCoefficients;
  const robust = result.coxMethods.robust;
  const perModel = (): TableCell[] => [
    cell(hrHeader, 'right'),
    cell(pHeader(fmt.pStyle), 'right'),
    ...(coefs ? [cell('β', 'right'), cell('SE', 'right'), ...(robust ? [cell('Robust SE', 'right')] : [])] : []),
  ];
  const modelCols = 2 + (coefs ? 2 + (robust ? 1 : 0) : 0);
  const header: TableCell[][] = [
    [cell(''), cell(''), cell('Univariable analysis', 'center', modelCols), ...(multi ? [cell('Multivariable analysis', 'center', modelCols)] : [])],
    [cell('Variable'), cell('Events/N', 'right'), ...perModel(), ...(multi ? perModel() : [])],
  ];
  const columnCount = 2 + modelCols * (multi ? 2 : 1);
  const multiTerms = new Map((multi?.terms ?? []).map((t) => [t.term, t]));
  const dagger = '\u2020';
  const num = (v: number | null, d = 3) => (v === null || !Number.isFinite(v) ? '' : formatNumber(v, d, fmt.pStyle));
  const modelCells = (t: ModelTerm | undefined, fit: CoxFit | null | undefined, reference: boolean): TableCell[] => {
    if (reference) return [cell('1 [Reference]', 'right'), cell(''), ...(coefs ? [cell(''), cell(''), ...(robust ? [cell('')] : [])] : [])];
    if (!t || !fit) return Array.from({ length: modelCols }, () => cell(''));
    const mark = fit.method === 'firth' ? dagger : '';
    const est = t.hr === null ? 'Not estimable' : formatEstimateWithCi(t.hr, t.lower, t.upper, fmt.decimals, fmt.ci, fmt.pStyle) + mark;
    return [
      cell(est, 'right'),
      pCell(t.p, fmt),
      ...(coefs ? [cell(num(t.coef), 'right'), cell(num(t.se), 'right'), ...(robust ? [cell(num(t.robustSe), 'right')] : [])] : []),
    ];
  };
  const rows: TableRow[] = [];
  const blankModel = () => Array.from({ length: modelCols }, () => cell(''));
  for (const u of result.univariate) {
    const fit = u.fit;
    const inMulti = multi && multi.covariates.includes(u.variable);
    if (!fit) {
      rows.push({ cells: [cell(u.label), cell(''), cell('Not estimable', 'right'), ...blankModel().slice(1), ...(multi ? blankModel() : [])] });
      continue;
    }
    const counts = fit.levels.find((l) => l.variable === u.variable);
    if (!counts) {
      // Numeric covariate: one row, the contrast per unit.
      const t = fit.terms[0];
      rows.push({ cells: [cell(`${u.label}, ${t?.contrast ?? ''}`), cell(`${fit.events}/${fit.n}`, 'right'), ...modelCells(t, fit, false), ...(multi ? modelCells(inMulti ? multiTerms.get(t.term) : undefined, multi, false) : [])] });
      continue;
    }
    rows.push({ heading: true, cells: [cell(u.label), ...Array.from({ length: columnCount - 1 }, () => cell(''))] });
    for (const l of counts.levels) {
      const t = l.term ? fit.terms.find((x) => x.term === l.term) : undefined;
      const m = l.term && inMulti ? multiTerms.get(l.term) : undefined;
      rows.push({
        indent: true,
        cells: [
          cell(l.label),
          cell(`${l.events}/${l.n}`, 'right'),
          ...modelCells(t, fit, l.reference),
          ...(multi ? (inMulti ? modelCells(m, multi, l.reference) : blankModel()) : []),
        ],
      });
    }
  }
  const ties = result.coxMethods.ties.length ? result.coxMethods.ties : [result.spec.ties];
  const footnotes = [
    `HR, hazard ratio; CI, confidence interval. Cox proportional hazards regression (${ties.map((t) => (t === 'efron' ? 'Efron' : 'Breslow')).join('/')} method for ties); events/N per level among the complete cases of the univariable model.`,
  ];
  if (robust) footnotes.push('Lesion-level analysis: robust (sandwich) standard errors clustered by patient.');
  if (result.coxMethods.firth > 0) {
    footnotes.push(
      `${dagger} Firth's penalised likelihood (${result.spec.firth === 'always' ? 'all models' : 'monotone likelihood'}): profile penalised-likelihood CI and P; Breslow ties; no clustering.`,
    );
  }
  if (multi) {
    footnotes.push(
      result.spec.multivariable === 'threshold'
        ? `Variables with univariable ${pHeader(fmt.pStyle)} < ${formatNumber(result.spec.threshold, 2, fmt.pStyle)} entered the multivariable model.`
        : 'Multivariable model with the variables chosen a priori.',
    );
    footnotes.push(`Multivariable model: ${modelTestsText(multi, fmt)}.`);
  } else if (result.multivariableNote) footnotes.push(result.multivariableNote);
  const conc = result.univariate.filter((u) => u.fit?.concordance !== null && u.fit?.concordance !== undefined);
  if (conc.length) footnotes.push(`Univariable concordance: ${conc.map((u) => `${u.label} ${formatNumber(u.fit?.concordance as number, 3, fmt.pStyle)}`).join('; ')}.`);
  const endpoint = result.spec.endpoint === 'os' ? 'overall survival' : result.spec.endpoint === 'systemic' ? 'systemic progression-free survival' : result.spec.endpoint === 'localCif' ? 'local progression (cause-specific hazard)' : 'local progression-free survival';
  return { title: title ?? `Table 2. Cox regression for ${endpoint}`, columnCount, header, rows, footnotes };
}

/** A count table (patterns of first failure, toxicity by grade) as computed by the analysis. */
export function countTableModel(t: CountTable, title = t.title): TableModel {
  const header = [[cell(t.rowHeader), ...t.columns.map((c) => cell(c, 'right'))]];
  return {
    title,
    columnCount: t.columns.length + 1,
    header,
    rows: t.rows.map((r) => ({ cells: [cell(r.label), ...r.cells.map((c) => cell(c, 'right'))] })),
    footnotes: ['Values are n (%).', ...t.notes],
  };
}

/** Every cell text of a table, in reading order (for checks such as "no identifier leaked"). */
export function tableTexts(model: TableModel): string[] {
  return [model.title, ...model.header.flat().map((c) => c.text), ...model.rows.flatMap((r) => r.cells.map((c) => c.text)), ...model.footnotes];
}

/**
 * The table written in the study's date/number setting (shared/domain/displayFormat.ts): the screen,
 * the table exports and the report apply it to the same model, so all three read alike.
 */
export function localiseTable(model: TableModel, display: DisplaySetting): TableModel {
  if (display.format === 'iso') return model;
  const text = (t: string) => localiseText(t, display.format, display.locale);
  const cells = (row: TableCell[]) => row.map((c) => ({ ...c, text: text(c.text) }));
  return {
    ...model,
    title: text(model.title),
    header: model.header.map(cells),
    rows: model.rows.map((r) => ({ ...r, cells: cells(r.cells) })),
    footnotes: model.footnotes.map(text),
  };
}

/**
 * The study report's four tables (base file name, model) in the study's setting — written as CSV by
 * electron/services/analysis/report.ts and as DOCX by electron/services/export/reportDocuments.ts.
 * `locale`: the locale a 'locale' setting resolves to (the service host's).
 */
export function reportTableModels(report: StudyReport, locale?: string): Array<[string, TableModel]> {
  const fmt = tableFormatOf(report);
  const display: DisplaySetting = { format: report.displayFormat ?? 'iso', locale };
  const tables: Array<[string, TableModel]> = [
    ['table1', table1Model(report.table1, fmt)],
    ['cox', coxTableModel({ spec: report.spec, ...report.cox }, fmt)],
    ['first-failure', countTableModel(report.firstFailure, `Table 3. ${report.firstFailure.title}`)],
    ['toxicity', countTableModel(report.toxicity, `Table 4. ${report.toxicity.title}`)],
  ];
  return tables.map(([name, model]) => [name, localiseTable(model, display)]);
}
