// Spreadsheet reading under limits (issue 12): how long and how much memory it takes to REFUSE the
// hostile sheets of the issue (1,048,575-row XLSX: was 68 s / 2.1 GB; one cell at XFD1048576: was
// > 300 s) and to read a legitimate 10,000-row sheet. Prints one JSON document.
// Run: npx tsx test/bench/spreadsheetLimits.bench.ts
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import ExcelJS from 'exceljs';
import { readSpreadsheet } from '../../electron/services/import/spreadsheetFile';
import { row, writeXlsx } from '../unit/files/xlsxWriter';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtcw-bench-sheets-'));

function rows(from: number, to: number) {
  return function* () {
    yield row(1, { A1: 'record_id', B1: 'study_id', C1: 'age' });
    for (let start = from; start <= to; start += 10_000) {
      const chunk: string[] = [];
      for (let r = start; r < Math.min(start + 10_000, to + 1); r++) chunk.push(`<row r="${r}"><c r="A${r}"><v>${r}</v></c><c r="B${r}" t="inlineStr"><is><t>P-${r}</t></is></c><c r="C${r}"><v>${40 + (r % 50)}</v></c></row>`);
      yield chunk.join('');
    }
  };
}

async function measure(file: string) {
  const rssBefore = process.memoryUsage().rss;
  let peak = rssBefore;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const start = performance.now();
  let outcome: string;
  try {
    const wb = await readSpreadsheet(file);
    outcome = `read ${wb.sheets[0].rows.length} rows`;
  } catch (error) {
    outcome = `refused: ${(error as Error).message}`;
  }
  clearInterval(timer);
  return { fileBytes: fs.statSync(file).size, ms: Math.round(performance.now() - start), peakRssGrowthMB: Math.round((peak - rssBefore) / 1e6), outcome };
}

try {
  const million = path.join(dir, 'million.xlsx');
  await writeXlsx(million, [{ name: 'patients', rows: rows(2, 1_048_576) }]);
  const normal = path.join(dir, 'normal.xlsx');
  await writeXlsx(normal, [{ name: 'patients', rows: rows(2, 10_001) }]);
  const xfd = path.join(dir, 'xfd.xlsx');
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('patients');
  ws.addRow(['record_id', 'study_id']);
  ws.getCell('XFD1048576').value = 'boom';
  await wb.xlsx.writeFile(xfd);
  const result = {
    normal10kRows: await measure(normal),
    million1048575Rows: await measure(million),
    cellAtXFD1048576: await measure(xfd),
    node: process.version,
    loadavg: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
