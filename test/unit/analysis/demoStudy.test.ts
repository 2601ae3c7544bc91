// The demo study must reproduce the reference study's published counts exactly
// (shared/reference/reference-study-tables.md) and its outcomes approximately.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { populateDemoStudy } from '../../../electron/services/analysis/demoStudy';
import { buildDataset, type AnalysisDataset, type AnalysisRow } from '../../../electron/services/analysis/dataset';
import { getStudySettings, listRecords } from '../../../electron/services/db/cohortRecords';
import { createStudy, type StudyFile } from '../../../electron/services/db/studyFile';

let dir: string;
let study: StudyFile;
let lesions: AnalysisDataset;
let patients: AnalysisDataset;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtcw-demo-'));
  study = createStudy(path.join(dir, 'demo.rtcw'), { initialize: (db) => populateDemoStudy(db) });
  lesions = buildDataset(study.db, { unit: 'lesion' });
  patients = buildDataset(study.db, { unit: 'patient' });
});
afterAll(() => {
  study.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const count = (rows: AnalysisRow[], pred: (r: AnalysisRow) => boolean) => rows.filter(pred).length;
const byGroup = (rows: AnalysisRow[], pred: (r: AnalysisRow) => boolean) => [
  count(rows.filter((r) => r.concurrent === 0), pred),
  count(rows.filter((r) => r.concurrent === 1), pred),
];

/** Kaplan–Meier S(t) (product-limit), enough to check the landmark rates. */
function kmAt(rows: AnalysisRow[], time: 'localTime' | 'osTime', event: 'localEvent' | 'osEvent', at: number): number {
  const data = rows.map((r) => [r[time] as number, r[event] as number]).sort((a, b) => a[0] - b[0]);
  let s = 1;
  let atRisk = data.length;
  for (let i = 0; i < data.length && data[i][0] <= at; ) {
    const t = data[i][0];
    let d = 0;
    let n = 0;
    for (; i < data.length && data[i][0] === t; i++, n++) d += data[i][1];
    s *= 1 - d / atRisk;
    atRisk -= n;
  }
  return s;
}

describe('demo study reproduces the published counts', () => {
  it('is labelled synthetic and complete', () => {
    const settings = getStudySettings(study.db);
    expect(settings.synthetic).toBe(true);
    expect(settings.title).toMatch(/SYNTHETIC/);
    expect(lesions.warnings).toEqual([]);
    const prov = study.db.prepare('SELECT DISTINCT kind FROM provenance').all();
    expect(prov).toEqual([{ kind: 'demo' }]);
  });

  it('cohort: 24 patients, 28 lesions, 3 multi-lesion patients; groups 13/15 and 11/13', () => {
    expect(patients.rows.length).toBe(24);
    expect(lesions.rows.length).toBe(28);
    const perPatient = new Map<string, number>();
    for (const r of lesions.rows) perPatient.set(r.patient, (perPatient.get(r.patient) ?? 0) + 1);
    expect([...perPatient.values()].filter((n) => n > 1).length).toBe(3);
    expect(byGroup(lesions.rows, () => true)).toEqual([15, 13]);
    expect(byGroup(patients.rows, () => true)).toEqual([13, 11]);
    // a patient's lesions are all in the same group
    for (const p of perPatient.keys()) expect(new Set(lesions.rows.filter((r) => r.patient === p).map((r) => r.concurrent)).size).toBe(1);
  });

  it('Table 1 patient rows: age, sex, ECOG', () => {
    const ages = patients.rows.map((r) => r.ageAtRT as number).sort((a, b) => a - b);
    expect([(ages[11] + ages[12]) / 2, ages[0], ages[23]]).toEqual([65, 34, 82]);
    expect(count(patients.rows, (r) => r.sex === 'M')).toBe(16);
    expect(count(patients.rows, (r) => r.sex === 'F')).toBe(8);
    expect(byGroup(patients.rows, (r) => r.sex === 'M')).toEqual([8, 8]);
    expect(byGroup(patients.rows, (r) => r.sex === 'F')).toEqual([5, 3]);
    expect(byGroup(patients.rows, (r) => (r.ecog as number) <= 1)).toEqual([7, 7]);
    expect(byGroup(patients.rows, (r) => (r.ecog as number) >= 2)).toEqual([6, 4]);
  });

  it('Table 1 lesion rows: regions, cord, SINS, prior RT, dose scheme, BED, pain', () => {
    const regions = { cervical: 0, thoracic: 0, lumbar: 0, sacral: 0 };
    for (const d of lesions.details) for (const r of d.regions) regions[r]++;
    expect(regions).toEqual({ cervical: 1, thoracic: 9, lumbar: 16, sacral: 10 });
    expect(byGroup(lesions.rows, (r) => r.cordCompression === 1)).toEqual([5, 3]);
    expect(byGroup(lesions.rows, (r) => r.cordCompression === 0)).toEqual([10, 10]);
    expect(byGroup(lesions.rows, (r) => r.sinsGroup === '0-6')).toEqual([5, 4]);
    expect(byGroup(lesions.rows, (r) => r.sinsGroup === '7-12')).toEqual([9, 9]);
    expect(byGroup(lesions.rows, (r) => r.sinsGroup === '13-18')).toEqual([1, 0]);
    expect(byGroup(lesions.rows, (r) => r.priorIrradiation === 1)).toEqual([2, 2]);
    expect(byGroup(lesions.rows, (r) => r.sbrt === 1)).toEqual([4, 4]);
    expect(byGroup(lesions.rows, (r) => r.sbrt === 0)).toEqual([11, 9]);
    expect(byGroup(lesions.rows, (r) => (r.bedGy as number) < 51.4)).toEqual([6, 6]);
    expect(byGroup(lesions.rows, (r) => (r.bedGy as number) >= 51.4)).toEqual([9, 7]);
    const beds = lesions.rows.map((r) => r.bedGy as number).sort((a, b) => a - b);
    expect([(beds[13] + beds[14]) / 2, beds[0], beds[27]]).toEqual([51.43, 31.43, 130.29]);
    expect(byGroup(lesions.rows, (r) => r.painResponse === 1)).toEqual([10, 8]);
    expect(byGroup(lesions.rows, (r) => r.painResponse === 0)).toEqual([5, 5]);
    expect(count(patients.rows, (r) => r.painResponse === 1)).toBe(16);
    expect(lesions.details.filter((d) => d.imaging.ct).length).toBe(28);
    expect(lesions.details.filter((d) => d.imaging.mri).length).toBe(19);
    expect(lesions.details.filter((d) => d.imaging.pet).length).toBe(8);
  });

  it('SBRT schedules: 24/3 ×3, 40/5 ×1, 48/4 ×1, 18/1 ×3; non-SBRT 20–40 Gy in 5–12 fractions, mostly 30/10', () => {
    const sbrt = lesions.rows.filter((r) => r.sbrt === 1).map((r) => `${r.totalDoseGy}/${r.fractions}`).sort();
    expect(sbrt).toEqual(['18/1', '18/1', '18/1', '24/3', '24/3', '24/3', '40/5', '48/4']);
    const conv = lesions.rows.filter((r) => r.sbrt === 0);
    expect(Math.min(...conv.map((r) => r.totalDoseGy as number))).toBe(20);
    expect(Math.max(...conv.map((r) => r.totalDoseGy as number))).toBe(40);
    expect(Math.min(...conv.map((r) => r.fractions as number))).toBe(5);
    expect(Math.max(...conv.map((r) => r.fractions as number))).toBe(12);
    expect(count(conv, (r) => r.totalDoseGy === 30 && r.fractions === 10)).toBe(8);
  });

  it('targeted therapy: before 6, concurrent 11, after 5, none 2 patients; agents 5/6/8/1/2', () => {
    const timing = { before: 0, concurrent: 0, after: 0, none: 0 };
    for (const r of patients.rows) timing[r.targetedTiming]++;
    expect(timing).toEqual({ before: 6, concurrent: 11, after: 5, none: 2 });
    expect(count(lesions.rows, (r) => r.targetedTiming === 'concurrent')).toBe(13);
    const agents: Record<string, number> = {};
    for (const t of listRecords(study.db, 'systemicTherapy')) agents[t.agent as string] = (agents[t.agent as string] ?? 0) + 1;
    expect(agents).toEqual({ sunitinib: 5, sorafenib: 6, pazopanib: 8, temsirolimus: 1, everolimus: 2 });
  });

  it('10 local progressions; Table 3 first failure per group', () => {
    expect(count(lesions.rows, (r) => r.localEvent === 1)).toBe(10);
    expect(byGroup(lesions.rows, (r) => r.firstFailure === 'local')).toEqual([2, 0]);
    expect(byGroup(lesions.rows, (r) => r.firstFailure === 'systemic')).toEqual([11, 9]);
    expect(byGroup(lesions.rows, (r) => r.firstFailure === 'both')).toEqual([2, 0]);
    expect(byGroup(lesions.rows, (r) => r.firstFailure === 'none')).toEqual([0, 4]);
    const lpTimes = lesions.rows.filter((r) => r.localEvent === 1).map((r) => r.localTime as number).sort((a, b) => a - b);
    expect((lpTimes[4] + lpTimes[5]) / 2).toBeCloseTo(5.8, 1);
    expect(lpTimes[0]).toBeCloseTo(1.1, 1);
    expect(lpTimes[9]).toBeCloseTo(25.2, 1);
  });

  it('toxicity: grade 1 only, in 4 patients (nausea 2, fatigue 2)', () => {
    const tox = listRecords(study.db, 'toxicity');
    expect(tox.length).toBe(4);
    expect(new Set(tox.map((t) => t.patientId)).size).toBe(4);
    expect(tox.every((t) => t.grade === 1)).toBe(true);
    expect(tox.filter((t) => t.term === 'Nausea').length).toBe(2);
    expect(tox.filter((t) => t.term === 'Fatigue').length).toBe(2);
  });

  it('outcomes close to the published ones', () => {
    const C = lesions.rows.filter((r) => r.concurrent === 1);
    const N = lesions.rows.filter((r) => r.concurrent === 0);
    expect(kmAt(C, 'localTime', 'localEvent', 12)).toBeCloseTo(0.9, 3);
    expect(Math.abs(kmAt(N, 'localTime', 'localEvent', 12) - 0.513)).toBeLessThan(0.01);
    expect(Math.abs(kmAt(lesions.rows, 'localTime', 'localEvent', 12) - 0.67)).toBeLessThan(0.01);
    expect(kmAt(C, 'osTime', 'osEvent', 12)).toBeCloseTo(0.462, 3);
    expect(Math.abs(kmAt(N, 'osTime', 'osEvent', 12) - 0.722)).toBeLessThan(0.01);
    const fu = lesions.rows.map((r) => r.osTime as number).sort((a, b) => a - b);
    expect(Math.abs((fu[13] + fu[14]) / 2 - 11)).toBeLessThan(0.5);
    expect(Math.round(fu[0])).toBe(2);
    expect(Math.round(fu[27])).toBe(58);
    // RT between June 2009 and June 2015
    const starts = lesions.details.map((d) => d.rtStartDate as string).sort();
    expect(starts[0] >= '2009-06-01' && starts[27] <= '2015-06-30').toBe(true);
  });

  it('is deterministic', () => {
    const other = createStudy(path.join(dir, 'demo2.rtcw'), { initialize: (db) => populateDemoStudy(db) });
    try {
      expect(buildDataset(other.db).rows).toEqual(lesions.rows);
    } finally {
      other.close();
    }
  });
});
