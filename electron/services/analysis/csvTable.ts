// CSV input of the analysis commands (cli.md "Input data"): RFC 4180 quoting, UTF-8 with optional
// BOM (UTF-16 files are recognised and transcoded), empty cells and NA are missing, rows with a missing value in a used column are dropped (R's
// na.omit). The file is scanned once into cell offsets; cells are decoded only for the columns a
// command uses, numbers straight from the bytes — a 1M-row file parses in well under a second.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { ascendingOrder } from '../../../shared/stats/timeOrder';
import { CliError } from '../../cli/options';

const COMMA = 44;
const QUOTE = 34;
const CR = 13;
const LF = 10;

export interface Factor {
  /** Distinct values as written, in cli.md's group order (numeric if all numeric, else code point). */
  levels: string[];
  /** Per selected row, index into `levels`. */
  codes: Int32Array;
}

/** Group order of cli.md: numeric order when every value is a number, otherwise code-point order. */
export function orderLevels(values: Iterable<string>): string[] {
  const levels = [...new Set(values)];
  return levels.length === 0 ? levels : orderDistinctLevels(levels, Float64Array.from(levels, (l) => parseDecimal(l) ?? NaN));
}

/** orderLevels for distinct `levels` whose numeric values (NaN = not a number) are known. */
function orderDistinctLevels(levels: string[], numbers: Float64Array): string[] {
  return Array.from(levelOrder(levels, numbers), (i) => levels[i]);
}

/** Indices of distinct `levels` in cli.md's group order. */
function levelOrder(levels: string[], numbers: Float64Array): Uint32Array {
  if (numbers.some((v) => Number.isNaN(v))) {
    return Uint32Array.from(Array.from(levels.keys()).sort((a, b) => compareCodePoints(levels[a], levels[b])));
  }
  const order = ascendingOrder(numbers);
  // Equal numbers written differently ("1", "1.0"): code-point order within the tie.
  for (let i = 0; i < order.length; ) {
    let j = i + 1;
    while (j < order.length && numbers[order[j]] === numbers[order[i]]) j++;
    if (j - i > 1) order.set(order.slice(i, j).sort((a, b) => compareCodePoints(levels[a], levels[b])), i);
    i = j;
  }
  return order;
}

function compareCodePoints(a: string, b: string): number {
  // JS string comparison is UTF-16 code-unit order; compare by code point so astral characters sort right.
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return x.done ? (y.done ? 0 : -1) : 1;
    const d = x.value.codePointAt(0)! - y.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A decimal number as text (surrounding blanks allowed), else null. No Inf/NaN/hex. */
export function parseDecimal(text: string): number | null {
  const t = text.trim();
  if (!DECIMAL.test(t)) return null;
  return Number(t);
}

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

export class CsvTable {
  readonly path: string;
  readonly columnNames: readonly string[];
  readonly rowCount: number;
  private readonly bytes: Uint8Array;
  private readonly ncol: number;
  /** Per column, its slot in a stored row, or −1 when the table was read for other columns. */
  private readonly slotOf: Int32Array;
  /** Stored cells per row (the kept columns). */
  private readonly stride: number;
  /** Row-major cell start offsets into `bytes`. */
  private readonly starts: Int32Array;
  /** Row-major cell end offsets; stored as ~end when the quoted cell contains escaped quotes (""). */
  private readonly ends: Int32Array;
  private readonly decoder = new TextDecoder('utf-8');

  /**
   * `columns`: when given, only these columns' cells are kept (the others are scanned, checked for
   * their count and forgotten) — half the memory and stores on a 10⁶-row file read for 3 of 6 columns.
   */
  constructor(path: string, bytes: Uint8Array, columns?: readonly string[]) {
    this.path = path;
    this.bytes = bytes;
    let pos = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;

    // Header
    const header: string[] = [];
    const hs: number[] = [];
    const he: number[] = [];
    pos = this.scanRecord(pos, hs, he, 0);
    for (let i = 0; i < hs.length; i++) header.push(this.cellText(hs[i], he[i]));
    if (header.length === 0 || (header.length === 1 && header[0] === '')) {
      throw new CliError(`${basename(path)}: no header row`);
    }
    this.columnNames = header;
    this.ncol = header.length;
    const slotOf = new Int32Array(this.ncol).fill(-1);
    let stride = 0;
    for (let c = 0; c < this.ncol; c++) if (!columns || columns.includes(header[c])) slotOf[c] = stride++;
    this.slotOf = slotOf;
    this.stride = stride;

    const body = scanRows(bytes, pos, { ncol: this.ncol, slotOf, stride });
    if (body.error) throw new CliError(this.scanFailure(body.error));
    this.rowCount = body.rows;
    this.starts = body.starts;
    this.ends = body.ends;
  }

  /** The message for a record the scan could not read (scanRows' rows count from the body's start). */
  private scanFailure(error: ScanError): string {
    const name = basename(this.path);
    const row = error.row + 1;
    if (error.kind === 'unterminated') return `${name}: unterminated quoted field in row ${row} (line ${this.lineOf(error.offset)})`;
    if (error.kind === 'afterQuote') return `${name}: unexpected text after closing quote in row ${row} (line ${this.lineOf(error.offset)})`;
    return `${name}: row ${row} (line ${this.lineOf(error.offset)}) has ${error.fields} fields but the header has ${this.ncol}`;
  }

  /** Scans one record from `pos` (used for the header); returns the position after it. */
  private scanRecord(pos: number, starts: number[], ends: number[], row: number): number {
    const bytes = this.bytes;
    const n = bytes.length;
    if (pos >= n) return pos;
    for (;;) {
      if (pos < n && bytes[pos] === QUOTE) {
        const end = closingQuote(bytes, pos + 1);
        if (end === -1) throw new CliError(`${basename(this.path)}: unterminated quoted field in row ${row}`);
        starts.push(pos + 1);
        ends.push(end);
        pos = (end < 0 ? ~end : end) + 1;
      } else {
        let p = pos;
        while (p < n && bytes[p] !== COMMA && bytes[p] !== LF && bytes[p] !== CR) p++;
        starts.push(pos);
        ends.push(p);
        pos = p;
      }
      if (pos < n && bytes[pos] === COMMA) {
        pos++;
        continue;
      }
      if (pos < n && bytes[pos] === CR) pos++;
      if (pos < n && bytes[pos] === LF) pos++;
      return pos;
    }
  }

  private lineOf(offset: number): number {
    let line = 1;
    for (let p = this.bytes.indexOf(LF); p >= 0 && p < offset; p = this.bytes.indexOf(LF, p + 1)) line++;
    return line;
  }

  private cellText(start: number, end: number): string {
    if (end < 0) return this.decoder.decode(this.bytes.subarray(start, ~end)).replaceAll('""', '"');
    // Short ASCII cells (codes, ids) are the common case; building them directly avoids decoder overhead.
    if (end - start <= 24) {
      const bytes = this.bytes;
      let text = '';
      for (let p = start; p < end; p++) {
        const c = bytes[p];
        if (c >= 0x80) return this.decoder.decode(bytes.subarray(start, end));
        text += String.fromCharCode(c);
      }
      return text;
    }
    return this.decoder.decode(this.bytes.subarray(start, end));
  }

  hasColumn(name: string): boolean {
    return this.columnNames.includes(name);
  }

  columnIndex(name: string): number {
    const index = this.columnNames.indexOf(name);
    if (index < 0) {
      throw new CliError(
        `unknown column '${name}' in ${basename(this.path)} (columns: ${this.columnNames.join(', ')})`,
      );
    }
    // A repeated header name would make the choice of column silent (R's read.csv renames it).
    if (this.columnNames.indexOf(name, index + 1) >= 0) {
      throw new CliError(`column '${name}' appears more than once in the header of ${basename(this.path)}`);
    }
    return index;
  }

  /**
   * The rows with no missing value in any of `columns` (R's na.omit over the model frame).
   * Throws CliError naming an unknown column.
   */
  select(columns: readonly string[]): CsvFrame {
    const slots = Int32Array.from(new Set(columns), (c) => this.slot(this.columnIndex(c)));
    const { stride, starts, ends, bytes, rowCount } = this;
    const keep = new Int32Array(rowCount);
    let n = 0;
    // Missing = empty or NA (cli.md), checked in one loop over 10⁶ rows × the used columns (issue 15).
    outer: for (let r = 0; r < rowCount; r++) {
      for (let k = 0; k < slots.length; k++) {
        const cell = r * stride + slots[k];
        const s = starts[cell];
        const len = ends[cell] - s; // an escaped quoted cell's end is negative: never missing
        if (len === 0 || (len === 2 && bytes[s] === 78 /* N */ && bytes[s + 1] === 65 /* A */)) continue outer;
      }
      keep[n++] = r;
    }
    return new CsvFrame(this, keep.subarray(0, n), new Set(columns));
  }

  /** The stored slot of a column; the table must have been read for it. */
  private slot(col: number): number {
    const slot = this.slotOf[col];
    if (slot < 0) throw new Error(`column '${this.columnNames[col]}' was not read (readCsvTable columns)`);
    return slot;
  }

  /** Decoded text of one cell (row = 0-based data row). */
  text(row: number, col: number): string {
    const cell = row * this.stride + this.slot(col);
    return this.cellText(this.starts[cell], this.ends[cell]);
  }

  /** Error text locating a cell: "row 12 (line 13), column 'time'". */
  where(row: number, col: number): string {
    return `row ${row + 1} (line ${this.lineOf(this.starts[row * this.stride + this.slot(col)])}), column '${this.columnNames[col]}'`;
  }

  get fileName(): string {
    return basename(this.path);
  }

  /**
   * The cells of `col` in `rows` as integers when every one is written as a plain non-negative integer
   * ("0", "17"; no sign, no leading zero, < 10⁹), else null.
   */
  plainIntegers(rows: Int32Array, col: number): Int32Array | null {
    const out = new Int32Array(rows.length);
    const { bytes, starts, ends, stride } = this;
    const slot = this.slot(col);
    for (let i = 0; i < rows.length; i++) {
      const cell = rows[i] * stride + slot;
      const s = starts[cell];
      const e = ends[cell];
      const len = e - s;
      if (len <= 0 || len > 9 || (len > 1 && bytes[s] === 48)) return null;
      let v = 0;
      for (let p = s; p < e; p++) {
        const d = bytes[p] - 48;
        if (d < 0 || d > 9) return null;
        v = v * 10 + d;
      }
      out[i] = v;
    }
    return out;
  }

  /** The cells of `col` in `rows` when every one is a single digit 0–9 (event codes), else null. */
  singleDigits(rows: Int32Array, col: number): Uint8Array | null {
    const out = new Uint8Array(rows.length);
    const { bytes, starts, ends, stride } = this;
    const slot = this.slot(col);
    for (let i = 0; i < rows.length; i++) {
      const cell = rows[i] * stride + slot;
      const s = starts[cell];
      const d = bytes[s] - 48;
      if (ends[cell] - s !== 1 || d < 0 || d > 9) return null;
      out[i] = d;
    }
    return out;
  }

  /**
   * Parses the cells of `col` in `rows` into `out`; returns the index of the first cell that is not
   * a decimal number, or −1. Same rules as number(), in one tight loop over the column.
   */
  numbersInto(rows: Int32Array, col: number, out: Float64Array): number {
    const { bytes, starts, ends, stride } = this;
    const slot = this.slot(col);
    for (let i = 0; i < rows.length; i++) {
      const cell = rows[i] * stride + slot;
      const s = starts[cell];
      const e = ends[cell];
      let p = s;
      let negative = false;
      if (e > s && (bytes[p] === 45 || bytes[p] === 43)) {
        negative = bytes[p] === 45;
        p++;
      }
      let mantissa = 0;
      let digits = 0;
      let fraction = 0;
      let any = false;
      while (p < e) {
        const d = bytes[p] - 48;
        if (d < 0 || d > 9) break;
        mantissa = mantissa * 10 + d;
        if (mantissa !== 0) digits++;
        any = true;
        p++;
      }
      if (p < e && bytes[p] === 46) {
        p++;
        while (p < e) {
          const d = bytes[p] - 48;
          if (d < 0 || d > 9) break;
          mantissa = mantissa * 10 + d;
          if (mantissa !== 0) digits++;
          fraction++;
          any = true;
          p++;
        }
      }
      let value: number;
      if (e >= 0 && p === e && any && digits <= 15 && fraction <= 22) {
        value = fraction === 0 ? mantissa : mantissa / POW10[fraction];
        if (negative) value = -value;
      } else {
        value = this.number(rows[i], col);
        if (Number.isNaN(value)) return i;
      }
      out[i] = value;
    }
    return -1;
  }

  /** Parses a numeric cell straight from the bytes; NaN when it is not a decimal number. */
  number(row: number, col: number): number {
    const cell = row * this.stride + this.slot(col);
    const bytes = this.bytes;
    const s = this.starts[cell];
    const e = this.ends[cell];
    if (e < 0) return parseDecimal(this.cellText(s, e)) ?? NaN;
    // Fast exact path (Clinger): ≤15 significant digits and |power of ten| ≤ 22 give a correctly
    // rounded double from one multiplication or division; anything else goes through Number().
    let p = s;
    let negative = false;
    if (p < e && (bytes[p] === 45 || bytes[p] === 43)) {
      negative = bytes[p] === 45;
      p++;
    }
    let mantissa = 0;
    let digits = 0;
    let fraction = 0;
    let any = false;
    while (p < e) {
      const d = bytes[p] - 48;
      if (d < 0 || d > 9) break;
      mantissa = mantissa * 10 + d;
      if (mantissa !== 0) digits++;
      any = true;
      p++;
    }
    if (p < e && bytes[p] === 46) {
      p++;
      while (p < e) {
        const d = bytes[p] - 48;
        if (d < 0 || d > 9) break;
        mantissa = mantissa * 10 + d;
        if (mantissa !== 0) digits++;
        fraction++;
        any = true;
        p++;
      }
    }
    if (p !== e || !any || digits > 15 || fraction > 22) {
      return parseDecimal(this.cellText(s, e)) ?? NaN;
    }
    const value = fraction === 0 ? mantissa : mantissa / POW10[fraction];
    return negative ? -value : value;
  }
}

/** The complete-case rows of a CsvTable for a set of used columns, with typed column getters. */
export class CsvFrame {
  readonly table: CsvTable;
  /** 0-based data row of each kept row. */
  readonly rows: Int32Array;
  private readonly used: Set<string>;

  constructor(table: CsvTable, rows: Int32Array, used: Set<string>) {
    this.table = table;
    this.rows = rows;
    this.used = used;
  }

  get n(): number {
    return this.rows.length;
  }

  private column(name: string): number {
    if (!this.used.has(name)) throw new Error(`column '${name}' was not selected`);
    return this.table.columnIndex(name);
  }

  /** Numeric column; CliError naming the row and column for a value that is not a number. */
  numeric(name: string): Float64Array {
    const col = this.column(name);
    const { table, rows } = this;
    const out = new Float64Array(rows.length);
    const bad = table.numbersInto(rows, col, out);
    if (bad >= 0) {
      throw new CliError(
        `${table.fileName}: non-numeric value '${table.text(rows[bad], col)}' in ${table.where(rows[bad], col)}`,
      );
    }
    // A decimal beyond ±1.8e308 (e.g. 1e999) parses as ±Infinity; R would read Inf, which survival
    // and cmprsk treat as a real time/value — refused like the text 'Inf' (issue 13, class 1).
    for (let i = 0; i < out.length; i++) {
      if (out[i] === Infinity || out[i] === -Infinity) {
        throw new CliError(
          `${table.fileName}: value '${table.text(rows[i], col).trim()}' in ${table.where(rows[i], col)} is too large (beyond ±1.8e308, it would be infinite)`,
        );
      }
    }
    return out;
  }

  /** Survival time: numeric and non-negative. */
  time(name: string): Float64Array {
    const out = this.numeric(name);
    for (let i = 0; i < out.length; i++) {
      out[i] += 0; // −0 → +0, so bit-pattern sorting of times is valid
      if (out[i] < 0) {
        const { table, rows } = this;
        const col = table.columnIndex(name);
        throw new CliError(
          `${table.fileName}: negative time ${table.text(rows[i], col)} in ${table.where(rows[i], col)}`,
        );
      }
    }
    return out;
  }

  /**
   * Event indicator 1 = event, 0 = censored, from 0/1, 1/2 (2 = event, as R's Surv) or true/false.
   * As Surv(): all values in {0,1} → as is; else all in {1,2} → value − 1; anything else is an error.
   */
  event(name: string): Uint8Array {
    const col = this.column(name);
    const { table, rows } = this;
    const digits = table.singleDigits(rows, col);
    const fast = digits ? eventCodes(digits) : null;
    if (fast) return fast;
    const out = new Uint8Array(rows.length);
    const allowed = 'allowed codings are 0/1, 1/2 (2 = event) or true/false';
    let logical = -1; // -1 unknown, 1 logical, 0 numeric
    let seen0 = -1;
    let seen2 = -1;
    for (let i = 0; i < rows.length; i++) {
      const v = table.number(rows[i], col);
      let code: number;
      let isLogical: number;
      if (Number.isNaN(v)) {
        const text = table.text(rows[i], col).trim();
        if (text === 'true' || text === 'TRUE' || text === 'True' || text === 'T') code = 1;
        else if (text === 'false' || text === 'FALSE' || text === 'False' || text === 'F') code = 0;
        else throw new CliError(`${table.fileName}: event code '${text}' in ${table.where(rows[i], col)}; ${allowed}`);
        isLogical = 1;
      } else {
        if (v !== 0 && v !== 1 && v !== 2) {
          throw new CliError(
            `${table.fileName}: event code '${table.text(rows[i], col)}' in ${table.where(rows[i], col)}; ${allowed}`,
          );
        }
        code = v;
        isLogical = 0;
        if (v === 0 && seen0 < 0) seen0 = i;
        if (v === 2 && seen2 < 0) seen2 = i;
      }
      if (logical === -1) logical = isLogical;
      else if (logical !== isLogical) {
        throw new CliError(
          `${table.fileName}: event column mixes numbers and true/false at ${table.where(rows[i], col)}; ${allowed}`,
        );
      }
      out[i] = code;
    }
    if (seen0 >= 0 && seen2 >= 0) {
      const i = Math.max(seen0, seen2);
      throw new CliError(
        `${table.fileName}: event column has both 0 and 2 (at ${table.where(rows[i], col)}); ${allowed}`,
      );
    }
    if (seen2 >= 0) for (let i = 0; i < out.length; i++) out[i] -= 1;
    return out;
  }

  /** Values as written, as a factor with cli.md's group order. */
  factor(name: string): Factor {
    const col = this.column(name);
    const { table, rows } = this;
    const n = rows.length;
    // Group codes written as one digit (0/1, arms 1–3): one pass, as the integer path below orders them.
    const digits = table.singleDigits(rows, col);
    if (digits) return digitFactor(digits);
    const firstCodes = new Int32Array(n);
    const names: string[] = [];
    const values: number[] = [];
    const ints = table.plainIntegers(rows, col);
    if (ints) {
      // Ids and codes written as plain integers: dense lookup, no strings per row.
      let max = 0;
      for (let i = 0; i < n; i++) if (ints[i] > max) max = ints[i];
      const lookup = max <= 4 * n + 1024 ? new Int32Array(max + 1).fill(-1) : null;
      const sparse = lookup ? null : new Map<number, number>();
      const distinct: number[] = [];
      let count = 0;
      for (let i = 0; i < n; i++) {
        const v = ints[i];
        let code = lookup ? lookup[v] : (sparse!.get(v) ?? -1);
        if (code < 0) {
          code = count++;
          distinct.push(v);
          if (lookup) lookup[v] = code;
          else sparse!.set(v, code);
        }
        firstCodes[i] = code;
      }
      // Distinct plain integers order numerically with no ties; a dense lookup is already in order.
      const remap = new Int32Array(count);
      const levels: string[] = new Array(count);
      if (lookup) {
        let k = 0;
        for (let v = 0; v <= max; v++) {
          const code = lookup[v];
          if (code >= 0) {
            remap[code] = k;
            levels[k++] = String(v);
          }
        }
      } else {
        const numbers = Float64Array.from(distinct);
        const order = ascendingOrder(numbers);
        for (let k = 0; k < count; k++) {
          remap[order[k]] = k;
          levels[k] = String(numbers[order[k]]);
        }
      }
      for (let i = 0; i < n; i++) firstCodes[i] = remap[firstCodes[i]];
      return { levels, codes: firstCodes };
    } else {
      const seen = new Map<string, number>();
      let lastText = '';
      let lastCode = -1;
      for (let i = 0; i < n; i++) {
        const text = table.text(rows[i], col);
        // Consecutive repeats are common (sorted files); skip the map lookup then.
        if (lastCode >= 0 && text === lastText) {
          firstCodes[i] = lastCode;
          continue;
        }
        let code = seen.get(text);
        if (code === undefined) {
          code = names.length;
          names.push(text);
          values.push(table.number(rows[i], col));
          seen.set(text, code);
        }
        firstCodes[i] = code;
        lastText = text;
        lastCode = code;
      }
    }
    const order = levelOrder(names, Float64Array.from(values));
    const remap = new Int32Array(order.length);
    for (let k = 0; k < order.length; k++) remap[order[k]] = k;
    const codes = new Int32Array(n);
    for (let i = 0; i < n; i++) codes[i] = remap[firstCodes[i]];
    return { levels: Array.from(order, (i) => names[i]), codes };
  }

  /** Values as written. */
  strings(name: string): string[] {
    const col = this.column(name);
    const out: string[] = new Array(this.rows.length);
    for (let i = 0; i < this.rows.length; i++) out[i] = this.table.text(this.rows[i], col);
    return out;
  }
}

/** Which cells a scan keeps: per column its slot in a stored row (−1: not kept), `stride` slots per row. */
interface RowLayout {
  ncol: number;
  slotOf: Int32Array;
  stride: number;
}

/** A record the scan could not read; `row` counts from the scan's first row, `offset` locates its line. */
interface ScanError {
  kind: 'unterminated' | 'afterQuote' | 'fieldCount';
  row: number;
  offset: number;
  /** Fields found (fieldCount). */
  fields: number;
}

/** Rows scanned from a byte range: kept cells' start/end offsets, row-major (CsvTable's `starts`/`ends`). */
interface ScannedRows {
  rows: number;
  starts: Int32Array;
  ends: Int32Array;
  /** The first record that could not be read (the rows before it are scanned), or null. */
  error: ScanError | null;
}

/**
 * Scans the records from `from` (the first after the header) into cell offsets of the kept columns;
 * blank lines are skipped (R's blank.lines.skip). A cell's end is stored as ~end when the quoted cell
 * contains escaped quotes ("").
 */
function scanRows(bytes: Uint8Array, from: number, layout: RowLayout): ScannedRows {
  const { ncol, slotOf, stride } = layout;
  // Room for the rows estimated from the first lines' length (grown below when short): counting
  // every line feed first cost a third of the scan on 10⁶ rows (issue 15).
  const lines = estimateLines(bytes, from);
  let starts = new Int32Array(lines * stride);
  let ends = new Int32Array(lines * stride);
  let row = 0;
  let pos = from;
  const n = bytes.length;
  const scanned = (error: ScanError | null): ScannedRows => ({ rows: row, starts, ends, error });
  while (pos < n) {
    // Skip blank lines (R's blank.lines.skip).
    const b = bytes[pos];
    if (b === LF) {
      pos++;
      continue;
    }
    if (b === CR && (pos + 1 >= n || bytes[pos + 1] === LF)) {
      pos += pos + 1 < n ? 2 : 1;
      continue;
    }
    if ((row + 1) * stride > starts.length) {
      const grownS = new Int32Array(starts.length * 2 + stride);
      grownS.set(starts);
      starts = grownS;
      const grownE = new Int32Array(ends.length * 2 + stride);
      grownE.set(ends);
      ends = grownE;
    }
    const base = row * stride;
    const rowStart = pos;
    let col = 0;
    // Inline field scanner: the hot loop of the whole reader.
    for (;;) {
      let start: number;
      let end: number;
      if (pos < n && bytes[pos] === QUOTE) {
        start = pos + 1;
        end = closingQuote(bytes, start);
        if (end === -1) return scanned({ kind: 'unterminated', row, offset: start, fields: col });
        pos = (end < 0 ? ~end : end) + 1;
        if (pos < n && bytes[pos] !== COMMA && bytes[pos] !== LF && bytes[pos] !== CR) {
          return scanned({ kind: 'afterQuote', row, offset: pos, fields: col });
        }
      } else {
        start = pos;
        let p = pos;
        while (p < n) {
          const c = bytes[p];
          // Digits and letters are above ',' (44): one comparison for most bytes.
          if (c <= COMMA && (c === COMMA || c === LF || c === CR)) break;
          p++;
        }
        end = p;
        pos = p;
      }
      const slot = col < ncol ? slotOf[col] : -1;
      if (slot >= 0) {
        starts[base + slot] = start;
        ends[base + slot] = end;
      }
      col++;
      if (pos < n && bytes[pos] === COMMA) {
        pos++;
        continue;
      }
      // End of record
      if (pos < n && bytes[pos] === CR) pos++;
      if (pos < n && bytes[pos] === LF) pos++;
      break;
    }
    if (col !== ncol) return scanned({ kind: 'fieldCount', row, offset: rowStart, fields: col });
    row++;
  }
  return scanned(null);
}

/**
 * The closing quote of a quoted field whose text starts at `start`: its offset, or ~offset when the
 * field holds escaped quotes ("") — the form CsvTable stores as the cell's end — or −1 when the file
 * ends first (start ≥ 1, so ~offset ≤ −2).
 */
function closingQuote(bytes: Uint8Array, start: number): number {
  let escaped = false;
  for (let p = start; p < bytes.length; p++) {
    if (bytes[p] !== QUOTE) continue;
    if (p + 1 < bytes.length && bytes[p + 1] === QUOTE) {
      escaped = true;
      p++;
      continue;
    }
    return escaped ? ~p : p;
  }
  return -1;
}

/** Lines after `pos`, from the mean length of up to 256 of them (+25 %): a capacity, not a count. */
function estimateLines(bytes: Uint8Array, pos: number): number {
  let lines = 0;
  let p = pos;
  for (; lines < 256; lines++) {
    const next = bytes.indexOf(LF, p);
    if (next < 0) break;
    p = next + 1;
  }
  if (lines === 0 || p >= bytes.length) return lines + 1;
  return Math.ceil(((bytes.length - pos) / (p - pos)) * lines * 1.25) + 16;
}

/** A factor of single-digit values: levels are the digits present, in numeric order. */
function digitFactor(digits: Uint8Array): Factor {
  const rank = new Int32Array(10).fill(-1);
  for (let i = 0; i < digits.length; i++) rank[digits[i]] = 0;
  const levels: string[] = [];
  for (let d = 0; d < 10; d++) if (rank[d] === 0) rank[d] = levels.push(String(d)) - 1;
  const codes = new Int32Array(digits.length);
  for (let i = 0; i < digits.length; i++) codes[i] = rank[digits[i]];
  return { levels, codes };
}

/**
 * Event codes written as digits 0, 1, 2, by Surv()'s rule as CsvFrame.event (which handles every
 * other case and the error messages): 0/1 as they are, 1/2 as value − 1; 0 together with 2, or a
 * digit above 2, is the general path's error, so null sends the column there.
 */
function eventCodes(digits: Uint8Array): Uint8Array | null {
  let seen0 = false;
  let seen2 = false;
  let above2 = false;
  for (let i = 0; i < digits.length; i++) {
    const d = digits[i];
    if (d === 0) seen0 = true;
    else if (d === 2) seen2 = true;
    else if (d > 2) above2 = true;
  }
  if ((seen0 && seen2) || above2) return null;
  if (seen2) for (let i = 0; i < digits.length; i++) digits[i] -= 1;
  return digits;
}

/** Reads a CSV file (keeping only `columns`' cells when given); CliError when it cannot be read. */
export function readCsvTable(path: string, columns?: readonly string[]): CsvTable {
  let bytes: Uint8Array;
  try {
    const buffer = readFileSync(path);
    // A plain Uint8Array view keeps the scanner's element access monomorphic (Buffer is a subclass).
    bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length);
  } catch (error) {
    const code = (error as { code?: string }).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (error as Error).message;
    throw new CliError(`cannot read data file '${path}': ${reason}`);
  }
  if (bytes.length > 0x7fffffff) throw new CliError(`data file '${path}' is larger than 2 GB`);
  return new CsvTable(path, utf8Bytes(bytes), columns);
}

/**
 * The file's bytes as UTF-8. A UTF-16 file (Excel's "Unicode text", Windows tools) is recognised by
 * its byte-order mark, or without one by NUL bytes in every other position of its first line, and
 * transcoded; the scanner itself reads UTF-8 only.
 */
export function utf8Bytes(bytes: Uint8Array): Uint8Array {
  const encoding = utf16Encoding(bytes);
  if (!encoding) return bytes;
  const text = new TextDecoder(encoding, { fatal: false }).decode(bytes);
  // TextDecoder drops the BOM; the scanner skips a UTF-8 BOM but needs none.
  return new TextEncoder().encode(text);
}

function utf16Encoding(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | null {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  // No BOM: ASCII text in UTF-16 has a NUL in every high byte. Look at up to the first 64 code units.
  const units = Math.min(64, bytes.length >> 1);
  if (units < 2) return null;
  let evenNul = 0;
  let oddNul = 0;
  for (let i = 0; i < units; i++) {
    if (bytes[2 * i] === 0) evenNul++;
    if (bytes[2 * i + 1] === 0) oddNul++;
  }
  if (oddNul === units && evenNul === 0) return 'utf-16le';
  if (evenNul === units && oddNul === 0) return 'utf-16be';
  return null;
}
