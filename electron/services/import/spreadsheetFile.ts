// Reading spreadsheets: CSV (papaparse, RFC 4180, UTF-8 with optional BOM) and XLSX.
// Every sheet becomes header names + rows of cells keyed by header, with the spreadsheet row
// number (header = row 1) kept for the rejected-row report.
//
// Hostile files (issue 12; OWASP "File Upload" and XML-bomb guidance): both formats are read as a
// STREAM with limits (SPREADSHEET_LIMITS) on file size, inflated bytes, rows, columns, sheets and
// cell length, each refused with a message naming the limit and, where there is one, the cell.
// An XLSX is a zip of XML parts: yauzl reads it from the central directory (no temporary files,
// declared sizes verified while inflating) and saxes parses each part as it inflates, so a sheet
// with one cell at XFD1048576 or a million rows is refused as soon as the offending cell is read,
// instead of being materialised. A formula cell is imported by its cached result; a formula
// without one is refused with its cell reference (it would otherwise become "[object Object]").
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import Papa from 'papaparse';
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import yauzl from 'yauzl';

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

/**
 * The one source of the import limits. A clinical table of a few thousand patients is far below
 * each; a file above one is refused before it can exhaust memory or time.
 */
export const SPREADSHEET_LIMITS = {
  /** Size of the file on disk. */
  fileBytes: 100 * 1024 * 1024,
  /** XLSX: total bytes of the XML parts once inflated (zip bombs). */
  inflatedBytes: 300 * 1024 * 1024,
  /** Data rows per sheet (the header is row 1, so the last allowed row number is rows + 1). */
  rows: 100_000,
  /** Columns per sheet (REDCap exports reach a few hundred). */
  columns: 2_000,
  sheets: 100,
  /** Entries in the XLSX zip. */
  zipEntries: 10_000,
  /** Characters in one cell (Excel's own maximum). */
  cellChars: 32_767,
} as const;

export type SpreadsheetLimits = { [K in keyof typeof SPREADSHEET_LIMITS]: number };

export async function readSpreadsheet(filePath: string, limits: SpreadsheetLimits = SPREADSHEET_LIMITS): Promise<Workbook> {
  const fileName = path.basename(filePath);
  let size: number;
  try {
    const stat = fs.statSync(filePath);
    if (!stat.isFile()) throw Object.assign(new Error('not a file'), { code: 'not a file' });
    size = stat.size;
  } catch (error) {
    throw new SpreadsheetError(`cannot read ${fileName}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (size > limits.fileBytes) {
    throw new SpreadsheetError(`${fileName} is ${megabytes(size)}, above the import limit of ${megabytes(limits.fileBytes)}; split it into smaller files`);
  }
  const ext = path.extname(fileName).toLowerCase();
  const fingerprint = await sha256OfFile(filePath, fileName);
  if (ext === '.csv' || ext === '.txt' || ext === '.tsv') {
    return { fileName, fingerprint, sheets: [await readCsvFile(filePath, path.basename(fileName, ext), limits)] };
  }
  if (ext === '.xlsx') return { fileName, fingerprint, sheets: await readXlsx(filePath, fileName, limits) };
  throw new SpreadsheetError(`${fileName}: unsupported file type (use .csv or .xlsx)`);
}

// ---------------------------------------------------------------- CSV

/** Builds a sheet from rows of raw cells as they arrive, enforcing the limits on the way. */
class SheetBuilder {
  headers: string[] | null = null;
  readonly rows: SheetRow[] = [];

  constructor(
    readonly name: string,
    readonly limits: SpreadsheetLimits,
  ) {}

  /** `raw` = the cells of spreadsheet row `rowNumber` (1 = header). */
  add(raw: string[], rowNumber: number): void {
    if (raw.length > this.limits.columns && raw.slice(this.limits.columns).some((v) => v.trim() !== '')) {
      throw new SpreadsheetError(`${this.name}: row ${rowNumber} has ${raw.length} columns, above the limit of ${this.limits.columns.toLocaleString('en-US')} columns`);
    }
    if (this.headers === null) {
      if (raw.every((h) => h.trim() === '')) throw new SpreadsheetError(`${this.name}: no header row`);
      this.headers = headerNames(raw.map((h) => h.trim()), this.name);
      return;
    }
    if (raw.every((v) => v.trim() === '')) return;
    if (rowNumber > this.limits.rows + 1) throw tooManyRows(this.name, this.limits);
    const headers = this.headers;
    if (raw.length > headers.length && raw.slice(headers.length).some((v) => v.trim() !== '')) {
      throw new SpreadsheetError(`${this.name}: row ${rowNumber} has ${raw.length} cells but the header has ${headers.length}`);
    }
    const cells: Record<string, Cell> = {};
    headers.forEach((h, j) => {
      const v = (raw[j] ?? '').trim();
      if (v.length > this.limits.cellChars) throw tooLongCell(this.name, `row ${rowNumber}, column ${h}`, this.limits);
      cells[h] = v === '' ? null : v;
    });
    this.rows.push({ rowNumber, cells });
  }

  finish(): Sheet {
    if (this.headers === null) throw new SpreadsheetError(`${this.name}: no header row`);
    return { name: this.name, headers: this.headers, rows: this.rows };
  }
}

/** Parses CSV text already in memory (kept for callers with text; files go through readCsvFile). */
export function readCsv(text: string, name: string, limits: SpreadsheetLimits = SPREADSHEET_LIMITS): Sheet {
  const builder = new SheetBuilder(name, limits);
  let rowNumber = 0;
  let failure: unknown = null;
  Papa.parse<string[]>(text.replace(/^\uFEFF/, ''), {
    skipEmptyLines: false,
    step(result, parser) {
      rowNumber++;
      try {
        csvStepErrors(result.errors, name, rowNumber);
        builder.add(result.data, rowNumber);
      } catch (error) {
        failure = error;
        parser.abort();
      }
    },
  });
  if (failure) throw failure;
  return builder.finish();
}

/** Streams a CSV file through papaparse: rows are checked as they are read, never all held raw. */
async function readCsvFile(filePath: string, name: string, limits: SpreadsheetLimits): Promise<Sheet> {
  const builder = new SheetBuilder(name, limits);
  let rowNumber = 0;
  const stream = fs.createReadStream(filePath, { encoding: 'utf8' });
  return new Promise<Sheet>((resolve, reject) => {
    let failure: unknown = null;
    Papa.parse<string[]>(stream as unknown as File, {
      skipEmptyLines: false,
      step(result, parser) {
        rowNumber++;
        try {
          if (rowNumber === 1 && result.data.length > 0) result.data[0] = result.data[0].replace(/^\uFEFF/, '');
          csvStepErrors(result.errors, name, rowNumber);
          builder.add(result.data, rowNumber);
        } catch (error) {
          failure = error;
          parser.abort();
          stream.destroy();
        }
      },
      complete() {
        if (failure) return reject(failure);
        try {
          resolve(builder.finish());
        } catch (error) {
          reject(error);
        }
      },
      error(error: Error) {
        reject(failure ?? new SpreadsheetError(`cannot read ${name}: ${error.message}`));
      },
    });
  });
}

function csvStepErrors(errors: Papa.ParseError[], name: string, rowNumber: number): void {
  const fatal = errors.find((e) => e.type === 'Quotes');
  if (fatal) throw new SpreadsheetError(`${name}: malformed CSV at row ${rowNumber}: ${fatal.message}`);
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

// ---------------------------------------------------------------- XLSX

interface ZipArchive {
  entries: Map<string, yauzl.Entry>;
  zip: yauzl.ZipFile;
}

async function readXlsx(filePath: string, fileName: string, limits: SpreadsheetLimits): Promise<Sheet[]> {
  const archive = await openZip(filePath, fileName, limits);
  const budget = { left: limits.inflatedBytes };
  try {
    const part = (name: string) => archive.entries.get(name);
    const workbookXml = part('xl/workbook.xml');
    if (!workbookXml) throw new SpreadsheetError(`${fileName}: not a readable XLSX workbook (no xl/workbook.xml)`);
    const book = await parseWorkbook(archive, workbookXml, fileName, budget);
    const rels = part('xl/_rels/workbook.xml.rels');
    const targets = rels ? await parseRelationships(archive, rels, fileName, budget) : new Map<string, string>();
    const shared = part('xl/sharedStrings.xml');
    const sharedStrings = shared ? await parseSharedStrings(archive, shared, fileName, budget, limits) : [];
    const stylesPart = part('xl/styles.xml');
    const dateStyles = stylesPart ? await parseDateStyles(archive, stylesPart, fileName, budget) : new Set<number>();
    if (book.sheets.length > limits.sheets) {
      throw new SpreadsheetError(`${fileName} has ${book.sheets.length} sheets, above the limit of ${limits.sheets}`);
    }
    const sheets: Sheet[] = [];
    for (const sheet of book.sheets) {
      const target = targets.get(sheet.relId);
      const entryName = target ? resolvePart(target) : null;
      const entry = entryName ? part(entryName) : undefined;
      if (!entry) throw new SpreadsheetError(`${fileName}: not a readable XLSX workbook (sheet ${sheet.name} has no part)`);
      sheets.push(await parseWorksheet(archive, entry, { fileName, sheetName: sheet.name, sharedStrings, dateStyles, date1904: book.date1904, limits, budget }));
    }
    return sheets;
  } finally {
    archive.zip.close();
  }
}

function openZip(filePath: string, fileName: string, limits: SpreadsheetLimits): Promise<ZipArchive> {
  const unreadable = (error: Error) => new SpreadsheetError(`${fileName}: not a readable XLSX workbook (${error.message})`);
  return new Promise((resolve, reject) => {
    yauzl.open(filePath, { lazyEntries: true, autoClose: false, validateEntrySizes: true }, (error, zip) => {
      if (error || !zip) return reject(unreadable(error ?? new Error('no zip')));
      if (zip.entryCount > limits.zipEntries) {
        zip.close();
        return reject(new SpreadsheetError(`${fileName}: ${zip.entryCount} parts in the XLSX, above the limit of ${limits.zipEntries}`));
      }
      const entries = new Map<string, yauzl.Entry>();
      let declared = 0;
      zip.on('entry', (entry: yauzl.Entry) => {
        declared += entry.uncompressedSize;
        entries.set(entry.fileName.replace(/^\//, ''), entry);
        zip.readEntry();
      });
      zip.on('end', () => {
        // Sizes are declared in the central directory and verified while inflating (validateEntrySizes).
        if (declared > limits.inflatedBytes) {
          zip.close();
          return reject(inflatedTooLarge(fileName, limits));
        }
        resolve({ entries, zip });
      });
      zip.on('error', (e: Error) => reject(unreadable(e)));
      zip.readEntry();
    });
  });
}

/** Streams one zip part through a SAX parser; `budget` caps the inflated bytes of all parts. */
function parseXmlPart(
  archive: ZipArchive,
  entry: yauzl.Entry,
  fileName: string,
  budget: { left: number },
  handlers: (parser: SaxesParser) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    archive.zip.openReadStream(entry, (error, stream) => {
      if (error || !stream) return reject(new SpreadsheetError(`${fileName}: not a readable XLSX workbook (${error?.message ?? 'no stream'})`));
      const parser = new SaxesParser();
      const decoder = new StringDecoder('utf8');
      let failed = false;
      const fail = (failure: unknown) => {
        if (failed) return;
        failed = true;
        stream.destroy();
        reject(failure instanceof SpreadsheetError ? failure : new SpreadsheetError(`${fileName}: not a readable XLSX workbook (${entry.fileName}: ${(failure as Error).message})`));
      };
      parser.on('error', fail);
      handlers(parser);
      stream.on('data', (chunk: Buffer) => {
        if (failed) return;
        budget.left -= chunk.length;
        if (budget.left < 0) return fail(inflatedTooLarge(fileName, null));
        try {
          parser.write(decoder.write(chunk));
        } catch (e) {
          fail(e);
        }
      });
      stream.on('error', fail);
      stream.on('end', () => {
        if (failed) return;
        try {
          parser.write(decoder.end());
          parser.close();
          resolve();
        } catch (e) {
          fail(e);
        }
      });
    });
  });
}

async function parseWorkbook(archive: ZipArchive, entry: yauzl.Entry, fileName: string, budget: { left: number }) {
  const sheets: { name: string; relId: string }[] = [];
  let date1904 = false;
  await parseXmlPart(archive, entry, fileName, budget, (parser) => {
    parser.on('opentag', (node) => {
      const local = localName(node.name);
      if (local === 'workbookPr') date1904 = ['1', 'true'].includes(String(node.attributes.date1904 ?? ''));
      if (local === 'sheet') sheets.push({ name: String(node.attributes.name ?? ''), relId: String(node.attributes['r:id'] ?? '') });
    });
  });
  return { sheets, date1904 };
}

async function parseRelationships(archive: ZipArchive, entry: yauzl.Entry, fileName: string, budget: { left: number }) {
  const targets = new Map<string, string>();
  await parseXmlPart(archive, entry, fileName, budget, (parser) => {
    parser.on('opentag', (node) => {
      if (localName(node.name) === 'Relationship') targets.set(String(node.attributes.Id ?? ''), String(node.attributes.Target ?? ''));
    });
  });
  return targets;
}

/** Workbook-relative targets ("worksheets/sheet1.xml") or absolute ("/xl/worksheets/sheet1.xml"). */
function resolvePart(target: string): string {
  return target.startsWith('/') ? target.slice(1) : path.posix.normalize(`xl/${target}`);
}

async function parseSharedStrings(archive: ZipArchive, entry: yauzl.Entry, fileName: string, budget: { left: number }, limits: SpreadsheetLimits) {
  const strings: string[] = [];
  let text: string | null = null;
  let inT = false;
  let phonetic = 0;
  await parseXmlPart(archive, entry, fileName, budget, (parser) => {
    parser.on('opentag', (node) => {
      const local = localName(node.name);
      if (local === 'si') text = '';
      else if (local === 'rPh') phonetic++;
      else if (local === 't' && phonetic === 0) inT = true;
    });
    parser.on('text', (value) => {
      if (inT && text !== null) {
        text += value;
        if (text.length > limits.cellChars) throw tooLongCell(fileName, `shared string ${strings.length + 1}`, limits);
      }
    });
    parser.on('closetag', (node) => {
      const local = localName(node.name);
      if (local === 't') inT = false;
      else if (local === 'rPh') phonetic--;
      else if (local === 'si') {
        strings.push(text ?? '');
        text = null;
      }
    });
  });
  return strings;
}

// Built-in number formats that are dates (ECMA-376 Part 1, §18.8.30), incl. the East Asian ones.
const BUILTIN_DATE_FORMATS = new Set([14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 45, 46, 47, 50, 51, 52, 53, 54, 55, 56, 57, 58]);

/** The cellXfs indexes (a cell's s="…") whose number format shows a date. */
async function parseDateStyles(archive: ZipArchive, entry: yauzl.Entry, fileName: string, budget: { left: number }) {
  const customDate = new Set<number>();
  const xfFormats: number[] = [];
  let inCellXfs = false;
  await parseXmlPart(archive, entry, fileName, budget, (parser) => {
    parser.on('opentag', (node) => {
      const local = localName(node.name);
      if (local === 'numFmt' && isDateFormatCode(String(node.attributes.formatCode ?? ''))) customDate.add(Number(node.attributes.numFmtId));
      else if (local === 'cellXfs') inCellXfs = true;
      else if (local === 'xf' && inCellXfs) xfFormats.push(Number(node.attributes.numFmtId ?? 0));
    });
    parser.on('closetag', (node) => {
      if (localName(node.name) === 'cellXfs') inCellXfs = false;
    });
  });
  const dates = new Set<number>();
  xfFormats.forEach((id, index) => {
    if (BUILTIN_DATE_FORMATS.has(id) || customDate.has(id)) dates.add(index);
  });
  return dates;
}

/** A format code shows a date/time when, outside quotes, brackets and escapes, it uses d, m, y, h or s. */
function isDateFormatCode(code: string): boolean {
  const bare = code.replace(/"[^"]*"/g, '').replace(/\[[^\]]*\]/g, '').replace(/\\./g, '').replace(/_./g, '');
  return /[dmyhs]/i.test(bare) && !/^general$/i.test(bare.trim());
}

interface WorksheetContext {
  fileName: string;
  sheetName: string;
  sharedStrings: string[];
  dateStyles: Set<number>;
  date1904: boolean;
  limits: SpreadsheetLimits;
  budget: { left: number };
}

/** Streams one worksheet: cells are checked against the limits the moment they are read. */
async function parseWorksheet(archive: ZipArchive, entry: yauzl.Entry, ctx: WorksheetContext): Promise<Sheet> {
  const where = `${ctx.fileName} sheet ${ctx.sheetName}`;
  const { limits } = ctx;
  let headers: string[] | null = null;
  const rows: SheetRow[] = [];
  let rowNumber = 0;
  let rowCells: Map<number, Cell> = new Map();
  let cell: { ref: string; col: number; type: string; style: number; formula: string | null; value: string | null; inline: string | null } | null = null;
  let textTarget: 'v' | 'f' | 'is' | null = null;
  let nextRow = 1;

  const finishRow = () => {
    if (rowNumber === 1) {
      // The header is row 1; trailing empty header cells are ignored.
      const raw: string[] = [];
      const last = Math.max(0, ...rowCells.keys());
      for (let c = 1; c <= last; c++) {
        const v = rowCells.get(c);
        raw.push(v === null || v === undefined ? '' : String(v));
      }
      while (raw.length && raw[raw.length - 1] === '') raw.pop();
      headers = raw.length === 0 ? [] : headerNames(raw, where);
    } else if (headers && headers.length > 0) {
      const cells: Record<string, Cell> = {};
      let any = false;
      headers.forEach((h, j) => {
        const v = rowCells.get(j + 1) ?? null;
        cells[h] = v;
        if (v !== null) any = true;
      });
      if (any) rows.push({ rowNumber, cells });
    }
    rowCells = new Map();
  };

  await parseXmlPart(archive, entry, ctx.fileName, ctx.budget, (parser) => {
    parser.on('opentag', (node: SaxesTagPlain) => {
      const local = localName(node.name);
      if (local === 'row') {
        rowNumber = node.attributes.r ? Number(node.attributes.r) : nextRow;
        nextRow = rowNumber + 1;
        if (rowNumber > 1 && headers === null) headers = []; // no row 1: no header, nothing to import
      } else if (local === 'c') {
        const ref = String(node.attributes.r ?? '');
        const parsed = ref ? parseCellRef(ref) : null;
        const col = parsed?.col ?? Math.max(0, ...rowCells.keys()) + 1;
        cell = { ref: ref || `${columnName(col)}${rowNumber}`, col, type: String(node.attributes.t ?? 'n'), style: Number(node.attributes.s ?? 0), formula: null, value: null, inline: null };
      } else if (cell && (local === 'v' || local === 'f')) {
        textTarget = local;
        if (local === 'f') cell.formula = cell.formula ?? '';
        if (local === 'v') cell.value = cell.value ?? '';
      } else if (cell && local === 'is') {
        textTarget = 'is';
        cell.inline = cell.inline ?? '';
      }
    });
    parser.on('text', (value) => {
      if (!cell || textTarget === null) return;
      if (textTarget === 'v') cell.value = (cell.value ?? '') + value;
      else if (textTarget === 'f') cell.formula = (cell.formula ?? '') + value;
      else cell.inline = (cell.inline ?? '') + value;
      if ((cell.value?.length ?? 0) > limits.cellChars || (cell.inline?.length ?? 0) > limits.cellChars) throw tooLongCell(where, `cell ${cell.ref}`, limits);
    });
    parser.on('closetag', (node) => {
      const local = localName(node.name);
      if (local === 'v' || local === 'f' || local === 'is') textTarget = null;
      else if (local === 'c' && cell) {
        const value = cellValue(cell, ctx, where);
        // Only cells with content count against the limits: Excel keeps formatted empty cells far out.
        if (value !== null) {
          if (cell.col > limits.columns) throw new SpreadsheetError(`${where}: cell ${cell.ref} is beyond the limit of ${limits.columns.toLocaleString('en-US')} columns (${columnName(limits.columns)})`);
          if (rowNumber > limits.rows + 1) throw tooManyRows(`${where} (cell ${cell.ref})`, limits);
          rowCells.set(cell.col, value);
        }
        cell = null;
      } else if (local === 'row') {
        finishRow();
      }
    });
  });
  if (headers === null || (headers as string[]).length === 0) return { name: ctx.sheetName, headers: [], rows: [] };
  return { name: ctx.sheetName, headers, rows };
}

type RawCell = { ref: string; type: string; style: number; formula: string | null; value: string | null; inline: string | null };

/** The imported value of a cell (SpreadsheetML types, ECMA-376 §18.18.11 ST_CellType). */
function cellValue(cell: RawCell, ctx: WorksheetContext, where: string): Cell {
  if (cell.formula !== null && cell.value === null) {
    throw new SpreadsheetError(
      `${where}: cell ${cell.ref} holds a formula (${cell.formula ? `=${cell.formula.slice(0, 40)}` : 'shared formula'}) without a saved result; open the file in Excel or LibreOffice, save it, and import again (or paste the values)`,
    );
  }
  const text = (value: string) => (value.trim() === '' ? null : value.trim());
  switch (cell.type) {
    case 's': {
      if (cell.value === null) return null;
      const s = ctx.sharedStrings[Number(cell.value)];
      if (s === undefined) throw new SpreadsheetError(`${where}: cell ${cell.ref} refers to a missing shared string`);
      return text(s);
    }
    case 'inlineStr':
      return cell.inline === null ? (cell.value === null ? null : text(cell.value)) : text(cell.inline);
    case 'str':
      return cell.value === null ? null : text(cell.value);
    case 'b':
      return cell.value === null ? null : cell.value.trim() === '1';
    case 'e':
      return null; // #N/A, #DIV/0! …: no value
    case 'd':
      return cell.value === null ? null : text(cell.value.slice(0, 10));
    default: {
      if (cell.value === null || cell.value.trim() === '') return null;
      const n = Number(cell.value);
      if (!Number.isFinite(n)) throw new SpreadsheetError(`${where}: cell ${cell.ref} holds "${cell.value.slice(0, 20)}", which is not a number`);
      return ctx.dateStyles.has(cell.style) ? isoFromSerial(n, ctx.date1904) : n;
    }
  }
}

/** Excel serial day → ISO date. 1900 system: day 0 = 1899-12-30 (absorbs Excel's 1900 leap-year bug for dates after Feb 1900). */
function isoFromSerial(serial: number, date1904: boolean): string {
  const epoch = date1904 ? Date.UTC(1904, 0, 1) : Date.UTC(1899, 11, 30);
  return new Date(epoch + Math.floor(serial + 1e-9) * 86_400_000).toISOString().slice(0, 10);
}

function parseCellRef(ref: string): { col: number; row: number } | null {
  const match = /^\$?([A-Z]{1,3})\$?(\d+)$/i.exec(ref);
  if (!match) return null;
  let col = 0;
  for (const ch of match[1].toUpperCase()) col = col * 26 + (ch.charCodeAt(0) - 64);
  return { col, row: Number(match[2]) };
}

function columnName(col: number): string {
  let name = '';
  for (let n = col; n > 0; n = Math.floor((n - 1) / 26)) name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  return name;
}

function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(colon + 1);
}

// ---------------------------------------------------------------- messages and hashing

function tooManyRows(where: string, limits: SpreadsheetLimits): SpreadsheetError {
  return new SpreadsheetError(`${where}: more than ${limits.rows.toLocaleString('en-US')} data rows, the limit for one sheet; split the table into smaller files`);
}

function tooLongCell(where: string, cell: string, limits: SpreadsheetLimits): SpreadsheetError {
  return new SpreadsheetError(`${where}: ${cell} holds more than ${limits.cellChars.toLocaleString('en-US')} characters, the limit for one cell`);
}

function inflatedTooLarge(fileName: string, limits: SpreadsheetLimits | null): SpreadsheetError {
  const limit = limits ? ` of ${megabytes(limits.inflatedBytes)}` : '';
  return new SpreadsheetError(`${fileName}: the workbook unpacks to more than the import limit${limit} (a compressed "zip bomb" or a far too large table)`);
}

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0)} MB`;
}

function sha256OfFile(filePath: string, fileName: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    fs.createReadStream(filePath)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', (error: NodeJS.ErrnoException) => reject(new SpreadsheetError(`cannot read ${fileName}: ${error.code ?? error.message}`)))
      .on('end', () => resolve(hash.digest('hex')));
  });
}
