// Endpoints of one treated lesion, measured from the start of its (first) RT course.
//
// Rules (product.md §1), all times in days; months = days / 30.4375 (calendarDates.DAYS_PER_MONTH):
// - Local progression-free (LPF): event = first local progression of THIS lesion on/after RT start.
//   Without one, censored at the lesion's last imaging follow-up; if none is recorded, at death or
//   else last follow-up (the last date the lesion was known to be progression-free).
// - Overall survival (OS): event = death (any cause); censored at last follow-up.
// - Systemic progression-free (SPF): event = first systemic progression of the patient on/after RT
//   start; censored at death or else last follow-up.
// - Pattern of first failure: the earlier of local and systemic progression; both when they lie
//   within `windowDays` (default 30) of each other; none when neither occurred.
// Progressions dated before RT start belong to earlier history and are ignored.
// Follow-up time = OS time (RT start to death or last follow-up).
import { dayNumber } from './calendarDates';

export type FirstFailure = 'local' | 'systemic' | 'both' | 'none';
export const FIRST_FAILURES: readonly FirstFailure[] = ['local', 'systemic', 'both', 'none'];

export interface EndpointInput {
  rtStartDate: string;
  localProgressionDates: readonly string[];
  systemicProgressionDates: readonly string[];
  lastImagingDate: string | null;
  deathDate: string | null;
  lastFollowupDate: string | null;
}

export interface TimeToEvent {
  days: number;
  event: 0 | 1;
}

export interface LesionEndpoints {
  local: TimeToEvent;
  os: TimeToEvent;
  systemic: TimeToEvent;
  firstFailure: FirstFailure;
}

export class EndpointError extends Error {}

function firstOnOrAfter(dates: readonly string[], origin: number): number | null {
  let best: number | null = null;
  for (const d of dates) {
    const n = dayNumber(d);
    if (n >= origin && (best === null || n < best)) best = n;
  }
  return best;
}

export function lesionEndpoints(input: EndpointInput, firstFailureWindowDays = 30): LesionEndpoints {
  const origin = dayNumber(input.rtStartDate);
  const death = input.deathDate ? dayNumber(input.deathDate) : null;
  const lastFu = input.lastFollowupDate ? dayNumber(input.lastFollowupDate) : null;
  const end = death ?? lastFu;
  if (end === null) throw new EndpointError('neither date of death nor date of last follow-up is recorded');
  if (end < origin) throw new EndpointError(`${death !== null ? 'date of death' : 'last follow-up'} is before RT start`);

  const lp = firstOnOrAfter(input.localProgressionDates, origin);
  const sp = firstOnOrAfter(input.systemicProgressionDates, origin);

  const imaging = input.lastImagingDate ? dayNumber(input.lastImagingDate) : null;
  const lpCensor = imaging !== null && imaging >= origin ? Math.min(imaging, end) : end;
  const local: TimeToEvent = lp !== null ? { days: lp - origin, event: 1 } : { days: lpCensor - origin, event: 0 };
  const os: TimeToEvent = death !== null ? { days: death - origin, event: 1 } : { days: end - origin, event: 0 };
  const systemic: TimeToEvent = sp !== null ? { days: sp - origin, event: 1 } : { days: end - origin, event: 0 };

  let firstFailure: FirstFailure = 'none';
  if (lp !== null && sp !== null) {
    firstFailure = Math.abs(lp - sp) <= firstFailureWindowDays ? 'both' : lp < sp ? 'local' : 'systemic';
  } else if (lp !== null) firstFailure = 'local';
  else if (sp !== null) firstFailure = 'systemic';
  return { local, os, systemic, firstFailure };
}
