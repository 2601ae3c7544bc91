import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createStudy, type StudyFile } from '../../../electron/services/db/studyFile';
import {
  CohortValidationError, createRecord, deleteRecord, getRecord, getStudySettings, listAudit, listRecords,
  updateRecord, updateStudySettings,
} from '../../../electron/services/db/cohortRecords';

let dir: string;
let study: StudyFile;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtcw-cohort-'));
  study = createStudy(path.join(dir, 'study.rtcw'));
});
afterEach(() => {
  study.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function addPatient(pseudonym = 'P01') {
  return createRecord(study.db, 'patient', { pseudonym, sex: 'M', ecog: 1, ageAtFirstRt: 60, lastFollowupDate: '2014-01-01' }, { who: 'tester' });
}

describe('cohort records', () => {
  it('creates, reads, lists, updates and deletes with an audit trail', () => {
    const p = addPatient();
    expect(p).toMatchObject({ pseudonym: 'P01', sex: 'M', ecog: 1 });
    const l = createRecord(study.db, 'lesion', { patientId: p.id, levels: 'Th11-L1', sins: 8, cordCompression: true }, { who: 'tester' });
    expect(l.levels).toBe('T11,T12,L1');
    expect(l.cordCompression).toBe(true);
    const c = createRecord(study.db, 'rtCourse', { lesionId: l.id, startDate: '2012-03-01', endDate: '2012-03-14', totalDoseGy: 30, fractionsPlanned: 10 }, { who: 'tester' });
    expect(listRecords(study.db, 'rtCourse', { patientId: p.id }).map((r) => r.id)).toEqual([c.id]);

    const u = updateRecord(study.db, 'patient', p.id, { ecog: 2 }, { who: 'tester' });
    expect(u.ecog).toBe(2);
    const audits = listAudit(study.db, { entity: 'patient', entityId: p.id });
    expect(audits[0]).toMatchObject({ action: 'update', who: 'tester', before: { ecog: 1 }, after: { ecog: 2 } });

    expect(deleteRecord(study.db, 'patient', p.id, { who: 'tester' })).toBe(3);
    expect(getRecord(study.db, 'lesion', l.id)).toBeNull();
    expect(getRecord(study.db, 'rtCourse', c.id)).toBeNull();
    const deletes = listAudit(study.db).filter((a) => a.action === 'delete').map((a) => a.entity).sort();
    expect(deletes).toEqual(['lesion', 'patient', 'rtCourse']);
  });

  it('audits with the OS user name by default and keeps provenance per row', () => {
    const p = createRecord(study.db, 'patient', { pseudonym: 'P9' });
    const [entry] = listAudit(study.db, { entity: 'patient' });
    expect(entry.who).toBe(os.userInfo().username);
    const prov = study.db.prepare('SELECT kind, label FROM provenance WHERE id = ?').get(p.provenanceId);
    expect(prov).toEqual({ kind: 'manual', label: 'manual entry' });
  });

  it('rejects invalid values with messages naming the field, and writes nothing', () => {
    const p = addPatient();
    // The message speaks in field labels; the structured errors name the field (for the grid and import reports).
    const bad = (entity: Parameters<typeof createRecord>[1], input: Record<string, unknown>, re: RegExp, field?: string) => {
      let err: unknown;
      try {
        createRecord(study.db, entity, input);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(CohortValidationError);
      expect((err as Error).message).toMatch(re);
      expect((err as Error).message).not.toMatch(/\(field /);
      if (field) expect((err as CohortValidationError).errors.map((e) => e.field)).toContain(field);
    };
    const before = listAudit(study.db).length;
    bad('patient', { pseudonym: 'P01' }, /pseudonym "P01" already exists/);
    bad('patient', { pseudonym: 'X', sex: 'Q' }, /sex must be one of M, F/);
    bad('patient', { pseudonym: 'X', ecog: 5 }, /ECOG PS must be ≤ 4/, 'ecog');
    bad('patient', { pseudonym: 'X', deathDate: '2012-01-01', lastFollowupDate: '2013-01-01' }, /date of death .* is before date of last follow-up/);
    bad('lesion', { patientId: p.id, levels: 'T4,T9' }, /not contiguous/, 'levels');
    bad('lesion', { patientId: p.id, levels: 'L6' }, /L6/);
    bad('lesion', { patientId: 999, levels: 'L1' }, /patient 999 does not exist/);
    bad('lesion', { patientId: p.id, levels: 'L1', sins: 19 }, /SINS must be ≤ 18/);
    bad('lesion', { patientId: p.id, levels: 'L1', painPre: 11 }, /pain score before RT .* ≤ 10/);
    const l = createRecord(study.db, 'lesion', { patientId: p.id, levels: 'L1' });
    bad('rtCourse', { lesionId: l.id, startDate: '2012-03-01', totalDoseGy: 0, fractionsPlanned: 5 }, /total dose \(Gy\) must be > 0/);
    bad('rtCourse', { lesionId: l.id, startDate: '2012-03-01', totalDoseGy: 20, fractionsPlanned: 0 }, /fractions planned must be ≥ 1/);
    bad('rtCourse', { lesionId: l.id, startDate: '2012-03-10', endDate: '2012-03-01', totalDoseGy: 20, fractionsPlanned: 5 }, /RT end date .* is before RT start date/);
    bad('rtCourse', { lesionId: l.id, startDate: '2012-02-30', totalDoseGy: 20, fractionsPlanned: 5 }, /RT start date must be a date/);
    bad('toxicity', { patientId: p.id, term: 'Nausea', grade: 6 }, /CTCAE grade must be ≤ 5/);
    bad('event', { patientId: p.id, type: 'local_progression', date: '2013-01-01' }, /must name its lesion/);
    const q = addPatient('P02');
    bad('event', { patientId: q.id, lesionId: l.id, type: 'local_progression', date: '2013-01-01' }, /belongs to another patient/);
    bad('patient', { pseudonym: 'Y', name: 'Smith' }, /unknown field "name"/);
    const dead = createRecord(study.db, 'patient', { pseudonym: 'D1', vitalStatus: 'dead', deathDate: '2013-01-01' });
    bad('event', { patientId: dead.id, type: 'systemic_progression', date: '2013-02-01' }, /event date \(2013-02-01\) is after the patient's date of death \(2013-01-01\)/);
    // only the successful inserts (patient P02, lesion, patient D1) were audited
    expect(listAudit(study.db).length).toBe(before + 3);
  });

  it('updates settings with audit and range checks', () => {
    expect(getStudySettings(study.db)).toMatchObject({ alphaBetaGy: 7, firstFailureWindowDays: 30, concurrencyWindowDays: 0, timeUnit: 'months' });
    expect(updateStudySettings(study.db, { alphaBetaGy: 10 }).alphaBetaGy).toBe(10);
    expect(() => updateStudySettings(study.db, { alphaBetaGy: -1 })).toThrow(/alphaBetaGy/);
    expect(listAudit(study.db, { entity: 'studySettings' }).length).toBe(1);
  });
});
