// One truth for every published number (issue 14): the demo report built by the CLI (`rtcw report`)
// and the same analyses run through the API the Analysis page uses (runAnalysis over the real
// service dispatcher) give the same numbers, field by field — and the report's CSV tables are the
// same table models the screen and Export page format.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../electron/cli/main';
import { createApiRuntime, type ApiService } from '../../../electron/services/api/index';
import { typedPathChooser } from '../../../electron/harness/server';
import { tableToCsv } from '../../../electron/services/export/tableExport';
import type { ApiResponse } from '../../../shared/api/contract';
import type { AnalysisResult, AnalysisSpec } from '../../../shared/api/analysis';
import { coxTableModel, table1Model, tableFormatOf } from '../../../shared/charts/tableModel';
import type { StudyReport } from '../../../shared/domain/studyReport';

let dir: string;
let service: ApiService;
let report: StudyReport;

function ok<T>(r: ApiResponse): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.result as T;
}
const io = (out: string[]) => ({ stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => out.push(t) } });
/** As report.json stores it (JSON drops undefined, keeps every number exactly). */
const json = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtcw-one-pipeline-'));
  const file = path.join(dir, 'demo.rtcw');
  const log: string[] = [];
  expect(await main(['study', 'create', file, '--demo'], io(log))).toBe(0);
  expect(await main(['report', '--study', file, '--out', path.join(dir, 'report'), '--labels', '0=No concurrent TT,1=Concurrent TT'], io(log)), log.join('')).toBe(0);
  report = JSON.parse(fs.readFileSync(path.join(dir, 'report', 'report.json'), 'utf8')) as StudyReport;
  service = createApiRuntime({ userDataDir: path.join(dir, 'user-data'), choosePath: typedPathChooser(dir), logError: () => {} });
  ok(await service.call('openStudy', { path: file }));
}, 180_000);

afterAll(() => {
  service?.session.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

const run = async (spec: AnalysisSpec) => json(ok<AnalysisResult>(await service.call('runAnalysis', { spec })));

describe('one pipeline: rtcw report = the Analysis page API', () => {
  it('Table 1, Cox models, first failure, toxicity and follow-up are the same numbers', async () => {
    const api = await run(report.spec);
    expect(api.specHash).toBe(report.specHash);
    expect(api.datasetFingerprint).toBe(report.datasetFingerprint);
    expect(api.table1).toEqual(report.table1);
    expect(api.univariate).toEqual(report.cox.univariate);
    expect(api.multivariable).toEqual(report.cox.multivariable);
    expect(api.coxMethods).toEqual(report.cox.coxMethods);
    expect(api.firstFailure).toEqual(report.firstFailure);
    expect(api.toxicity).toEqual(report.toxicity);
    expect(api.followUp).toEqual(report.followUp);
    // The group labels given on the CLI are the labels everywhere.
    expect(api.curves.map((c) => c.label)).toEqual(['No concurrent TT', 'Concurrent TT']);
    // …and the numbers are the reference study's marginals (not a tautology of two empty tables).
    expect(report.counts).toEqual({ patients: 24, lesions: 28 });
    expect(api.univariate.length).toBe(8);
  });

  it('every endpoint: curves, landmarks, tests, hazard ratio and risk table', async () => {
    let numbers = 0;
    for (const section of [...report.survival, report.cumulativeIncidence]) {
      const api = await run({ ...report.spec, endpoint: section.endpoint });
      expect(api.specHash, section.endpoint).toBe(section.specHash);
      for (const key of ['kind', 'n', 'events', 'excluded', 'curves', 'test', 'hazardRatio', 'landmarks', 'riskTable'] as const) {
        expect(api[key], `${section.endpoint}.${key}`).toEqual(section[key]);
      }
      numbers += section.curves.reduce((a, c) => a + c.steps.length * 7, 0) + section.landmarks.length * 4;
    }
    expect(numbers).toBeGreaterThan(500);
    const local = report.survival.find((s) => s.endpoint === 'local');
    expect(local?.landmarks.find((l) => l.group === '1' && l.time === 12)?.estimate).toBeCloseTo(0.9, 12);
  });

  it('the report CSV tables are the screen/Export table models of the API result, cell for cell', async () => {
    const api = await run(report.spec);
    const provenance = { software: 'RT Cohort Workstation', appVersion: '', analysisSpecHash: api.specHash, datasetFingerprint: api.datasetFingerprint };
    const body = (csv: string) => csv.replace(/^\uFEFF/, '').split('\r\n').filter((l) => !l.startsWith('Source:'));
    const fmt = tableFormatOf(api);
    expect(body(fs.readFileSync(path.join(dir, 'report', 'table1.csv'), 'utf8'))).toEqual(body(tableToCsv(table1Model(api.table1, fmt), provenance)));
    expect(body(fs.readFileSync(path.join(dir, 'report', 'cox.csv'), 'utf8'))).toEqual(body(tableToCsv(coxTableModel(api, fmt), provenance)));
  });
});
