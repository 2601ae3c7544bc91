// The analysis the UI runs (electron/services/analysis/studyAnalysis.ts) must give the numbers the
// statistician's route gives: `rtcw dataset` → `rtcw km` / `logrank` / `cox` / `cuminc` on the CSV.
// Also: named specifications are saved in the study and re-run identically.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../electron/cli/main';
import { populateDemoStudy } from '../../../electron/services/analysis/demoStudy';
import { runStudyAnalysis, runStudyAnalysisInStages, variableValue } from '../../../electron/services/analysis/studyAnalysis';
import { buildDataset } from '../../../electron/services/analysis/dataset';
import { deleteSavedAnalysis, listSavedAnalyses, recordAnalysisRun, saveAnalysis } from '../../../electron/services/db/savedAnalyses';
import { createStudy, openStudy, type StudyFile } from '../../../electron/services/db/studyFile';
import { analysisSpecSchema, type AnalysisSpecInput } from '../../../shared/api/analysis';

let dir: string;
let study: StudyFile;
let csv: string;
const quiet = { progress: () => {}, throwIfCancelled: () => {} };
const run = (spec: AnalysisSpecInput) => runStudyAnalysis(study.db, analysisSpecSchema.parse(spec), quiet);

async function rtcw(argv: string[]): Promise<unknown> {
  let out = '';
  let err = '';
  const sink = (append: (s: string) => void) => new Writable({ write: (chunk, _e, cb) => (append(String(chunk)), cb()) });
  const code = await main(argv, { stdout: sink((s) => (out += s)), stderr: sink((s) => (err += s)) });
  if (code !== 0) throw new Error(`rtcw ${argv.join(' ')}: ${err}`);
  return argv[0] === 'dataset' ? out : JSON.parse(out);
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtcw-analysis-'));
  const file = path.join(dir, 'demo.rtcw');
  createStudy(file, { initialize: (db) => populateDemoStudy(db) }).close();
  csv = path.join(dir, 'dataset.csv');
  fs.writeFileSync(csv, (await rtcw(['dataset', '--study', file])) as string);
  study = await openStudy(file);
});
afterAll(() => {
  study?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('runStudyAnalysis', () => {
  it('says so when the grouping leaves a single group (issue 16), and not when there are two', () => {
    const one = run({ groupBy: 'concurrent', filters: [{ variable: 'concurrent', op: 'in', values: ['1'] }] });
    expect(one.curves).toHaveLength(1);
    expect(one.warnings[0]).toMatch(/^Every lesion in this analysis has Targeted therapy = Concurrent.*only one group, so nothing is compared\.$/);
    expect(one.headline).toBe(one.warnings[0]);
    const two = run({ groupBy: 'concurrent' });
    expect(two.curves).toHaveLength(2);
    expect(two.warnings.some((w) => /only one group/.test(w))).toBe(false);
    expect(two.headline).toBeNull();
  });

  it('gives the KM landmark rates, medians and log-rank test of rtcw km / logrank on the dataset CSV', async () => {
    const result = run({ endpoint: 'local', groupBy: 'concurrent', landmarks: [12, 24] });
    const km = (await rtcw(['km', '--data', csv, '--time', 'localTime', '--event', 'localEvent', '--group', 'concurrent', '--at', '12,24'])) as {
      groups: { group: string; n: number; events: number; median: { estimate: number | null }; at: { time: number; nRisk: number; surv: number; lower: number; upper: number }[] }[];
    };
    const lr = (await rtcw(['logrank', '--data', csv, '--time', 'localTime', '--event', 'localEvent', '--group', 'concurrent'])) as { chisq: number; p: number };
    expect(result.curves.map((c) => c.group)).toEqual(['0', '1']);
    for (const g of km.groups) {
      const curve = result.curves.find((c) => c.group === g.group)!;
      expect(curve.n).toBe(g.n);
      expect(curve.events).toBe(g.events);
      expect(curve.median?.estimate ?? null).toBe(g.median.estimate);
      for (const at of g.at) {
        const l = result.landmarks.find((x) => x.group === g.group && x.time === at.time)!;
        expect(l.estimate).toBeCloseTo(at.surv, 12);
        expect(l.lower).toBeCloseTo(at.lower, 12);
        expect(l.nRisk).toBe(at.nRisk);
      }
    }
    expect(result.test?.kind).toBe('logrank');
    expect(result.test?.chisq).toBeCloseTo(lr.chisq, 10);
    expect(result.test?.p).toBeCloseTo(lr.p, 12);
    // Number at risk at time 0 is the group size.
    expect(result.riskTable.rows.map((r) => r.atRisk[0])).toEqual(km.groups.map((g) => g.n));
  });

  it('gives the hazard ratio of rtcw cox with the patient cluster, and Firth when asked', async () => {
    const withPatient = path.join(dir, 'with-cluster.csv');
    fs.copyFileSync(csv, withPatient);
    const cox = (await rtcw(['cox', '--data', withPatient, '--time', 'localTime', '--event', 'localEvent', '--covariates', 'concurrent', '--cluster', 'patient'])) as {
      terms: { hr: number; lower: number; upper: number; p: number; robustSe: number }[];
    };
    const result = run({ endpoint: 'local', groupBy: 'concurrent' });
    expect(result.hazardRatio?.robust).toBe(true);
    expect(result.hazardRatio?.hr).toBeCloseTo(cox.terms[0].hr, 10);
    expect(result.hazardRatio?.upper).toBeCloseTo(cox.terms[0].upper, 10);
    expect(result.hazardRatio?.p).toBeCloseTo(cox.terms[0].p, 10);

    const firth = (await rtcw(['cox', '--data', csv, '--time', 'localTime', '--event', 'localEvent', '--covariates', 'concurrent', '--firth'])) as {
      terms: { hr: number; lower: number; upper: number; p: number }[];
    };
    const penalised = run({ endpoint: 'local', groupBy: 'concurrent', firth: true });
    expect(penalised.hazardRatio?.method).toBe('firth');
    expect(penalised.hazardRatio?.hr).toBeCloseTo(firth.terms[0].hr, 8);
    expect(penalised.hazardRatio?.lower).toBeCloseTo(firth.terms[0].lower, 6);
  });

  it('codes death before local progression as the competing event, as rtcw cuminc', async () => {
    const lines = fs.readFileSync(csv, 'utf8').trim().split('\n');
    const head = lines[0].split(',');
    const col = (name: string) => head.indexOf(name);
    const rows = lines.slice(1).map((l) => l.split(','));
    const compCsv = path.join(dir, 'competing.csv');
    fs.writeFileSync(
      compCsv,
      ['time,status,concurrent', ...rows.map((r) => {
        const local = r[col('localEvent')] === '1';
        const died = r[col('osEvent')] === '1';
        const time = local ? r[col('localTime')] : died ? r[col('osTime')] : r[col('localTime')];
        return `${time},${local ? 1 : died ? 2 : 0},${r[col('concurrent')]}`;
      })].join('\n'),
    );
    const ci = (await rtcw(['cuminc', '--data', compCsv, '--time', 'time', '--status', 'status', '--group', 'concurrent', '--at', '12'])) as {
      curves: { group: string; cause: string; at: { estimate: number }[] }[];
      gray: { cause: string; p: number }[];
    };
    const result = run({ endpoint: 'localCif', groupBy: 'concurrent', landmarks: [12] });
    expect(result.kind).toBe('cif');
    for (const g of ['0', '1']) {
      const expected = ci.curves.find((c) => c.group === g && c.cause === '1')!.at[0].estimate;
      expect(result.landmarks.find((l) => l.group === g)!.estimate).toBeCloseTo(expected, 12);
    }
    expect(result.test?.kind).toBe('gray');
    expect(result.test?.p).toBeCloseTo(ci.gray.find((t) => t.cause === '1')!.p, 10);
  });

  it('builds Table 1, the multivariable model from the univariate screen, first failure and toxicity', () => {
    const result = run({ endpoint: 'local', groupBy: 'concurrent' });
    const sex = result.table1.rows.filter((r) => r.variable === 'sex');
    expect(sex.find((r) => r.level === 'M')?.total).toBe('16 (66.7)');
    expect(result.table1.groups.map((g) => [g.patients, g.lesions])).toEqual([[24, 28], [13, 15], [11, 13]]);
    // Regions involved as the reference study counts them: C 1 / T 9 / L 16 / S 10 (36 regions).
    const regions = result.table1.rows.filter((r) => r.variable === 'regionsInvolved' && r.level !== null);
    expect(regions.map((r) => r.total)).toEqual(['1 (2.8)', '9 (25.0)', '16 (44.4)', '10 (27.8)']);
    const significant = result.univariate.filter((u) => u.fit?.terms.some((t) => t.p !== null && t.p < 0.05)).map((u) => u.variable);
    expect(result.multivariable?.covariates).toEqual(significant);
    expect(result.multivariable!.epv).toBeCloseTo(result.multivariable!.events / significant.length, 12);
    expect(result.multivariable!.warnings.some((w) => w.includes('EPV'))).toBe(true);
    const concurrentColumn = result.firstFailure.columns.findIndex((c) => c.startsWith('Concurrent'));
    const none = result.firstFailure.rows.find((r) => r.label === 'No progression')!;
    expect(none.cells[concurrentColumn]).toBe('4 (30.8)');
    expect(result.toxicity.rows.find((r) => r.label === 'Any toxicity')?.cells[0]).toBe('4 (16.7)');
  });

  it('applies filters and the patient unit', () => {
    const all = run({ endpoint: 'os', groupBy: null });
    const sbrtOnly = run({ endpoint: 'os', groupBy: null, filters: [{ variable: 'sbrt', op: 'in', values: ['1'] }] });
    const dataset = buildDataset(study.db, { unit: 'lesion' });
    expect(sbrtOnly.n).toBe(dataset.rows.filter((r) => variableValue('sbrt', r) === '1').length);
    expect(sbrtOnly.excluded).toEqual([{ reason: 'outside the filters', count: all.n - sbrtOnly.n }]);
    expect(run({ endpoint: 'os', unit: 'patient', groupBy: null }).n).toBe(24);
  });

  it('runs in stages with progress, gives the same result, and stops when cancelled', async () => {
    const spec = analysisSpecSchema.parse({ endpoint: 'local', groupBy: 'concurrent' });
    const seen: number[] = [];
    const staged = await runStudyAnalysisInStages(study.db, spec, { progress: (pct) => seen.push(pct), throwIfCancelled: () => {} });
    const direct = runStudyAnalysis(study.db, spec, quiet);
    expect({ ...staged, ranAt: '' }).toEqual({ ...direct, ranAt: '' });
    expect(seen.length).toBeGreaterThan(5);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);

    let cancelled = false;
    const stopped = runStudyAnalysisInStages(study.db, spec, {
      progress: (pct) => {
        if (pct >= 55) cancelled = true;
      },
      throwIfCancelled: () => {
        if (cancelled) throw new Error('cancelled by the user');
      },
    });
    await expect(stopped).rejects.toThrow('cancelled by the user');
  });

  it('rejects unknown variables and empty selections with a message for the user', () => {
    expect(() => run({ groupBy: 'shoeSize' })).toThrow(/Unknown analysis variable "shoeSize"/);
    expect(() => run({ filters: [{ variable: 'ageAtRT', op: 'gt', values: [500] }] })).toThrow(/No rows left/);
  });
});

describe('saved analyses', () => {
  it('saves by name, replaces by name, records the run and re-runs identically', () => {
    const spec = analysisSpecSchema.parse({ endpoint: 'local', groupBy: 'concurrent', landmarks: [12] });
    const first = saveAnalysis(study.db, 'LPFR by TT', spec);
    const result = runStudyAnalysis(study.db, first.spec, quiet);
    recordAnalysisRun(study.db, first.id, result.specHash, result.datasetFingerprint);
    const [stored] = listSavedAnalyses(study.db);
    expect(stored.datasetFingerprint).toBe(result.datasetFingerprint);
    expect(stored.specHash).toBe(result.specHash);
    const again = runStudyAnalysis(study.db, stored.spec, quiet);
    expect(again.landmarks).toEqual(result.landmarks);
    expect(again.specHash).toBe(result.specHash);

    // Same name, new spec: replaced, and the recorded run no longer applies.
    const replaced = saveAnalysis(study.db, 'LPFR by TT', { ...spec, endpoint: 'os' });
    expect(replaced.id).toBe(first.id);
    expect(replaced.datasetFingerprint).toBeNull();
    expect(listSavedAnalyses(study.db)).toHaveLength(1);
    deleteSavedAnalysis(study.db, first.id);
    expect(listSavedAnalyses(study.db)).toEqual([]);
    expect(() => deleteSavedAnalysis(study.db, first.id)).toThrow(/does not exist/);
  });
});
