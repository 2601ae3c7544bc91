// The report on the demo study: Table 1, Cox tables and Table 3 in the reference study's layout,
// all from the one analysis pipeline (studyAnalysis.ts) that the Analysis page runs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../electron/cli/main';
import { populateDemoStudy } from '../../../electron/services/analysis/demoStudy';
import { buildReport, reportDataset, writeReport, type StudyReport } from '../../../electron/services/analysis/report';
import { createStudy, type StudyFile } from '../../../electron/services/db/studyFile';
import { analysisSpecSchema, ENDPOINT_AXIS_LABELS } from '../../../shared/api/analysis';
import { runStudyAnalysis } from '../../../electron/services/analysis/studyAnalysis';
import { coxModelNoteLines } from '../../../shared/domain/coxModelNotes';
import { coxTableModel, table1Model } from '../../../shared/charts/tableModel';
import { forestRowsOf } from '../../../shared/charts/analysisFigure';
import { formatEstimateWithCi } from '../../../shared/charts/journalStyle';

let dir: string;
let study: StudyFile;
let report: StudyReport;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtcw-report-'));
  study = createStudy(path.join(dir, 'demo.rtcw'), { initialize: (db) => populateDemoStudy(db) });
  report = buildReport(study.db, analysisSpecSchema.parse({ landmarks: [12, 24] }));
});
afterAll(() => {
  study.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const row = (label: string, level: string | null) => {
  let variable: string | null = null;
  for (const r of report.table1.rows) {
    if (r.level === null) variable = r.label;
    if (variable?.startsWith(label) && (level === null ? r.level === null : r.label === level)) return { total: r.total, groups: r.byGroup, p: r.p, test: r.test };
  }
  throw new Error(`no Table 1 row ${label} / ${level}`);
};

describe('study report on the demo study', () => {
  it('groups as in the reference study', () => {
    expect(report.synthetic).toBe(true);
    expect(report.counts).toEqual({ patients: 24, lesions: 28 });
    expect(report.groups.slice(1).map((g) => [g.label, g.patients, g.lesions])).toEqual([
      ['Nonconcurrent/none', 13, 15],
      ['Concurrent', 11, 13],
    ]);
  });

  it('Table 1 cells match the published table; both ways of counting the location row, with denominators', () => {
    expect(row('Age', null).total).toBe('65 (34–82)');
    expect([row('Sex', 'male').total, ...row('Sex', 'male').groups]).toEqual(['16 (66.7)', '8 (61.5)', '8 (72.7)']);
    expect([row('ECOG', '2–4').total, ...row('ECOG', '2–4').groups]).toEqual(['10 (41.7)', '6 (46.2)', '4 (36.4)']);
    expect([row('Cord compression', 'yes').total, ...row('Cord compression', 'yes').groups]).toEqual(['8 (28.6)', '5 (33.3)', '3 (23.1)']);
    expect([row('SINS', '7–12').total, ...row('SINS', '7–12').groups]).toEqual(['18 (64.3)', '9 (60.0)', '9 (69.2)']);
    expect([row('Prior irradiation', 'yes').total, ...row('Prior irradiation', 'yes').groups]).toEqual(['4 (14.3)', '2 (13.3)', '2 (15.4)']);
    expect([row('Dose scheme', 'SBRT').total, ...row('Dose scheme', 'SBRT').groups]).toEqual(['8 (28.6)', '4 (26.7)', '4 (30.8)']);
    expect(row('BED (Gy)', null).total).toBe('51.4 (31.4–130.3)');
    expect([row('BED group', '< 51.4').total, ...row('BED group', '< 51.4').groups]).toEqual(['12 (42.9)', '6 (40.0)', '6 (46.2)']);
    expect([row('Pain response', 'yes').total, ...row('Pain response', 'yes').groups]).toEqual(['18 (64.3)', '10 (66.7)', '8 (61.5)']);
    // The paper's location row: 1/9/16/10 of 36 regions (2.8/25.0/44.4/27.8), and the per-lesion count beside it.
    expect(['cervical', 'thoracic', 'lumbar', 'sacral'].map((r) => row('Regions involved', r).total)).toEqual(['1 (2.8)', '9 (25.0)', '16 (44.4)', '10 (27.8)']);
    expect(['cervical', 'thoracic', 'lumbar', 'sacral'].reduce((a, r) => a + Number(row('Location (per lesion)', r).total.split(' ')[0]), 0)).toBe(28);
    expect(report.table1.notes.join(' ')).toMatch(/Regions involved are counted per vertebral region, n = 36/);
    expect(report.table1.notes.join(' ')).toMatch(/lesion characteristics are of 28 lesions/);
    expect(row('Sex', null).test).toBe('fisher');
    expect(row('Sex', null).p).toBeCloseTo(0.6791851752, 9); // R fisher.test
    expect(row('Age', null).p).toBeCloseTo(0.794268992, 8); // R wilcox.test(exact = FALSE)
    // Only one way, when asked: regions only.
    const regionsOnly = buildReport(study.db, analysisSpecSchema.parse({ rules: { locationCounting: 'regions' } }));
    expect(regionsOnly.table1.rows.some((r) => r.label.startsWith('Location (per lesion)'))).toBe(false);
  });

  it('Table 2: univariable and multivariable side by side, reference rows and events/N; cut-offs from the spec', () => {
    const concurrent = report.cox.univariate.find((u) => u.variable === 'concurrent')?.fit?.terms[0];
    // R: coxph(Surv(localTime, localEvent) ~ concurrent, cluster = patient) on `rtcw dataset` → HR 0.1243771
    expect(concurrent?.hr).toBeCloseTo(0.1243771, 6);
    expect(concurrent?.robustSe).toBeCloseTo(1.035783588, 7);
    expect(concurrent?.p).toBeCloseTo(0.04417508095, 9);
    expect(concurrent?.contrast).toBe('Concurrent vs Nonconcurrent/none');
    expect(report.cox.multivariable?.covariates).toEqual(['concurrent', 'cordCompression', 'painResponse']);
    const model = coxTableModel({ spec: report.spec, ...report.cox });
    expect(model.header[0].map((c) => c.text)).toEqual(['', '', 'Univariable analysis', 'Multivariable analysis']);
    const texts = model.rows.map((r) => r.cells.map((c) => c.text));
    const ref = texts.find((t) => t[0] === 'Nonconcurrent/none');
    expect(ref?.[1]).toBe('9/15');
    expect(ref?.[2]).toBe('1 [Reference]');
    expect(ref?.[4]).toBe('1 [Reference]');
    expect(model.footnotes.join(' ')).toMatch(/Multivariable model: n = 28, 10 events; concordance 0\.\d{3}; likelihood-ratio χ² = .*Wald.*score/);
    // A different BED cut-off changes the coding (and the labels), not a constant in a formatter.
    const bed60 = buildReport(study.db, analysisSpecSchema.parse({ rules: { bedCutoffGy: 60 } }));
    const counts = bed60.cox.univariate.find((u) => u.variable === 'bedHigh')?.fit?.levels[0].levels.map((l) => [l.label, l.n]);
    expect(counts?.map((c) => c[0])).toEqual(['< 60', '≥ 60']);
    expect(counts?.[0][1]).not.toBe(12);
    expect(table1Model(bed60.table1).rows.some((r) => r.cells[0].text === '≥ 60')).toBe(true);
  });

  it('Firth: the same numbers in the model, the table and the forest plot; the table says what was fitted', () => {
    // Among concurrent lesions (1 local event) a binary covariate has a level without events:
    // the ordinary likelihood is monotone, so 'auto' fits Firth for that model only.
    const spec = analysisSpecSchema.parse({ groupBy: null, filters: [{ variable: 'concurrent', op: 'in', values: ['1'] }], covariates: ['cordCompression', 'painResponse', 'sbrt'], multivariable: 'chosen', chosenCovariates: ['sbrt'] });
    const r = buildReport(study.db, spec);
    const firthFits = r.cox.univariate.filter((u) => u.fit?.method === 'firth');
    expect(firthFits.length).toBeGreaterThan(0);
    expect(r.cox.coxMethods.firth).toBe(firthFits.length + (r.cox.multivariable?.method === 'firth' ? 1 : 0));
    const u = firthFits[0];
    const term = u.fit!.terms[0];
    expect(term.hr).not.toBeNull();
    expect(u.fit!.ties).toBe('breslow');
    expect(u.fit!.robust).toBe(false);
    expect(u.fit!.warnings.join(' ')).toMatch(/monotone likelihood/);
    const table = coxTableModel({ spec: r.spec, ...r.cox });
    const cell = table.rows.flatMap((row) => row.cells.map((c) => c.text)).find((t) => t.endsWith('\u2020'));
    expect(cell).toBe(formatEstimateWithCi(term.hr, term.lower, term.upper, 2, 'dash', r.spec.format.pStyle) + '\u2020');
    expect(table.footnotes.join(' ')).toMatch(/Firth's penalised likelihood \(monotone likelihood\).*Breslow ties; no clustering/);
    const forest = forestRowsOf({ spec: r.spec, ...r.cox }, 'univariate').find((row) => row.firth && row.hr !== undefined);
    expect([forest?.hr, forest?.lower, forest?.upper]).toEqual([term.hr, term.lower, term.upper]);
    expect(r.methods).toMatch(/refitted with Firth's penalised partial likelihood/);
    // β, SE and robust SE on request.
    const withCoef = coxTableModel({ spec: { ...report.spec, format: { ...report.spec.format, showCoefficients: true } }, ...report.cox });
    expect(withCoef.header[1].map((c) => c.text)).toEqual(expect.arrayContaining(['β', 'SE', 'Robust SE']));
  });

  it('Table 3: patterns of FIRST failure per group, titled and labelled so', () => {
    expect(report.firstFailure.title).toBe('Patterns of first failure');
    expect(report.firstFailure.rows.map((r) => [r.label, ...r.cells.slice(1)])).toEqual([
      ['Local progression first', '2 (13.3)', '0 (0.0)'],
      ['Systemic progression first', '11 (73.3)', '9 (69.2)'],
      ['Local and systemic progression together', '2 (13.3)', '0 (0.0)'],
      ['No progression', '0 (0.0)', '4 (30.8)'],
    ]);
    expect(report.firstFailure.notes[0]).toMatch(/may progress locally later/);
  });

  it('survival, competing risks and follow-up', () => {
    const local = report.survival.find((s) => s.endpoint === 'local');
    expect(local?.test?.p).toBeCloseTo(0.01908, 4); // R survdiff chisq 5.49 on 1 df
    expect(local?.landmarks.find((l) => l.group === '1' && l.time === 12)?.estimate).toBeCloseTo(0.9, 10);
    expect(local?.landmarks.find((l) => l.group === '0' && l.time === 12)?.estimate).toBeCloseTo(0.5142857, 6);
    expect(local?.riskTable.unit).toBe('lesions');
    // R cmprsk::cuminc(time, status, concurrent) with death at its own time competing: Gray's test.
    expect(report.cumulativeIncidence.test?.kind).toBe('gray');
    expect(report.cumulativeIncidence.landmarks.find((l) => l.group === '1' && l.time === 12)?.estimate).toBeCloseTo(0.07692307692, 9);
    expect(report.followUp.reverseKm.estimate).toBeCloseTo(40.01643, 4);
    expect(report.methods).toMatch(/BED 51\.4 Gy or higher/);
    expect(JSON.stringify(report)).not.toMatch(/NaN|Infinity/);
  });

  it('writes report.json, CSV tables, dataset.csv and reproduce.R; rtcw report does the same from the CLI', async () => {
    const out = path.join(dir, 'out');
    const files = await writeReport(report, out, { dataset: reportDataset(study.db, report), exporters: [(r, d) => { fs.writeFileSync(path.join(d, 'extra.txt'), r.title); return ['extra.txt']; }] });
    expect(files).toEqual(['report.json', 'table1.csv', 'cox.csv', 'first-failure.csv', 'toxicity.csv', 'survival.csv', 'methods.txt', 'dataset.csv', 'reproduce.R', 'extra.txt']);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')).kind).toBe('rtcw-study-report');
    const t3 = fs.readFileSync(path.join(out, 'first-failure.csv'), 'utf8');
    expect(t3.startsWith('\uFEFF')).toBe(true);
    expect(t3.slice(1).split('\r\n').slice(0, 2)).toEqual(['Table 3. Patterns of first failure', 'Pattern of first failure,Total (n = 28),Nonconcurrent/none (n = 15),Concurrent (n = 13)']);

    const stdout: string[] = [];
    const stderr: string[] = [];
    const io = { stdout: { write: (t: string) => stdout.push(t) }, stderr: { write: (t: string) => stderr.push(t) } };
    const code = await main(['report', '--study', study.path, '--out', path.join(dir, 'cli'), '--endpoint', 'os'], io);
    expect(stderr.join('')).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(stdout.join('')).files).toEqual(expect.arrayContaining(['dataset.csv', 'reproduce.R']));
    expect(await main(['report', '--study', study.path, '--out', dir, '--group', 'nope'], io)).toBe(2);
  });

  it("lists every note the Analysis page shows beside the analyses it copies: other endpoints' tests and the Cox models (issue 13)", async () => {
    // Among SBRT lesions grouped by cord compression, only one group is at risk at the OS event
    // times: the OS log-rank test is χ² 0, p 1 with survdiff's note — an endpoint other than the report's.
    const spec = analysisSpecSchema.parse({ groupBy: 'cordCompression', filters: [{ variable: 'sbrt', op: 'in', values: ['1'] }], landmarks: [12] });
    const r = buildReport(study.db, spec);
    const quiet = { progress: () => {}, throwIfCancelled: () => {} };
    const os = runStudyAnalysis(study.db, { ...spec, endpoint: 'os' }, quiet, { sections: 'curves', allowEmpty: true });
    const osLogrank = os.warnings.filter((w) => w.startsWith('Log-rank test:'));
    expect(osLogrank.length).toBeGreaterThan(0);
    for (const w of osLogrank) expect(r.warnings).toContain(`${ENDPOINT_AXIS_LABELS.os}: ${w}`);
    expect(r.survival.find((s) => s.endpoint === 'os')?.test).toMatchObject({ chisq: 0, p: 1 });
    // The Cox models' notes (monotone likelihood refitted with Firth here), each naming its model.
    const firth = buildReport(study.db, analysisSpecSchema.parse({ groupBy: null, filters: [{ variable: 'concurrent', op: 'in', values: ['1'] }], covariates: ['cordCompression', 'painResponse', 'sbrt'], multivariable: 'chosen', chosenCovariates: ['sbrt'] }));
    const lines = coxModelNoteLines(firth.cox);
    expect(lines.some((l) => /monotone likelihood/.test(l))).toBe(true);
    for (const line of lines) expect(firth.warnings.some((w) => w.endsWith(line))).toBe(true);
    // rtcw report prints the same list.
    const stdout: string[] = [];
    const io = { stdout: { write: (t: string) => stdout.push(t) }, stderr: { write: () => {} } };
    const specFile = path.join(dir, 'sbrt-spec.json');
    fs.writeFileSync(specFile, JSON.stringify(spec));
    expect(await main(['report', '--study', study.path, '--out', path.join(dir, 'notes'), '--spec', specFile], io)).toBe(0);
    expect((JSON.parse(stdout.join('')) as { warnings: string[] }).warnings).toEqual(r.warnings);
  });
});
