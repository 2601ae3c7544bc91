// Hostile spreadsheets (issue 12): each is refused with one line naming the limit or the cell, the
// CLI exits 2, and the study is byte-identical — the sheet is read (streaming, with limits)
// before the study is opened. Formula cells import their cached value.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStudy } from '../../../electron/services/db/studyFile';
import { readSpreadsheet, SPREADSHEET_LIMITS, SpreadsheetError } from '../../../electron/services/import/spreadsheetFile';
import { isOneLine, rtcwSync, sha256 } from './studyProcesses';
import { patientMapping } from './patientTable';
import { row, writeXlsx } from './xlsxWriter';

const HEADER = { A1: 'record_id', B1: 'study_id', C1: 'sex', D1: 'age', E1: 'ecog', F1: 'vital', G1: 'death_date', H1: 'last_fu' };
let dir: string;
let study: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtcw-hostile-'));
  study = path.join(dir, 'study.rtcw');
  createStudy(study).close();
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** `rtcw study import-table` on `table`: exit 2, one line matching `message`, study untouched. */
function refusedByCli(table: string, message: RegExp) {
  const before = sha256(study);
  const r = rtcwSync('study', 'import-table', study, '--table', table, '--mapping', patientMapping);
  expect(r.code).toBe(2);
  expect(isOneLine(r.stderr)).toBe(true);
  expect(r.stderr).toMatch(message);
  expect(sha256(study)).toBe(before);
  expect(fs.readdirSync(dir).filter((f) => f.startsWith('study.rtcw'))).toEqual(['study.rtcw']);
}

describe('hostile spreadsheets', () => {
  it('one cell at XFD1048576 (a few KB, as written by exceljs) is refused at once, naming the cell', async () => {
    const file = path.join(dir, 'xfd.xlsx');
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('patients');
    ws.addRow(Object.values(HEADER));
    ws.addRow([1, 'P-1', 1, 60, 0, 0, null, '01.09.2014']);
    ws.getCell('XFD1048576').value = 'boom';
    await wb.xlsx.writeFile(file);
    expect(fs.statSync(file).size).toBeLessThan(10_000);
    await expect(readSpreadsheet(file)).rejects.toThrow(/cell XFD1048576 is beyond the limit of 2,000 columns/);
    refusedByCli(file, /xfd\.xlsx sheet patients: cell XFD1048576 is beyond the limit of 2,000 columns \(BXX\)/);
  });

  it('a sheet of 1,048,575 rows is refused at the row limit, not read to the end', async () => {
    const file = path.join(dir, 'million.xlsx');
    await writeXlsx(file, [
      {
        name: 'patients',
        *rows() {
          yield row(1, HEADER);
          for (let start = 2; start <= 1_048_576; start += 10_000) {
            const rows: string[] = [];
            for (let r = start; r < Math.min(start + 10_000, 1_048_577); r++) rows.push(`<row r="${r}"><c r="A${r}"><v>${r}</v></c><c r="B${r}" t="inlineStr"><is><t>P-${r}</t></is></c></row>`);
            yield rows.join('');
          }
        },
      },
    ]);
    refusedByCli(file, /million\.xlsx sheet patients \(cell A100002\): more than 100,000 data rows, the limit for one sheet/);
  });

  it('a formula without a cached value is refused with its cell; with one, the value is imported', async () => {
    const bare = path.join(dir, 'formula.xlsx');
    await writeXlsx(bare, [
      { name: 'patients', *rows() { yield row(1, HEADER); yield `<row r="2"><c r="A2"><v>1</v></c><c r="B2" t="inlineStr"><is><t>P-1</t></is></c><c r="D2"><f>40+20</f></c></row>`; } },
    ]);
    refusedByCli(bare, /formula\.xlsx sheet patients: cell D2 holds a formula \(=40\+20\) without a saved result/);

    const cached = path.join(dir, 'cached.xlsx');
    await writeXlsx(cached, [
      { name: 'patients', *rows() { yield row(1, HEADER); yield `<row r="2"><c r="A2"><v>1</v></c><c r="B2" t="inlineStr"><is><t>P-1</t></is></c><c r="D2"><f>40+20</f><v>60</v></c><c r="E2" t="str"><f>"=HYPER"&amp;"LINK()"</f><v>=HYPERLINK()</v></c></row>`; } },
    ]);
    const [sheet] = (await readSpreadsheet(cached)).sheets;
    expect(sheet.rows[0].cells).toMatchObject({ record_id: 1, study_id: 'P-1', age: 60, ecog: '=HYPERLINK()' });
    expect(JSON.stringify(sheet.rows)).not.toContain('[object Object]');
  });

  it('a zip bomb is refused by its inflated size, before it is inflated', async () => {
    const file = path.join(dir, 'bomb.xlsx');
    await writeXlsx(file, [
      {
        name: 'patients',
        *rows() {
          yield row(1, HEADER);
          const blank = ' '.repeat(1024 * 1024);
          for (let i = 0; i < 8; i++) yield blank; // 8 MB of whitespace, a few KB compressed
        },
      },
    ]);
    expect(fs.statSync(file).size).toBeLessThan(100_000);
    const limits = { ...SPREADSHEET_LIMITS, inflatedBytes: 4 * 1024 * 1024 };
    await expect(readSpreadsheet(file, limits)).rejects.toThrow(/bomb\.xlsx: the workbook unpacks to more than the import limit of 4\.0 MB/);
  });

  it('CSV: too many columns, too many rows and an over-long cell are refused with the limit', async () => {
    const wide = path.join(dir, 'wide.csv');
    fs.writeFileSync(wide, `${Array.from({ length: 2001 }, (_, i) => `c${i}`).join(',')}\n`);
    refusedByCli(wide, /wide: row 1 has 2001 columns, above the limit of 2,000 columns/);

    const long = path.join(dir, 'long.csv');
    const lines = ['record_id,study_id,sex,age,ecog,vital,death_date,last_fu'];
    for (let i = 1; i <= 100_001; i++) lines.push(`${i},P-${i},1,60,0,0,,01.09.2014`);
    fs.writeFileSync(long, lines.join('\n'));
    refusedByCli(long, /long: more than 100,000 data rows, the limit for one sheet/);

    const cell = path.join(dir, 'cell.csv');
    fs.writeFileSync(cell, `record_id,study_id\n1,${'x'.repeat(40_000)}\n`);
    await expect(readSpreadsheet(cell)).rejects.toThrow(SpreadsheetError);
    refusedByCli(cell, /cell: row 2, column study_id holds more than 32,767 characters/);
  });
});
