// Timing of targeted (systemic) therapy relative to one RT course.
//
// Rule (product.md §1): an agent is CONCURRENT when its exposure interval [start, stop] overlaps
// the RT course [RT start − w, RT end + w], w = study window in days (default 0: any overlap of
// [RT start, RT end]). A therapy with no stop date is ongoing (open-ended). A course without an end
// date is taken as one day long (its start).
// Per course the timing is, in this precedence: concurrent (any agent overlaps) > before (an agent
// stopped before the window) > after (an agent started after it) > none (no agent at all).
// "Before" wins over "after" because exposure before RT is what could modify the irradiated tumour.
import { dayNumber } from './calendarDates';

export type TargetedTiming = 'before' | 'concurrent' | 'after' | 'none';
export const TARGETED_TIMINGS: readonly TargetedTiming[] = ['before', 'concurrent', 'after', 'none'];

export interface TherapyInterval {
  startDate: string;
  stopDate: string | null;
}

export interface CourseInterval {
  startDate: string;
  endDate: string | null;
}

export function therapyTimingForCourse(
  course: CourseInterval,
  therapies: readonly TherapyInterval[],
  windowDays = 0,
): TargetedTiming {
  if (therapies.length === 0) return 'none';
  const lo = dayNumber(course.startDate) - windowDays;
  const hi = dayNumber(course.endDate ?? course.startDate) + windowDays;
  let before = false;
  let after = false;
  for (const t of therapies) {
    const s = dayNumber(t.startDate);
    const e = t.stopDate ? dayNumber(t.stopDate) : Number.POSITIVE_INFINITY;
    if (s <= hi && e >= lo) return 'concurrent';
    if (e < lo) before = true;
    else after = true;
  }
  return before ? 'before' : after ? 'after' : 'none';
}
