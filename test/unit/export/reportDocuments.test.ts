// `rtcw report` documents written through the export area: DOCX tables with merged header cells and
// three-line rules, KM/forest figures as SVG and vector PDF with the font embedded, no identifiers.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { populateDemoStudy } from '../../../electron/services/analysis/demoStudy';
import { buildReport, writeReport, type StudyReport } from '../../../electron/services/analysis/report';
import { createStudy, type StudyFile } from '../../../electron/services/db/studyFile';
import { EXPORT_SCALE } from '../../../electron/services/export/figureExport';
import { measureFigureText } from '../../../electron/services/export/figureFont';
import { PRESETS } from '../../../shared/charts/journalStyle';
import { exportReportDocuments, reportTables } from '../../../electron/services/export/reportDocuments';
import { analysisSpecSchema } from '../../../shared/api/analysis';
import { analysisSurvivalFigure } from '../../../shared/charts/analysisFigure';

let dir: string;
let study: StudyFile;
let report: StudyReport;
let files: string[];
let identifiers: string[];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtcw-report-docs-'));
  study = createStudy(path.join(dir, 'demo.rtcw'), { initialize: (db) => populateDemoStudy(db) });
  report = buildReport(study.db, analysisSpecSchema.parse({ endpoint: 'local', groupBy: 'concurrent' }));
  files = await writeReport(report, path.join(dir, 'out'), { exporters: [exportReportDocuments] });
  const rows = study.db.prepare('SELECT pseudonym, source_key, source_locator FROM patients').all() as Array<Record<string, string | null>>;
  identifiers = rows.flatMap((r) => Object.values(r)).filter((v): v is string => typeof v === 'string' && v.length >= 4);
}, 120_000);

afterAll(() => {
  study.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const out = (name: string) => path.join(dir, 'out', name);

describe('report documents', () => {
  it('writes DOCX tables and SVG/PDF figures next to the CSV report', () => {
    for (const name of ['table1.docx', 'cox.docx', 'first-failure.docx', 'toxicity.docx', 'km-local.svg', 'km-local.pdf', 'km-os.pdf', 'cif-local.svg', 'cif-local.pdf', 'forest-cox.pdf']) {
      expect(files).toContain(name);
      expect(fs.statSync(out(name)).size).toBeGreaterThan(1000);
    }
  });

  it('tables follow the report: one row per level under its characteristic, Cox columns side by side', () => {
    const [, t1] = reportTables(report)[0];
    const levelRows = report.table1.rows.filter((r) => r.level !== null).length;
    expect(t1.rows.filter((r) => r.indent).length).toBe(levelRows);
    expect(t1.columnCount).toBe(report.groups.length + 2);
    const [, cox] = reportTables(report)[1];
    expect(cox.header[0].map((c) => c.colSpan ?? 1).reduce((a, b) => a + b, 0)).toBe(cox.columnCount);
    const xml = execFileSync('unzip', ['-p', out('cox.docx'), 'word/document.xml'], { encoding: 'utf8' });
    expect(xml).toMatch(/<w:gridSpan w:val="2"\/>/);
    expect(xml).toMatch(/<w:top w:val="single"[^>]*w:sz="12"/);
    expect(xml).toContain('1 [Reference]');
  });

  it('PDF figures are vector with the bundled font embedded', () => {
    for (const name of ['km-local.pdf', 'cif-local.pdf', 'forest-cox.pdf']) {
      const fonts = execFileSync('pdffonts', [out(name)], { encoding: 'utf8' }).trim().split('\n').slice(2);
      expect(fonts.length).toBeGreaterThan(0);
      for (const line of fonts) expect(line).toMatch(/LiberationSans.*\byes\s+yes\s+yes\b/);
      expect(execFileSync('pdfimages', ['-list', out(name)], { encoding: 'utf8' }).trim().split('\n').slice(2)).toEqual([]);
    }
    const text = execFileSync('pdftotext', [out('km-local.pdf'), '-'], { encoding: 'utf8' });
    expect(text).toMatch(/Local progression-free\s+survival \(%\)/);
    expect(text).toContain('Number at risk (lesions)');
    expect(text).toMatch(/Log-rank P = /);
  });

  it('cumulative incidence figure: Gray test named, numbers at risk equal the KM engine of the same endpoint', () => {
    const text = execFileSync('pdftotext', [out('cif-local.pdf'), '-'], { encoding: 'utf8' });
    expect(text).toMatch(/Gray's test P = /);
    expect(text).toContain('local progression (%)');
    const cif = report.cumulativeIncidence;
    const figure = analysisSurvivalFigure({ ...cif, spec: { ...report.spec, endpoint: 'localCif' } }, { preset: PRESETS.single, measureText: measureFigureText, scale: EXPORT_SCALE });
    const { ticks, rows } = figure.riskTable!;
    expect(ticks.length).toBeGreaterThan(3);
    expect(rows.map((r) => r.label)).toEqual(cif.curves.map((c) => c.label));
    rows.forEach((row, k) => {
      const curve = cif.curves[k];
      // n at risk at t = n − (rows with time < t), from the curve's per-time counts.
      const expected = ticks.map((t) => curve.n - curve.steps.filter((r) => r.time < t).reduce((a, r) => a + r.nEvent + r.nCensor + (r.nCompeting ?? 0), 0));
      expect(row.values, `group ${k}`).toEqual(expected);
    });
  });

  it('no exported document names a patient', () => {
    expect(identifiers.length).toBeGreaterThan(0);
    for (const name of files.filter((f) => /\.(docx|svg|pdf)$/.test(f))) {
      const text = name.endsWith('.docx')
        ? execFileSync('unzip', ['-p', out(name)], { encoding: 'utf8', maxBuffer: 1 << 26 })
        : fs.readFileSync(out(name)).toString('latin1');
      expect(identifiers.filter((id) => text.includes(id)), name).toEqual([]);
    }
  });
});
