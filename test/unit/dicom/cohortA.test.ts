// cohort-a (test/fixtures/dicom, copied from shared/data/dicom): every field of every lesion in
// cohort-a-truth.json must be derived exactly, and the file counts must match.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../../../electron/cli/main';
import { scanFolderReadOnly } from '../../../electron/services/dicom/dicomScan';

const fixtures = fileURLToPath(new URL('../../fixtures/dicom/', import.meta.url));
const cohortDir = `${fixtures}cohort-a`;
const truth = JSON.parse(readFileSync(`${fixtures}cohort-a-truth.json`, 'utf8'));

// The lesion fields of cli.md `dicom-scan` that the truth file also holds.
const FIELDS = [
  'levels', 'location', 'totalDoseGy', 'fractionsPlanned', 'fractionsDelivered', 'dosePerFractionGy', 'bedGy',
  'eqd2Gy', 'sbrt', 'rtStartDate', 'rtEndDate', 'machine', 'preRtImaging', 'planSopInstanceUid', 'targetRoiName', 'planLabel',
] as const;

async function runCli(argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) } });
  return { code, out, err };
}

describe('dicom-scan on cohort-a', () => {
  it('derives every field of every lesion exactly (28/28) and the file counts', async () => {
    const { code, out, err } = await runCli(['dicom-scan', '--dir', cohortDir]);
    expect(err).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(out);
    expect(result.files).toEqual({ total: truth.files.total, dicom: truth.files.dicom, duplicates: truth.files.duplicates, skipped: [] });
    expect(result.lesions).toHaveLength(truth.lesions.length);
    let matched = 0;
    const flagged: string[] = [];
    for (const t of truth.lesions) {
      const l = result.lesions.find((x: { planSopInstanceUid: string; targetRoiName: string }) => x.planSopInstanceUid === t.planSopInstanceUid && x.targetRoiName === t.targetRoiName);
      expect(l, t.lesionId).toBeDefined();
      const expected = Object.fromEntries(FIELDS.map((f) => [f, t[f]]));
      const actual = Object.fromEntries(FIELDS.map((f) => [f, l[f]]));
      expect(actual, t.lesionId).toEqual(expected);
      expect(l.sourcePatientId).toBe(t.patientId);
      // One phase: the plan's only fraction group, as the truth file describes the course.
      expect(l.planSopInstanceUids).toEqual([t.planSopInstanceUid]);
      expect(l.phases).toEqual([
        {
          planSopInstanceUid: t.planSopInstanceUid,
          fractionGroup: 1,
          dosePerFractionGy: t.dosePerFractionGy,
          fractionsPlanned: t.fractionsPlanned,
          fractionsDelivered: t.fractionsDelivered,
        },
      ]);
      // Issue 10: a course without treatment records or with fewer fractions delivered than planned
      // is flagged (its RT start, the time origin of every endpoint, or its dose is in question).
      const expectedReasons: RegExp[] = [];
      if (!t.hasTreatmentRecords) expectedReasons.push(/^no treatment record/, /^no RT start date/);
      else if (t.fractionsDelivered < t.fractionsPlanned) {
        expectedReasons.push(new RegExp(`^incomplete course: ${t.fractionsDelivered} of ${t.fractionsPlanned} planned fractions delivered`));
      }
      expect(l.needsReview, `${t.lesionId}: ${l.reviewReasons.join('; ')}`).toBe(expectedReasons.length > 0);
      expect(l.reviewReasons).toHaveLength(expectedReasons.length);
      expectedReasons.forEach((re, i) => expect(l.reviewReasons[i], t.lesionId).toMatch(re));
      if (expectedReasons.length) flagged.push(t.hasTreatmentRecords ? 'incomplete' : 'no-record');
      matched++;
    }
    expect(matched).toBe(28);
    expect(flagged.filter((f) => f === 'no-record')).toHaveLength(8);
    expect(flagged.filter((f) => f === 'incomplete')).toHaveLength(2);
    // Exactly the cli.md keys, nothing more.
    expect(Object.keys(result).sort()).toEqual(['files', 'lesions', 'patients']);
    expect(Object.keys(result.lesions[0]).sort()).toEqual(
      ['sourcePatientId', 'needsReview', 'reviewReasons', 'location', 'levels', 'phases', 'planSopInstanceUids', ...FIELDS.filter((f) => f !== 'levels' && f !== 'location')].sort(),
    );
    expect(result.patients).toHaveLength(truth.patients.length);
    for (const t of truth.patients) {
      const p = result.patients.find((x: { sourcePatientId: string }) => x.sourcePatientId === t.patientId);
      expect(p, t.patientId).toMatchObject({ sex: t.sex, ageAtFirstRT: t.ageAtFirstRT });
      expect(p.pseudonym).toMatch(/^P-[0-9a-f]{16}$/);
      expect(p.pseudonym).not.toContain(t.patientId);
    }
  });

  it('gives the same proposals parsing in worker threads and on the calling thread', async () => {
    const inWorkers = await scanFolderReadOnly(cohortDir, { workers: 2, batchSize: 16 });
    const inline = await scanFolderReadOnly(cohortDir, { workers: 0 });
    const strip = (r: typeof inline) => r.lesions.map(({ pseudonym: _p, instanceIds: _i, ...rest }) => rest);
    expect(strip(inWorkers)).toEqual(strip(inline));
    expect(inWorkers.files).toEqual(inline.files);
  });

  it('honours --imaging-window-days and --alpha-beta', async () => {
    const narrow = JSON.parse((await runCli(['dicom-scan', '--dir', cohortDir, '--imaging-window-days', '0', '--alpha-beta', '10'])).out);
    const l = narrow.lesions.find((x: { planSopInstanceUid: string }) => x.planSopInstanceUid === truth.lesions[0].planSopInstanceUid);
    // 20 Gy / 5 fx with α/β 10: BED = 20·(1 + 4/10) = 28; EQD2 = 28 / 1.2 = 23.33.
    expect(l.bedGy).toBe(28);
    expect(l.eqd2Gy).toBe(23.33);
    // The planning CT is days before RT start, so a 0-day window drops it.
    expect(narrow.lesions.every((x: { preRtImaging: { CT: boolean } }) => x.preRtImaging.CT === false)).toBe(true);
  });

  it('rejects a missing folder with a one-line error', async () => {
    const { code, err } = await runCli(['dicom-scan', '--dir', `${fixtures}no-such-folder`]);
    expect(code).toBe(2);
    expect(err).toMatch(/folder not found/);
  });
});
