// Reading spreadsheets: CSV (papaparse, RFC 4180, UTF-8 with optional BOM) and XLSX (exceljs).
// Every sheet becomes header names + rows of cells keyed by header, with the spreadsheet row
// number (header = row 1) kept for the rejected-row report.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import Papa from 'papaparse';

/** A cell: text, number, boolean, or a calendar date already as ISO YYYY-MM-DD; null = empty. */
export type Cell = string | number | boolean | null;

export interface SheetRow {
  rowNumber: number;
  cells: Record<string, Cell>;
}

export interface Sheet {
  name: string;
  headers: string[];
  rows: SheetRow[];
}

export interface Workbook {
  /** File name without directory. */
  fileName: string;
  /** sha256 of the file bytes. */
  fingerprint: string;
  sheets: Sheet[];
}

export class SpreadsheetError extends Error {}

export async function readSpreadsheet(filePath: string): Promise<Workbook> {
  const fileName = path.basename(filePath);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(filePath);
  } catch (error) {
    throw new SpreadsheetError(`cannot read ${fileName}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const fingerprint = createHash('sha256').update(bytes).digest('hex');
  const ext = path.extname(fileName).toLowerCase();
  if (ext === '.csv' || ext === '.txt' || ext === '.tsv') {
    return { fileName, fingerprint, sheets: [readCsv(bytes.toString('utf8'), path.basename(fileName, ext))] };
  }
  if (ext === '.xlsx') return { fileName, fingerprint, sheets: await readXlsx(bytes, fileName) };
  throw new SpreadsheetError(`${fileName}: unsupported file type (use .csv or .xlsx)`);
}

export function readCsv(text: string, name: string): Sheet {
  const parsed = Papa.parse<string[]>(text.replace(/^\uFEFF/, ''), { skipEmptyLines: false });
  const fatal = parsed.errors.find((e) => e.type === 'Quotes');
  if (fatal) throw new SpreadsheetError(`${name}: malformed CSV at row ${(fatal.row ?? 0) + 1}: ${fatal.message}`);
  const data = parsed.data;
  if (data.length === 0 || data[0].every((h) => h.trim() === '')) throw new SpreadsheetError(`${name}: no header row`);
  const headers = headerNames(data[0].map((h) => h.trim()), name);
  const rows: SheetRow[] = [];
  for (let i = 1; i < data.length; i++) {
    const raw = data[i];
    if (raw.every((v) => v.trim() === '')) continue;
    if (raw.length > headers.length && raw.slice(headers.length).some((v) => v.trim() !== '')) {
      throw new SpreadsheetError(`${name}: row ${i + 1} has ${raw.length} cells but the header has ${headers.length}`);
    }
    const cells: Record<string, Cell> = {};
    headers.forEach((h, j) => {
      const v = (raw[j] ?? '').trim();
      cells[h] = v === '' ? null : v;
    });
    rows.push({ rowNumber: i + 1, cells });
  }
  return { name, headers, rows };
}

function headerNames(raw: string[], sheet: string): string[] {
  const seen = new Set<string>();
  return raw.map((h, j) => {
    if (h === '') throw new SpreadsheetError(`${sheet}: header of column ${j + 1} is empty`);
    if (seen.has(h)) throw new SpreadsheetError(`${sheet}: column "${h}" appears twice in the header`);
    seen.add(h);
    return h;
  });
}

function isoFromDate(d: Date): string {
  // exceljs returns dates at UTC midnight for date-only cells.
  return d.toISOString().slice(0, 10);
}

function xlsxCell(value: ExcelJS.CellValue): Cell {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return isoFromDate(value);
  if (typeof value === 'string') return value.trim() === '' ? null : value.trim();
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'object') {
    if ('result' in value) return xlsxCell((value as ExcelJS.CellFormulaValue).result as ExcelJS.CellValue);
    if ('richText' in value) return xlsxCell((value as ExcelJS.CellRichTextValue).richText.map((r) => r.text).join(''));
    if ('text' in value) return xlsxCell((value as ExcelJS.CellHyperlinkValue).text);
    if ('error' in value) return null;
  }
  return String(value);
}

async function readXlsx(bytes: Buffer, fileName: string): Promise<Sheet[]> {
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
  } catch (error) {
    throw new SpreadsheetError(`${fileName}: not a readable XLSX workbook (${(error as Error).message})`);
  }
  const sheets: Sheet[] = [];
  workbook.eachSheet((ws) => {
    const headerRow = ws.getRow(1);
    const rawHeaders: string[] = [];
    for (let c = 1; c <= ws.columnCount; c++) {
      const v = xlsxCell(headerRow.getCell(c).value);
      rawHeaders.push(v === null ? '' : String(v));
    }
    while (rawHeaders.length && rawHeaders[rawHeaders.length - 1] === '') rawHeaders.pop();
    if (rawHeaders.length === 0) {
      sheets.push({ name: ws.name, headers: [], rows: [] });
      return;
    }
    const headers = headerNames(rawHeaders, `${fileName} sheet ${ws.name}`);
    const rows: SheetRow[] = [];
    for (let r = 2; r <= ws.rowCount; r++) {
      const row = ws.getRow(r);
      const cells: Record<string, Cell> = {};
      let any = false;
      headers.forEach((h, j) => {
        const v = xlsxCell(row.getCell(j + 1).value);
        cells[h] = v;
        if (v !== null) any = true;
      });
      if (any) rows.push({ rowNumber: r, cells });
    }
    sheets.push({ name: ws.name, headers, rows });
  });
  return sheets;
}
