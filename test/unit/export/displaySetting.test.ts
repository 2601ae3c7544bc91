// Issue 16: one date/number setting per study, used by the exports too. On the demo study with the
// setting at "this computer's regional format" and a comma-decimal locale (de-DE), the Table 1 and
// Cox CSVs use decimal commas and ';' between columns (what Excel of that locale splits on), the
// report's tables (CSV and DOCX) do the same, and the machine-readable files (dataset.csv,
// survival.csv) stay ISO with '.' for R. The same tables in ISO are the reference.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiResponse } from '../../../shared/api/contract';
import type { ExportedFile } from '../../../shared/api/export';
import { typedPathChooser } from '../../../electron/harness/server';
import { createApiRuntime, type ApiService } from '../../../electron/services/api/index';

let dir: string;
let service: ApiService;

function ok<T>(r: ApiResponse): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.result as T;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtcw-display-'));
  service = createApiRuntime({ userDataDir: path.join(dir, 'user-data'), choosePath: typedPathChooser(path.join(dir, 'out')), logError: () => {}, locale: 'de-DE' });
  ok(await service.call('openDemoStudy', {}));
  fs.mkdirSync(path.join(dir, 'out'), { recursive: true });
});

afterAll(() => {
  service.session.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

const spec = { endpoint: 'local' as const, groupBy: 'concurrent' };

async function tableCsv(table: 'table1' | 'cox', name: string): Promise<string[]> {
  const file = ok<ExportedFile>(await service.call('exportTable', { spec, table, format: 'csv', decimals: 2, pStyle: 'nejm', path: path.join(dir, 'out', name) }));
  return fs.readFileSync(file.path, 'utf8').replace(/^\uFEFF/, '').split('\r\n');
}

/** The cells of a CSV line split on `sep` outside quotes. */
function cells(line: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (ch === sep && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  return [...out, cur];
}

describe('study date/number setting in exports', () => {
  it('reports the locale the setting resolves to, and ISO by default', async () => {
    const settings = ok<{ displayFormat: string; locale: string }>(await service.call('getStudySettings', {}));
    expect(settings.displayFormat).toBe('iso');
    expect(settings.locale).toBe('de-DE');
  });

  it('writes the same tables with decimal commas and ";" once the study asks for the regional format', async () => {
    const isoCox = await tableCsv('cox', 'cox-iso.csv');
    const isoT1 = await tableCsv('table1', 't1-iso.csv');
    ok(await service.call('updateStudySettings', { displayFormat: 'locale' }));
    const deCox = await tableCsv('cox', 'cox-de.csv');
    const deT1 = await tableCsv('table1', 't1-de.csv');
    expect(deCox).toHaveLength(isoCox.length);
    let decimals = 0;
    for (let i = 1; i < isoCox.length; i++) {
      // Cell for cell: the German cell is the ISO cell with its decimal points as commas.
      const iso = cells(isoCox[i], ',');
      const de = cells(deCox[i], ';');
      if (i > isoCox.length - 3) continue; // provenance line: hashes, not numbers
      expect(de).toHaveLength(iso.length);
      for (let c = 0; c < iso.length; c++) {
        expect(de[c]).toBe(iso[c].replace(/(\d|^|[\s(<>=–-])\.(?=\d)/g, '$1,'));
        if (/\d\.\d/.test(iso[c])) decimals++;
      }
    }
    expect(decimals).toBeGreaterThan(5);
    expect(deCox.filter((l) => !l.includes('Source: RT Cohort')).join('\n')).not.toMatch(/\d\.\d/);
    expect(deT1.filter((l) => l.includes(';')).length).toBeGreaterThan(5);
    expect(isoT1.join('\n')).toMatch(/\d\.\d/);
    expect(deT1.filter((l) => !l.includes('Source: RT Cohort')).join('\n')).not.toMatch(/\d\.\d/);
    expect(deCox.some((l) => /;"?0,\d\d \(/.test(l) || /;0,\d\d \(/.test(l))).toBe(true);
  });

  it('writes the report tables in the setting and keeps dataset.csv and survival.csv machine-readable', async () => {
    ok(await service.call('updateStudySettings', { displayFormat: 'locale' }));
    const out = path.join(dir, 'report-de');
    fs.mkdirSync(out);
    ok(await service.call('writeStudyReport', { ...spec, outDir: out }));
    const table1 = fs.readFileSync(path.join(out, 'table1.csv'), 'utf8');
    expect(table1).toMatch(/\d,\d/);
    expect(table1.split('\r\n').filter((l) => !l.includes('Source: RT Cohort')).join('\n')).not.toMatch(/\d\.\d/);
    const docx = execFileSync('unzip', ['-p', path.join(out, 'cox.docx'), 'word/document.xml'], { encoding: 'utf8' });
    expect(docx).toMatch(/<w:t[^>]*>[^<]*\d,\d\d/);
    expect(docx).not.toMatch(/<w:t[^>]*>[^<]*\d\.\d\d \(/);
    const dataset = fs.readFileSync(path.join(out, 'dataset.csv'), 'utf8');
    expect(dataset.split('\n')[0].split(',').length).toBeGreaterThan(5);
    expect(dataset).toMatch(/,\d+\.\d+,/);
    expect(fs.readFileSync(path.join(out, 'survival.csv'), 'utf8')).toMatch(/\d\.\d/);
    const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')) as { displayFormat: string };
    expect(report.displayFormat).toBe('locale');
  });
});
