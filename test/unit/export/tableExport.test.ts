// Tables and the export API on the real demo study: every table in every format, read back with
// independent readers (unzip for DOCX XML, exceljs for XLSX, byte checks for CSV/HTML/LaTeX), the
// figure API writing through the path chooser, the methods paragraph, and no patient identifier
// in any file.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiResponse } from '../../../shared/api/contract';
import type { ExportedFile, MethodsText } from '../../../shared/api/export';
import { formatEstimateWithCi, formatP, formatPValue, pixelsForMm } from '../../../shared/charts/journalStyle';
import type { TableModel } from '../../../shared/charts/tableModel';
import { typedPathChooser } from '../../../electron/harness/server';
import { createApiRuntime, type ApiService } from '../../../electron/services/api/index';
import { makeProvenance } from '../../../electron/services/export/provenance';
import { exportTable, tableToCsv, tableToLatex } from '../../../electron/services/export/tableExport';

let dir: string;
let service: ApiService;
let identifiers: string[] = [];

function ok<T>(r: ApiResponse): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.result as T;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtcw-tables-'));
  service = createApiRuntime({ userDataDir: path.join(dir, 'user-data'), choosePath: typedPathChooser(path.join(dir, 'downloads')), logError: () => {} });
  ok(await service.call('openDemoStudy', {}));
  // Every patient-level identifier the study holds (pseudonyms, source keys/locators) must stay out of exports.
  const rows = service.session.study.db
    .prepare('SELECT pseudonym, source_key, source_locator FROM patients')
    .all() as Array<Record<string, string | null>>;
  identifiers = rows.flatMap((r) => Object.values(r)).filter((v): v is string => typeof v === 'string' && v.length >= 4);
});

afterAll(() => {
  service.session.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

const spec = { endpoint: 'local' as const, groupBy: 'concurrent' };

describe('journal number formats', () => {
  it('formats P, CIs and pixel sizes as journals ask', () => {
    expect(formatP(0.03, 'ama')).toBe('P = .03');
    expect(formatP(0.03)).toBe('P = 0.03'); // the one default style (NEJM/JCO)
    expect(formatP(0.0004, 'ama')).toBe('P < .001');
    expect(formatP(0.0496, 'ama')).toBe('P = .0496'); // never rounded up to ".05"
    expect(formatP(0.004, 'nejm')).toBe('P = 0.004');
    expect(formatP(0.03, 'lancet')).toBe('p=0\u00B703');
    expect(formatP(0.00002, 'lancet')).toBe('p<0\u00B70001');
    expect(formatPValue(0.995, 'ama')).toBe('>.99');
    expect(formatEstimateWithCi(0.4712, 0.4701, 0.9876, 2, 'dash')).toBe('0.47 (0.47\u20130.99)');
    expect(formatEstimateWithCi(0.4712, 0.4701, 0.9876, 2, 'comma')).toBe('0.47 (0.47, 0.99)');
    // A positive HR or limit that would round to zero keeps its first significant digit (never "0.00").
    expect(formatEstimateWithCi(0.04, 0.0043, 0.48, 2, 'dash')).toBe('0.04 (0.004\u20130.48)');
    expect(formatEstimateWithCi(0.004, 0.00049, 0.03, 2, 'comma')).toBe('0.004 (0.0005, 0.03)');
    expect(pixelsForMm(85, 600)).toBe(2008);
    expect(pixelsForMm(174, 300)).toBe(2055);
  });
});

describe('table export', () => {
  const written: Record<string, ExportedFile> = {};

  beforeAll(async () => {
    for (const table of ['table1', 'cox', 'firstFailure', 'toxicity'] as const) {
      for (const format of ['docx', 'csv', 'html', 'latex', 'xlsx'] as const) {
        written[`${table}.${format}`] = ok<ExportedFile>(await service.call('exportTable', { spec, table, format, ci: 'comma', decimals: 2, pStyle: 'ama' }));
      }
    }
  }, 120_000);

  it('writes every table in every format where the path chooser decided', () => {
    expect(Object.keys(written)).toHaveLength(20);
    for (const [key, file] of Object.entries(written)) {
      expect(path.dirname(file.path), key).toBe(path.join(dir, 'downloads'));
      expect(fs.statSync(file.path).size, key).toBe(file.bytes);
      expect(file.analysisSpecHash).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it('DOCX: merged header cells, three-line borders, footnotes, provenance in the core properties', () => {
    const xml = execFileSync('unzip', ['-p', written['cox.docx'].path, 'word/document.xml'], { encoding: 'utf8' });
    expect(xml).toMatch(/<w:gridSpan w:val="2"\/>/); // "Univariable analysis" spans HR and P
    expect(xml).toContain('Univariable analysis');
    expect(xml).toContain('Multivariable analysis');
    expect(xml).toMatch(/<w:top w:val="single"[^>]*w:sz="12"/); // top rule
    expect(xml).toMatch(/<w:bottom w:val="single"[^>]*w:sz="6"/); // rule under the header
    expect(xml).not.toMatch(/<w:insideV w:val="single"/);
    expect(xml).toContain('HR, hazard ratio; CI, confidence interval.');
    expect(xml).toMatch(/\d\.\d\d \(\d\.\d\d, \d\.\d\d\)/); // the chosen CI style
    const core = execFileSync('unzip', ['-p', written['cox.docx'].path, 'docProps/core.xml'], { encoding: 'utf8' });
    expect(core).toContain(written['cox.docx'].datasetFingerprint);
  });

  it('CSV has a UTF-8 BOM; HTML has colspans; LaTeX uses booktabs', () => {
    const csv = fs.readFileSync(written['table1.csv'].path);
    expect([...csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(csv.toString('utf8')).toMatch(/Source: RT Cohort Workstation/);
    const html = fs.readFileSync(written['cox.html'].path, 'utf8');
    expect(html).toMatch(/<th colspan="2"[^>]*>Univariable analysis<\/th>/);
    const tex = fs.readFileSync(written['cox.latex'].path, 'utf8');
    for (const cmd of ['\\toprule', '\\midrule', '\\bottomrule', '\\multicolumn{2}{c}{Univariable analysis}', '\\cmidrule(lr){3-4}']) expect(tex).toContain(cmd);
  });

  it('XLSX reads back with merged header cells and the same values as the CSV', async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(written['cox.xlsx'].path);
    const ws = wb.worksheets[0];
    expect(ws.getCell('C2').isMerged).toBe(true);
    expect(ws.getCell('C2').value).toBe('Univariable analysis');
    const csvLines = fs.readFileSync(written['cox.csv'].path, 'utf8').replace(/^\uFEFF/, '').split('\r\n');
    expect(String(ws.getCell('B4').value)).toBe(csvLines[3].split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/)[1].replace(/^"|"$/g, ''));
    expect(wb.description).toMatch(/dataset sha256:[0-9a-f]{64}/);
  });

  it('escapes LaTeX and quotes CSV fields', () => {
    const model: TableModel = {
      title: 'T & 100% of #1_x',
      columnCount: 2,
      header: [[{ text: 'A' }, { text: 'B, "quoted"', align: 'right' }]],
      rows: [{ cells: [{ text: 'BED ≥ 51.4 Gy' }, { text: '0.47–0.99', align: 'right' }] }],
      footnotes: ['χ² test'],
    };
    const prov = makeProvenance({}, {});
    const tex = tableToLatex(model, prov);
    expect(tex).toContain('T \\& 100\\% of \\#1\\_x');
    expect(tex).toContain('BED $\\geq$ 51.4 Gy & 0.47--0.99');
    expect(tableToCsv(model, prov)).toContain('A,"B, ""quoted"""');
  });

  it('contains no patient identifier in any table file', async () => {
    expect(identifiers.length).toBeGreaterThan(0);
    for (const [key, file] of Object.entries(written)) {
      let text = fs.readFileSync(file.path).toString('utf8');
      if (key.endsWith('.docx') || key.endsWith('.xlsx')) text = execFileSync('unzip', ['-p', file.path], { encoding: 'utf8', maxBuffer: 1 << 26 });
      expect(identifiers.filter((id) => text.includes(id)), key).toEqual([]);
    }
    // A model built by hand goes through the same writers.
    const model: TableModel = { title: 't', columnCount: 1, header: [[{ text: 'h' }]], rows: [], footnotes: [] };
    expect((await exportTable(model, makeProvenance({}, {}), 'docx')).length).toBeGreaterThan(1000);
  });
});

describe('figure export API and methods paragraph', () => {
  it('exports the study KM figure as PDF and the forest plot as SVG/TIFF through the path chooser', async () => {
    const pdf = ok<ExportedFile>(await service.call('exportFigure', { spec, figure: 'survival', format: 'pdf', preset: 'double' }));
    expect(pdf.path.endsWith('.pdf')).toBe(true);
    const info = execFileSync('pdfinfo', [pdf.path], { encoding: 'utf8' });
    expect(info).toMatch(/Page size:\s+493\.2\d* x/);
    expect(execFileSync('pdftotext', [pdf.path, '-'], { encoding: 'utf8' })).toMatch(/Local progression-free survival \(%\)[\s\S]*Number at risk \(lesions\)/);
    const svg = ok<ExportedFile>(await service.call('exportFigure', { spec, figure: 'forest', format: 'svg', path: path.join(dir, 'forest') }));
    expect(svg.path).toBe(path.join(dir, 'forest.svg'));
    expect(fs.readFileSync(svg.path, 'utf8')).toMatch(/HR \(95% CI\)/);
    const tiff = ok<ExportedFile>(await service.call('exportFigure', { spec, figure: 'survival', format: 'tiff', dpi: 300, preset: 'custom', widthMm: 120 }));
    expect(tiff.widthPx).toBe(pixelsForMm(120, 300));
    for (const f of [pdf, svg, tiff]) {
      const bytes = fs.readFileSync(f.path).toString('latin1');
      expect(identifiers.filter((id) => bytes.includes(id))).toEqual([]);
    }
    const bad = await service.call('exportFigure', { spec, format: 'png', preset: 'custom' });
    expect(bad.ok).toBe(false);
  }, 120_000);

  it('describes exactly what was computed', async () => {
    const lesion = ok<MethodsText>(await service.call('getMethodsText', { spec: { ...spec, unit: 'lesion', cluster: true, ties: 'breslow' } }));
    expect(lesion.text).toMatch(/Kaplan–Meier method; 95% confidence intervals were computed on the log scale/);
    expect(lesion.text).toMatch(/log-rank test/);
    expect(lesion.text).toMatch(/Breslow's method for tied event times\), with robust \(sandwich\) standard errors clustered by patient/);
    expect(lesion.text).toMatch(/RT Cohort Workstation version \d+\.\d+\.\d+/);
    const cif = ok<MethodsText>(await service.call('getMethodsText', { spec: { endpoint: 'localCif', unit: 'patient', groupBy: 'concurrent' } }));
    expect(cif.text).toMatch(/Aalen–Johansen/);
    expect(cif.text).toMatch(/Gray's test/);
    expect(cif.text).not.toMatch(/clustered by patient/);
  }, 60_000);
});
