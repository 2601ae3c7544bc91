// CSV input rules of cli.md: RFC 4180 quoting, BOM, CRLF, NA/empty missing, na.omit over used
// columns, event codings, group order.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { orderLevels, readCsvTable } from '../../../electron/services/analysis/csvTable';
import { CliError } from '../../../electron/cli/options';

const dir = mkdtempSync(join(tmpdir(), 'rtcw-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
function csv(content: string | Uint8Array): string {
  const path = join(dir, `t${counter++}.csv`);
  writeFileSync(path, content);
  return path;
}

describe('readCsvTable', () => {
  it('reads quoted fields with commas, escaped quotes and newlines, a BOM and CRLF line ends', () => {
    const text = '\uFEFF"name","t","e"\r\n"a, b",1.5,1\r\n"say ""hi""",2,0\r\n"two\nlines",3e0,1\r\n';
    const table = readCsvTable(csv(text));
    expect(table.columnNames).toEqual(['name', 't', 'e']);
    expect(table.rowCount).toBe(3);
    const frame = table.select(['name', 't', 'e']);
    expect(frame.strings('name')).toEqual(['a, b', 'say "hi"', 'two\nlines']);
    expect(Array.from(frame.time('t'))).toEqual([1.5, 2, 3]);
    expect(Array.from(frame.event('e'))).toEqual([1, 0, 1]);
  });

  it('drops rows with NA or empty cells only in the columns used (na.omit)', () => {
    const table = readCsvTable(csv('t,e,x,y\n1,1,NA,5\n2,0,3,\n3,1,4,6\n,1,1,1\n'));
    expect(table.select(['t', 'e']).n).toBe(3);
    expect(Array.from(table.select(['t', 'e', 'x']).rows)).toEqual([1, 2]);
    expect(Array.from(table.select(['t', 'y']).numeric('y'))).toEqual([5, 6]);
  });

  it('parses numbers exactly as JavaScript/R do, including long mantissas and exponents', () => {
    const values = ['0.1', '123456789012345678', '1e-300', '-2.5', '+7', '.5', '5.', '0.30000000000000004', '1234.5678901234567'];
    const frame = readCsvTable(csv('x\n' + values.join('\n') + '\n')).select(['x']);
    expect(Array.from(frame.numeric('x'))).toEqual(values.map(Number));
  });

  it('names the row and column of a non-numeric value', () => {
    const frame = readCsvTable(csv('t,e\n1,1\n1,0\nx1,1\n')).select(['t', 'e']);
    expect(() => frame.numeric('t')).toThrow(CliError);
    expect(() => frame.numeric('t')).toThrow(/'x1' in row 3 \(line 4\), column 't'/);
  });

  it('reads event codings 0/1, 1/2 and true/false, and rejects others', () => {
    const ev = (values: string) => Array.from(readCsvTable(csv('e\n' + values.split(',').join('\n') + '\n')).select(['e']).event('e'));
    expect(ev('0,1,1')).toEqual([0, 1, 1]);
    expect(ev('1,2,2')).toEqual([0, 1, 1]);
    expect(ev('1,1')).toEqual([1, 1]); // as Surv(): all 1 means all events
    expect(ev('TRUE,false,T')).toEqual([1, 0, 1]);
    expect(() => ev('0,1,3')).toThrow(/event code '3' in row 3/);
    expect(() => ev('0,2')).toThrow(/both 0 and 2/);
    expect(() => ev('yes,no')).toThrow(/event code 'yes'/);
  });

  it('rejects a row with the wrong number of fields and an unknown column', () => {
    expect(() => readCsvTable(csv('a,b\n1,2\n3\n'))).toThrow(/row 2 \(line 3\) has 1 fields but the header has 2/);
    expect(() => readCsvTable(csv('a,b\n1,2\n')).select(['c'])).toThrow(/unknown column 'c'/);
    // Rows count records, lines count line feeds (a blank line and a quoted line feed in between).
    expect(() => readCsvTable(csv('a,b\n"x\ny",1\n\n3,"4"z\n'))).toThrow(/unexpected text after closing quote in row 2 \(line 5\)/);
    expect(() => readCsvTable(csv('a,b\n1,2\n\n3,"4\n'))).toThrow(/unterminated quoted field in row 2 \(line 4\)/);
    expect(() => readCsvTable(csv('"a,b\n1,2\n'))).toThrow(/unterminated quoted field in row 0/);
    expect(() => readCsvTable(csv('a,b\n1,2\n\n3,4,5\n'))).toThrow(/row 2 \(line 4\) has 3 fields but the header has 2/);
    // An escaped quote before the closing one: the cell's text, and the scan goes on after it.
    const table = readCsvTable(csv('a,b\n"say ""hi""",2\n"""",3\n'));
    expect([table.text(0, 0), table.text(1, 0), table.text(1, 1)]).toEqual(['say "hi"', '"', '3']);
  });

  it('read for some columns: keeps their cells, still checks every row, names unknown columns', () => {
    const file = csv('id,t,"x, quoted",e\n1,2.5,"a ""b""",1\n2,NA,c,0\n3,4,,2\n');
    const table = readCsvTable(file, ['e', 't']);
    const frame = table.select(['t', 'e']);
    expect(Array.from(frame.rows)).toEqual([0, 2]);
    expect(Array.from(frame.time('t'))).toEqual([2.5, 4]);
    expect(Array.from(frame.event('e'))).toEqual([0, 1]); // 1/2 coding
    expect(table.where(2, table.columnIndex('t'))).toBe("row 3 (line 4), column 't'");
    expect(() => table.select(['x, quoted'])).toThrow(/was not read/);
    expect(() => table.select(['z'])).toThrow(/unknown column 'z' .*\(columns: id, t, x, quoted, e\)/);
    expect(() => readCsvTable(csv('a,b,c\n1,2,3\n4,5\n'), ['c'])).toThrow(/row 2 \(line 3\) has 2 fields but the header has 3/);
    expect(() => readCsvTable(csv('a,b\n"1,2\n'), ['a'])).toThrow(/unterminated quoted field in row 1/);
  });

  it('orders factor levels numerically when all are numbers, else by code point', () => {
    const frame = readCsvTable(csv('g,h,id\n10,b,30\n9,B,7\n10,a,30\n1.5,é,1000000\n')).select(['g', 'h', 'id']);
    const g = frame.factor('g');
    expect(g.levels).toEqual(['1.5', '9', '10']);
    expect(Array.from(g.codes)).toEqual([2, 1, 2, 0]);
    expect(frame.factor('h').levels).toEqual(['B', 'a', 'b', 'é']);
    const id = frame.factor('id');
    expect(id.levels).toEqual(['7', '30', '1000000']);
    expect(Array.from(id.codes)).toEqual([1, 0, 1, 2]);
    expect(orderLevels(['1.0', '1', '-2', '0.5'])).toEqual(['-2', '0.5', '1', '1.0']);
  });

  it('reports a missing file', () => {
    expect(() => readCsvTable(join(dir, 'missing.csv'))).toThrow(/cannot read data file .*missing\.csv.*no such file/);
  });
});

describe('awkward files (issue 13)', () => {
  const text = 't,e,arm\r\n1.5,1,Bras \u00e9\r\n2,0,b\r\n3e0,1,Bras \u00e9\r\n';
  const utf16 = (bigEndian: boolean, bom: boolean) => {
    const units = Array.from(text, (c) => c.charCodeAt(0));
    const bytes = new Uint8Array((units.length + (bom ? 1 : 0)) * 2);
    const all = bom ? [0xfeff, ...units] : units;
    all.forEach((u, i) => {
      bytes[2 * i + (bigEndian ? 1 : 0)] = u & 0xff;
      bytes[2 * i + (bigEndian ? 0 : 1)] = u >> 8;
    });
    return bytes;
  };

  for (const [name, bigEndian, bom] of [
    ['UTF-16LE with BOM', false, true],
    ['UTF-16BE with BOM', true, true],
    ['UTF-16LE without BOM', false, false],
    ['UTF-16BE without BOM', true, false],
  ] as const) {
    it(`reads ${name} like UTF-8`, () => {
      const table = readCsvTable(csv(utf16(bigEndian, bom)));
      expect(table.columnNames).toEqual(['t', 'e', 'arm']);
      const frame = table.select(['t', 'e', 'arm']);
      expect(Array.from(frame.time('t'))).toEqual([1.5, 2, 3]);
      expect(frame.strings('arm')).toEqual(['Bras \u00e9', 'b', 'Bras \u00e9']);
    });
  }

  it('leaves UTF-8 text with NUL-free bytes alone (no false UTF-16 detection)', () => {
    const table = readCsvTable(csv('t,arm\n1,\u00e9\u00e9\n'));
    expect(table.select(['arm']).strings('arm')).toEqual(['\u00e9\u00e9']);
  });

  it('refuses a value that overflows to infinity (1e999), naming row and column, in times and numbers', () => {
    const table = readCsvTable(csv('t,e,x\n1,1,2\n1e999,0,3\n2,1,-1E400\n'));
    expect(() => table.select(['t', 'e']).time('t')).toThrow(/'1e999' in row 2.*column 't'.*too large/);
    expect(() => table.select(['x']).numeric('x')).toThrow(/'-1E400' in row 3.*column 'x'.*too large/);
    expect(() => table.select(['x']).numeric('x')).toThrow(CliError);
  });
});
