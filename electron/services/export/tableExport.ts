// Writers for the table model (shared/charts/tableModel): DOCX (three-line table, merged header
// cells, footnotes under the table), CSV (UTF-8 with BOM, opens correctly in Excel), HTML, LaTeX
// (booktabs) and XLSX (exceljs). Each output carries the provenance line.
import { csvField } from '../../../shared/domain/csvField';
import {
  AlignmentType,
  BorderStyle,
  Document,
  Packer,
  Paragraph,
  Table,
  TableCell,
  TableRow,
  TextRun,
  WidthType,
  type IBorderOptions,
} from 'docx';
import ExcelJS from 'exceljs';
import { localiseTable, type TableCell as ModelCell, type TableModel } from '../../../shared/charts/tableModel';
import { csvDelimiter, ISO_DISPLAY, type DisplaySetting } from '../../../shared/domain/displayFormat';
import { provenanceText, type Provenance } from './provenance';

export type TableFormatName = 'docx' | 'csv' | 'html' | 'latex' | 'xlsx';
export const TABLE_FORMATS: readonly TableFormatName[] = ['docx', 'csv', 'html', 'latex', 'xlsx'];
export const TABLE_EXTENSIONS: Record<TableFormatName, string> = { docx: 'docx', csv: 'csv', html: 'html', latex: 'tex', xlsx: 'xlsx' };

/** Header cells expanded to one entry per column (spanned columns after the first are null). */
function expandRow(cells: ModelCell[]): Array<ModelCell | null> {
  const out: Array<ModelCell | null> = [];
  for (const c of cells) {
    out.push(c);
    for (let k = 1; k < (c.colSpan ?? 1); k++) out.push(null);
  }
  return out;
}

// ---------------------------------------------------------------- CSV

// Fields go through the one CSV writer (shared/domain/csvField.ts): quoting + formula neutralising.

// `delimiter`: ';' for comma-decimal locales (shared/domain/displayFormat.ts csvDelimiter), so the
// spreadsheet program of that locale splits the columns.
export function tableToCsv(model: TableModel, provenance: Provenance, delimiter: ',' | ';' = ','): string {
  const field = (text: string) => csvField(text, '', delimiter);
  const lines: string[] = [field(model.title)];
  for (const row of model.header) lines.push(expandRow(row).map((c) => field(c?.text ?? '')).join(delimiter));
  for (const row of model.rows) lines.push(expandRow(row.cells).map((c) => field(c?.text ?? '')).join(delimiter));
  lines.push('');
  for (const note of model.footnotes) lines.push(field(note));
  lines.push(field(`Source: ${provenanceText(provenance)}`));
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

// ---------------------------------------------------------------- HTML

const html = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function tableToHtml(model: TableModel, provenance: Provenance): string {
  const rule = (w: string) => `border-top:${w} solid #000`;
  const head = model.header
    .map((row, i) => {
      const cells = row
        .map((c) => {
          const span = (c.colSpan ?? 1) > 1;
          const style = [`text-align:${c.align ?? 'left'}`, i === 0 ? rule('1.5px') : '', span ? 'border-bottom:0.75px solid #000' : ''].filter(Boolean).join(';');
          return `<th${span ? ` colspan="${c.colSpan}"` : ''} style="${style}">${html(c.text)}</th>`;
        })
        .join('');
      return `<tr>${cells}</tr>`;
    })
    .join('\n');
  const body = model.rows
    .map((row, i) => {
      const cells = row.cells
        .map((c, j) => {
          const style = [
            `text-align:${c.align ?? 'left'}`,
            i === 0 ? rule('0.75px') : '',
            i === model.rows.length - 1 ? 'border-bottom:1.5px solid #000' : '',
            j === 0 && row.indent ? 'padding-left:1.5em' : '',
            row.heading ? 'font-weight:bold' : '',
          ]
            .filter(Boolean)
            .join(';');
          return `<td${(c.colSpan ?? 1) > 1 ? ` colspan="${c.colSpan}"` : ''} style="${style}">${html(c.text)}</td>`;
        })
        .join('');
      return `<tr>${cells}</tr>`;
    })
    .join('\n');
  const notes = model.footnotes.map((n) => `<p style="margin:0.2em 0;font-size:0.85em">${html(n)}</p>`).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="generator" content="${html(`${provenance.software} ${provenance.appVersion}`)}">
<meta name="description" content="${html(provenanceText(provenance))}">
<title>${html(model.title)}</title>
</head>
<body>
<table style="border-collapse:collapse;font-family:Arial,'Liberation Sans',sans-serif;font-size:10pt">
<caption style="text-align:left;font-weight:bold;padding-bottom:0.4em">${html(model.title)}</caption>
<thead>
${head}
</thead>
<tbody>
${body}
</tbody>
</table>
${notes}
</body>
</html>
`;
}

// ---------------------------------------------------------------- LaTeX (booktabs)

const LATEX_SPECIAL: Record<string, string> = {
  '\\': '\\textbackslash{}', '&': '\\&', '%': '\\%', $: '\\$', '#': '\\#', _: '\\_', '{': '\\{', '}': '\\}',
  '~': '\\textasciitilde{}', '^': '\\textasciicircum{}', '\u2013': '--', '\u2014': '---', '\u2264': '$\\leq$',
  '\u2265': '$\\geq$', '\u00B1': '$\\pm$', '\u03C7': '$\\chi$', '\u00B2': '\\textsuperscript{2}', '\u00B7': '$\\cdot$',
  '\u2212': '$-$', '\u00D7': '$\\times$', '<': '$<$', '>': '$>$',
};

export const latexEscape = (s: string): string => s.replace(/[\\&%$#_{}~^\u2013\u2014\u2264\u2265\u00B1\u03C7\u00B2\u00B7\u2212\u00D7<>]/g, (ch) => LATEX_SPECIAL[ch]);

export function tableToLatex(model: TableModel, provenance: Provenance): string {
  const aligns = Array.from({ length: model.columnCount }, (_v, j) => {
    const c = model.rows[0]?.cells[j] ?? model.header[model.header.length - 1][j];
    return c?.align === 'right' ? 'r' : c?.align === 'center' ? 'c' : 'l';
  });
  const lines: string[] = [
    `% ${provenanceText(provenance)}`,
    '% Requires \\usepackage{booktabs}',
    '\\begin{table}[htbp]',
    '\\centering',
    `\\caption{${latexEscape(model.title)}}`,
    `\\begin{tabular}{${aligns.join('')}}`,
    '\\toprule',
  ];
  for (const row of model.header) {
    let col = 1;
    const cmid: string[] = [];
    const cells = row.map((c) => {
      const span = c.colSpan ?? 1;
      const text = latexEscape(c.text);
      const out = span > 1 ? `\\multicolumn{${span}}{c}{${text}}` : text;
      if (span > 1) cmid.push(`\\cmidrule(lr){${col}-${col + span - 1}}`);
      col += span;
      return out;
    });
    lines.push(`${cells.join(' & ')} \\\\`);
    if (cmid.length > 0) lines.push(cmid.join(' '));
  }
  lines.push('\\midrule');
  for (const row of model.rows) {
    const cells = row.cells.map((c, j) => {
      let text = latexEscape(c.text);
      if (j === 0 && row.indent) text = `\\quad ${text}`;
      if (row.heading && text !== '') text = `\\textbf{${text}}`;
      return (c.colSpan ?? 1) > 1 ? `\\multicolumn{${c.colSpan}}{l}{${text}}` : text;
    });
    lines.push(`${cells.join(' & ')} \\\\`);
  }
  lines.push('\\bottomrule', '\\end{tabular}');
  if (model.footnotes.length > 0) {
    lines.push('\\par\\smallskip\\footnotesize');
    lines.push(model.footnotes.map(latexEscape).join(' \\\\\n'));
  }
  lines.push('\\end{table}', '');
  return lines.join('\n');
}

// ---------------------------------------------------------------- DOCX

const NONE: IBorderOptions = { style: BorderStyle.NONE, size: 0, color: 'FFFFFF' };
const rule = (eighths: number): IBorderOptions => ({ style: BorderStyle.SINGLE, size: eighths, color: '000000' });
const ALIGN = { left: AlignmentType.LEFT, center: AlignmentType.CENTER, right: AlignmentType.RIGHT } as const;
const FONT = 'Arial';
const SIZE = 18; // half-points: 9 pt

function docxCell(c: ModelCell, borders: { top?: IBorderOptions; bottom?: IBorderOptions }, opts: { bold?: boolean; indent?: boolean } = {}): TableCell {
  return new TableCell({
    columnSpan: c.colSpan && c.colSpan > 1 ? c.colSpan : undefined,
    borders: { top: borders.top ?? NONE, bottom: borders.bottom ?? NONE, left: NONE, right: NONE },
    margins: { top: 30, bottom: 30, left: 80, right: 80 },
    children: [
      new Paragraph({
        alignment: ALIGN[c.align ?? 'left'],
        indent: opts.indent ? { left: 240 } : undefined,
        children: [new TextRun({ text: c.text, bold: opts.bold, font: FONT, size: SIZE })],
      }),
    ],
  });
}

export async function tableToDocx(model: TableModel, provenance: Provenance): Promise<Buffer> {
  const rows: TableRow[] = [];
  model.header.forEach((row, i) => {
    const last = i === model.header.length - 1;
    rows.push(
      new TableRow({
        tableHeader: true,
        children: row.map((c) =>
          docxCell(c, { top: i === 0 ? rule(12) : undefined, bottom: last ? rule(6) : (c.colSpan ?? 1) > 1 ? rule(4) : undefined }, { bold: true }),
        ),
      }),
    );
  });
  model.rows.forEach((row, i) => {
    const last = i === model.rows.length - 1;
    rows.push(
      new TableRow({
        children: row.cells.map((c, j) => docxCell(c, { bottom: last ? rule(12) : undefined }, { bold: row.heading, indent: j === 0 && row.indent })),
      }),
    );
  });
  const table = new Table({
    rows,
    width: { size: 100, type: WidthType.PERCENTAGE },
    borders: { top: NONE, bottom: NONE, left: NONE, right: NONE, insideHorizontal: NONE, insideVertical: NONE },
  });
  const doc = new Document({
    creator: `${provenance.software} ${provenance.appVersion}`,
    title: model.title,
    description: provenanceText(provenance),
    keywords: `analysisSpecHash=${provenance.analysisSpecHash}; datasetFingerprint=${provenance.datasetFingerprint}`,
    sections: [
      {
        children: [
          new Paragraph({ spacing: { after: 120 }, children: [new TextRun({ text: model.title, bold: true, font: FONT, size: 20 })] }),
          table,
          ...model.footnotes.map((n) => new Paragraph({ spacing: { before: 40 }, children: [new TextRun({ text: n, font: FONT, size: 16 })] })),
        ],
      },
    ],
  });
  return Packer.toBuffer(doc);
}

// ---------------------------------------------------------------- XLSX

export async function tableToXlsx(model: TableModel, provenance: Provenance): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = `${provenance.software} ${provenance.appVersion}`;
  wb.title = model.title;
  wb.description = provenanceText(provenance);
  wb.keywords = `analysisSpecHash=${provenance.analysisSpecHash}; datasetFingerprint=${provenance.datasetFingerprint}`;
  const ws = wb.addWorksheet('Table');
  ws.addRow([model.title]).font = { bold: true };
  const thick: Partial<ExcelJS.Border> = { style: 'medium', color: { argb: 'FF000000' } };
  const thin: Partial<ExcelJS.Border> = { style: 'thin', color: { argb: 'FF000000' } };
  model.header.forEach((row, i) => {
    const values = expandRow(row).map((c) => c?.text ?? '');
    const r = ws.addRow(values);
    r.font = { bold: true };
    let col = 1;
    for (const c of row) {
      const span = c.colSpan ?? 1;
      const first = r.getCell(col);
      first.alignment = { horizontal: span > 1 ? 'center' : (c.align ?? 'left') };
      if (span > 1) ws.mergeCells(r.number, col, r.number, col + span - 1);
      col += span;
    }
    for (let j = 1; j <= model.columnCount; j++) {
      const cellRef = r.getCell(j);
      cellRef.border = { ...(i === 0 ? { top: thick } : {}), ...(i === model.header.length - 1 ? { bottom: thin } : {}) };
    }
  });
  model.rows.forEach((row, i) => {
    const r = ws.addRow(row.cells.map((c) => c.text));
    if (row.heading) r.font = { bold: true };
    row.cells.forEach((c, j) => {
      const x = r.getCell(j + 1);
      x.alignment = { horizontal: c.align ?? 'left', indent: j === 0 && row.indent ? 1 : 0 };
      if (i === model.rows.length - 1) x.border = { bottom: thick };
    });
  });
  ws.addRow([]);
  for (const n of model.footnotes) ws.addRow([n]).font = { size: 9 };
  ws.addRow([`Source: ${provenanceText(provenance)}`]).font = { size: 8, color: { argb: 'FF666666' } };
  ws.getColumn(1).width = Math.min(60, Math.max(12, ...model.rows.map((r) => (r.cells[0]?.text.length ?? 0) + 4)));
  for (let j = 2; j <= model.columnCount; j++) ws.getColumn(j).width = 20;
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** One table in `format`, in the study's date/number setting (shared/charts/tableModel.ts localiseTable). */
export async function exportTable(raw: TableModel, provenance: Provenance, format: TableFormatName, display: DisplaySetting = ISO_DISPLAY): Promise<Buffer> {
  const model = localiseTable(raw, display);
  switch (format) {
    case 'csv':
      return Buffer.from(tableToCsv(model, provenance, csvDelimiter(display.format, display.locale)), 'utf8');
    case 'html':
      return Buffer.from(tableToHtml(model, provenance), 'utf8');
    case 'latex':
      return Buffer.from(tableToLatex(model, provenance), 'utf8');
    case 'docx':
      return tableToDocx(model, provenance);
    case 'xlsx':
      return tableToXlsx(model, provenance);
  }
}
