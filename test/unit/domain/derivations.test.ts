import { describe, expect, it } from 'vitest';
import { addDays, daysBetween, daysToMonths, isIsoDate } from '../../../shared/domain/calendarDates';
import { ecogGroup, painResponse, sinsGroup } from '../../../shared/domain/clinicalScores';
import { EndpointError, lesionEndpoints } from '../../../shared/domain/endpoints';
import { therapyTimingForCourse } from '../../../shared/domain/targetedTherapy';
import { validateRecord } from '../../../shared/domain/cohortModel';

describe('calendar dates', () => {
  it('validates and counts days in UTC', () => {
    expect(isIsoDate('2012-02-29')).toBe(true);
    expect(isIsoDate('2013-02-29')).toBe(false);
    expect(isIsoDate('2013-2-1')).toBe(false);
    expect(daysBetween('2012-01-01', '2013-01-01')).toBe(366);
    expect(addDays('2012-03-30', 3)).toBe('2012-04-02');
    expect(daysToMonths(30.4375)).toBe(1);
    expect(daysToMonths(365.25)).toBe(12);
  });
});

describe('clinical scores', () => {
  it('SINS groups 0-6 / 7-12 / 13-18', () => {
    expect([0, 6, 7, 12, 13, 18].map(sinsGroup)).toEqual(['0-6', '0-6', '7-12', '7-12', '13-18', '13-18']);
    expect(() => sinsGroup(19)).toThrow(/0–18/);
    expect(() => sinsGroup(3.5)).toThrow();
  });
  it('pain response = post < pre', () => {
    expect(painResponse(6, 2)).toBe(true);
    expect(painResponse(4, 4)).toBe(false);
    expect(painResponse(0, 0)).toBe(false);
    expect(painResponse(null, 3)).toBeNull();
  });
  it('ECOG groups', () => {
    expect([0, 1, 2, 4].map(ecogGroup)).toEqual(['0-1', '0-1', '2-4', '2-4']);
  });
});

describe('targeted therapy timing', () => {
  const course = { startDate: '2012-05-01', endDate: '2012-05-14' };
  it('concurrent on any overlap, including touching days and open-ended therapy', () => {
    expect(therapyTimingForCourse(course, [{ startDate: '2012-05-14', stopDate: '2012-09-01' }])).toBe('concurrent');
    expect(therapyTimingForCourse(course, [{ startDate: '2012-01-01', stopDate: '2012-05-01' }])).toBe('concurrent');
    expect(therapyTimingForCourse(course, [{ startDate: '2011-01-01', stopDate: null }])).toBe('concurrent');
  });
  it('before / after / none, with precedence concurrent > before > after', () => {
    expect(therapyTimingForCourse(course, [{ startDate: '2012-01-01', stopDate: '2012-04-30' }])).toBe('before');
    expect(therapyTimingForCourse(course, [{ startDate: '2012-05-15', stopDate: null }])).toBe('after');
    expect(therapyTimingForCourse(course, [])).toBe('none');
    expect(therapyTimingForCourse(course, [{ startDate: '2012-06-01', stopDate: null }, { startDate: '2011-01-01', stopDate: '2011-06-01' }])).toBe('before');
  });
  it('the window widens the course on both sides', () => {
    const t = [{ startDate: '2012-01-01', stopDate: '2012-04-20' }];
    expect(therapyTimingForCourse(course, t, 0)).toBe('before');
    expect(therapyTimingForCourse(course, t, 14)).toBe('concurrent');
  });
});

describe('endpoints', () => {
  const base = { rtStartDate: '2012-01-01', localProgressionDates: [], systemicProgressionDates: [], lastImagingDate: null, deathDate: null, lastFollowupDate: '2013-01-01' };
  it('censors everything at last follow-up without events', () => {
    expect(lesionEndpoints(base)).toEqual({ local: { days: 366, event: 0 }, os: { days: 366, event: 0 }, systemic: { days: 366, event: 0 }, firstFailure: 'none' });
  });
  it('local progression censored at last imaging, or at death', () => {
    expect(lesionEndpoints({ ...base, lastImagingDate: '2012-07-01' }).local).toEqual({ days: 182, event: 0 });
    const dead = lesionEndpoints({ ...base, deathDate: '2012-06-01', lastFollowupDate: '2012-05-01' });
    expect(dead.local).toEqual({ days: 152, event: 0 });
    expect(dead.os).toEqual({ days: 152, event: 1 });
    expect(dead.systemic).toEqual({ days: 152, event: 0 });
  });
  it('first failure: earlier of local/systemic, both within the window', () => {
    const e = (lp: string[], sp: string[], w?: number) => lesionEndpoints({ ...base, localProgressionDates: lp, systemicProgressionDates: sp }, w).firstFailure;
    expect(e(['2012-03-01'], [])).toBe('local');
    expect(e([], ['2012-03-01'])).toBe('systemic');
    expect(e(['2012-03-01'], ['2012-03-31'])).toBe('both');
    expect(e(['2012-03-01'], ['2012-04-01'])).toBe('local');
    expect(e(['2012-03-01'], ['2012-04-01'], 31)).toBe('both');
    expect(e(['2012-05-01'], ['2012-03-01'])).toBe('systemic');
    // progressions before RT start are history, not failures of this course
    expect(e([], ['2011-12-01'])).toBe('none');
  });
  it('uses the first event and reports missing follow-up', () => {
    const r = lesionEndpoints({ ...base, localProgressionDates: ['2012-09-01', '2012-03-01'] });
    expect(r.local).toEqual({ days: 60, event: 1 });
    expect(() => lesionEndpoints({ ...base, lastFollowupDate: null })).toThrow(EndpointError);
    expect(() => lesionEndpoints({ ...base, lastFollowupDate: '2011-01-01' })).toThrow(/before RT start/);
  });
});

describe('record validation', () => {
  it('normalises and names fields', () => {
    const ok = validateRecord('lesion', { patientId: 1, levels: 'th12-l1', sins: '8' });
    expect(ok.errors).toEqual([]);
    expect(ok.record).toMatchObject({ levels: 'T12,L1', sins: 8 });
    const bad = validateRecord('rtCourse', { lesionId: 1, startDate: '2012-01-01', totalDoseGy: 30, fractionsPlanned: 10, fractionsDelivered: 12 });
    expect(bad.errors).toEqual([{ field: 'fractionsDelivered', value: 12, message: 'fractions delivered (12) exceed fractions planned (10)' }]);
  });
});
