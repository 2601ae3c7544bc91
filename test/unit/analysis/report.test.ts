// The report on the demo study: Table 1, Cox tables and Table 3 in the reference study's layout.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../electron/cli/main';
import { populateDemoStudy } from '../../../electron/services/analysis/demoStudy';
import { buildReport, writeReport, type StudyReport } from '../../../electron/services/analysis/report';
import { createStudy, type StudyFile } from '../../../electron/services/db/studyFile';

let dir: string;
let study: StudyFile;
let report: StudyReport;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtcw-report-'));
  study = createStudy(path.join(dir, 'demo.rtcw'), { initialize: (db) => populateDemoStudy(db) });
  report = buildReport(study.db);
});
afterAll(() => {
  study.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const row = (characteristic: string, level: string | null) => {
  const r = report.table1.find((x) => x.characteristic.startsWith(characteristic) && x.level === level);
  if (!r) throw new Error(`no Table 1 row ${characteristic} / ${level}`);
  return r;
};

describe('study report on the demo study', () => {
  it('groups as in the reference study', () => {
    expect(report.synthetic).toBe(true);
    expect(report.counts).toEqual({ patients: 24, lesions: 28 });
    expect(report.groups.map((g) => [g.label, g.patients, g.lesions])).toEqual([
      ['Nonconcurrent/none', 13, 15],
      ['Concurrent', 11, 13],
    ]);
  });

  it('Table 1 cells match the published table', () => {
    expect(row('Age', null).total).toBe('65 (34–82)');
    expect([row('Sex', 'male').total, ...row('Sex', 'male').groups]).toEqual(['16 (66.7)', '8 (61.5)', '8 (72.7)']);
    expect([row('ECOG', '2–4').total, ...row('ECOG', '2–4').groups]).toEqual(['10 (41.7)', '6 (46.2)', '4 (36.4)']);
    expect([row('Cord compression', 'yes').total, ...row('Cord compression', 'yes').groups]).toEqual(['8 (28.6)', '5 (33.3)', '3 (23.1)']);
    expect([row('SINS', '7–12').total, ...row('SINS', '7–12').groups]).toEqual(['18 (64.3)', '9 (60.0)', '9 (69.2)']);
    expect([row('SINS', '13–18').total, ...row('SINS', '13–18').groups]).toEqual(['1 (3.6)', '1 (6.7)', '0 (0.0)']);
    expect([row('Prior irradiation', 'yes').total, ...row('Prior irradiation', 'yes').groups]).toEqual(['4 (14.3)', '2 (13.3)', '2 (15.4)']);
    expect([row('Dose scheme', 'SBRT').total, ...row('Dose scheme', 'SBRT').groups]).toEqual(['8 (28.6)', '4 (26.7)', '4 (30.8)']);
    expect(row('BED (Gy', null).total).toBe('51.4 (31.4–130.3)');
    expect([row('BED group', '< 51.4 Gy').total, ...row('BED group', '< 51.4 Gy').groups]).toEqual(['12 (42.9)', '6 (40.0)', '6 (46.2)']);
    expect([row('Pain response', 'yes').total, ...row('Pain response', 'yes').groups]).toEqual(['18 (64.3)', '10 (66.7)', '8 (61.5)']);
    expect(['cervical', 'thoracic', 'lumbar', 'sacral'].map((r) => row('Regions involved', r).total)).toEqual(['1 (3.6)', '9 (32.1)', '16 (57.1)', '10 (35.7)']);
    // p-values name their test
    expect(row('Sex', 'male').test).toBe('Fisher exact');
    expect(row('Sex', 'male').p).toBeCloseTo(0.6791851752, 9); // R fisher.test
    expect(row('Age', null).p).toBeCloseTo(0.794268992, 8); // R wilcox.test(exact = FALSE)
    expect(row('Age', null).test).toBe('Wilcoxon rank-sum');
  });

  it('Table 2: univariate Cox for every factor, clustered; multivariable from p < 0.05', () => {
    expect(report.cox.clustered).toBe(true);
    expect(report.cox.univariate.map((u) => u.factor)).toEqual(['ecog2to4', 'concurrent', 'sins7to18', 'cordCompression', 'priorIrradiation', 'sbrt', 'bed514', 'painResponse']);
    const concurrent = report.cox.univariate[1].terms[0];
    // R: coxph(Surv(localTime, localEvent) ~ concurrent, cluster = patient) on `rtcw dataset` → HR 0.1243771
    expect(concurrent.hr).toBeCloseTo(0.1243771, 6);
    expect(concurrent.robustSe).not.toBeNull();
    expect(concurrent.p).toBeLessThan(0.05);
    // R 4.2 survival 3.5: robust se 1.035783588, p 0.04417508095 (clustered by patient)
    expect(concurrent.robustSe).toBeCloseTo(1.035783588, 7);
    expect(concurrent.p).toBeCloseTo(0.04417508095, 9);
    expect(report.cox.multivariable?.factors).toEqual(['concurrent', 'cordCompression', 'painResponse']);
    // few events: Firth shown beside the Wald fit
    expect(report.cox.multivariable?.firth?.length).toBe(3);
    expect(report.cox.multivariable?.warnings.join(' ')).toMatch(/fewer than 10 events per variable/);
  });

  it('Table 3: patterns of first failure per group', () => {
    expect(report.firstFailure.rows.map((r) => [r.pattern, ...r.groups])).toEqual([
      ['Local progression only', '2 (13.3)', '0 (0.0)'],
      ['Systemic progression only', '11 (73.3)', '9 (69.2)'],
      ['Both local and systemic', '2 (13.3)', '0 (0.0)'],
      ['No progression', '0 (0.0)', '4 (30.8)'],
    ]);
  });

  it('toxicity, survival, competing risks and follow-up', () => {
    expect(report.toxicity.rows).toEqual([
      { term: 'Fatigue', grades: [2, 0, 0, 0, 0], patients: 2, percent: (100 * 2) / 24 },
      { term: 'Nausea', grades: [2, 0, 0, 0, 0], patients: 2, percent: (100 * 2) / 24 },
    ]);
    expect(report.toxicity.anyGrade2OrMore).toBe(0);
    const local = report.survival.find((s) => s.endpoint === 'local');
    expect(local?.logRank?.p).toBeLessThan(0.05);
    expect(local?.logRank?.p).toBeCloseTo(0.01908, 4); // R survdiff chisq 5.49 on 1 df
    expect(local?.groups[2].landmarks[0].surv).toBeCloseTo(0.9, 10);
    expect(local?.groups[1].landmarks[0].surv).toBeCloseTo(0.5142857, 6);
    expect(report.cumulativeIncidence.groups.length).toBe(2);
    // R cmprsk::cuminc(localTime, status, concurrent): Gray p 0.006365408682; F(12) 0.4666667 / 0.0769231
    expect(report.cumulativeIncidence.gray?.p).toBeCloseTo(0.006365408682, 8);
    expect(report.cumulativeIncidence.groups[0].at[0].estimate).toBeCloseTo(0.46666666667, 9);
    expect(report.cumulativeIncidence.groups[1].at[0].estimate).toBeCloseTo(0.07692307692, 9);
    expect(report.followUp.observed.median).toBeCloseTo(11.35, 1);
    expect(report.followUp.reverseKm.estimate).toBeCloseTo(40.01643, 4);
    expect(JSON.stringify(report)).not.toMatch(/NaN|Infinity/);
  });

  it('writes report.json and CSV tables; rtcw report does the same from the CLI', async () => {
    const out = path.join(dir, 'out');
    const files = await writeReport(report, out, { exporters: [(r, d) => { fs.writeFileSync(path.join(d, 'extra.txt'), r.title); return ['extra.txt']; }] });
    expect(files).toEqual(['report.json', 'table1.csv', 'cox-univariate.csv', 'cox-multivariable.csv', 'first-failure.csv', 'toxicity.csv', 'survival.csv', 'extra.txt']);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')).kind).toBe('rtcw-study-report');
    const t3 = fs.readFileSync(path.join(out, 'first-failure.csv'), 'utf8');
    expect(t3.startsWith('\uFEFF')).toBe(true); // UTF-8 with BOM, as the table exporter writes CSV
    expect(t3.slice(1).split('\n')[0]).toBe('pattern,total,Nonconcurrent/none (15),Concurrent (13)');

    const stdout: string[] = [];
    const stderr: string[] = [];
    const io = { stdout: { write: (t: string) => stdout.push(t) }, stderr: { write: (t: string) => stderr.push(t) } };
    const code = await main(['report', '--study', study.path, '--out', path.join(dir, 'cli'), '--endpoint', 'os'], io);
    expect(stderr.join('')).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(stdout.join('')).files).toContain('dataset.csv');
    expect(await main(['report', '--study', study.path, '--out', dir, '--group', 'nope'], io)).toBe(2);
  });
});
