// Calendar dates as ISO 'YYYY-MM-DD' strings (the study file's storage form).
// Day arithmetic is done in UTC so time zones and daylight saving never shift a day.

const ISO = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar date written YYYY-MM-DD (2021-02-30 is false). */
export function isIsoDate(text: unknown): text is string {
  if (typeof text !== 'string') return false;
  const m = ISO.exec(text);
  if (!m) return false;
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return new Date(t).toISOString().slice(0, 10) === text;
}

/** Days since 1970-01-01 (UTC) of an ISO date. */
export function dayNumber(iso: string): number {
  if (!isIsoDate(iso)) throw new RangeError(`not a date (YYYY-MM-DD): ${iso}`);
  return Math.round(Date.UTC(Number(iso.slice(0, 4)), Number(iso.slice(5, 7)) - 1, Number(iso.slice(8, 10))) / 86_400_000);
}

export function isoFromDayNumber(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}

/** b − a in days. */
export function daysBetween(a: string, b: string): number {
  return dayNumber(b) - dayNumber(a);
}

export function addDays(iso: string, days: number): string {
  return isoFromDayNumber(dayNumber(iso) + days);
}

/** Mean Gregorian month (365.25/12 days), the conversion used for every time in months. */
export const DAYS_PER_MONTH = 30.4375;

export function daysToMonths(days: number): number {
  return days / DAYS_PER_MONTH;
}

/** Date formats a person may type or a spreadsheet may hold (spreadsheet import, DICOM review). */
export const DATE_FORMATS = ['YYYY-MM-DD', 'DD.MM.YYYY', 'DD/MM/YYYY', 'MM/DD/YYYY', 'YYYYMMDD', 'DD-MM-YYYY'] as const;
export type DateFormat = (typeof DATE_FORMATS)[number];

/**
 * A date written in `format` → ISO YYYY-MM-DD, or null if it does not fit (never a guess between
 * formats: 03/04/2019 is read only as the format says). ISO text is always accepted.
 */
export function parseDateAs(value: string, format: DateFormat): string | null {
  const text = value.trim();
  if (isIsoDate(text)) return text;
  let y: string | undefined, m: string | undefined, d: string | undefined;
  let match: RegExpExecArray | null;
  switch (format) {
    case 'YYYY-MM-DD':
      match = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(text);
      if (match) [, y, m, d] = match;
      break;
    case 'DD.MM.YYYY':
    case 'DD/MM/YYYY':
    case 'DD-MM-YYYY':
      match = /^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$/.exec(text);
      if (match) [, d, m, y] = match;
      break;
    case 'MM/DD/YYYY':
      match = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(text);
      if (match) [, m, d, y] = match;
      break;
    case 'YYYYMMDD':
      match = /^(\d{4})(\d{2})(\d{2})$/.exec(text);
      if (match) [, y, m, d] = match;
      break;
  }
  if (!y || !m || !d) return null;
  const iso = `${y}-${m.padStart(2, '0')}-${d.padStart(2, '0')}`;
  return isIsoDate(iso) ? iso : null;
}
