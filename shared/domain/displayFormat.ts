// How dates, timestamps and numbers are written for people: one study setting (`displayFormat`,
// migration 0004-edit-history) used by the grid, lists, tables and exports alike.
// 'iso' (default): 2026-12-03, 2026-12-03 06:36 — unambiguous across sites and sortable.
// 'locale': the operating system's conventions (Intl, no network), for users who want them.
export type DisplayFormat = 'iso' | 'locale';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A calendar date stored as YYYY-MM-DD. Non-dates are returned unchanged. */
export function formatDate(value: string | null | undefined, style: DisplayFormat, locale?: string): string {
  if (value === null || value === undefined || value === '') return '';
  if (style === 'iso' || !ISO_DATE.test(value)) return value;
  const [y, m, d] = value.split('-').map(Number);
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(Date.UTC(y, m - 1, d)));
}

/** An instant (ISO 8601 timestamp), in local time to the minute. */
export function formatTimestamp(value: string | null | undefined, style: DisplayFormat, locale?: string): string {
  if (!value) return '';
  const t = new Date(value);
  if (Number.isNaN(t.getTime())) return value;
  if (style === 'locale') return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(t);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())} ${pad(t.getHours())}:${pad(t.getMinutes())}`;
}

/** A number with at most `digits` decimals; 'locale' uses the OS decimal separator. */
export function formatNumber(value: number | null | undefined, style: DisplayFormat, digits = 2, locale?: string): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '';
  const rounded = Math.round(value * 10 ** digits) / 10 ** digits;
  if (style === 'iso') return String(rounded);
  return new Intl.NumberFormat(locale, { maximumFractionDigits: digits, useGrouping: false }).format(rounded);
}
