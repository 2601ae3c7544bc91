// How dates, timestamps and numbers are written for people: one study setting (`displayFormat`,
// migration 0004-edit-history) used by the grid, lists, tables and exports alike.
// 'iso' (default): 2026-12-03, 2026-12-03 06:36 — unambiguous across sites and sortable.
// 'locale': the operating system's conventions (Intl, no network), for users who want them.
export type DisplayFormat = 'iso' | 'locale';

/** The setting with the locale it resolves to ('locale' only; the service host's, i.e. the OS's). */
export interface DisplaySetting {
  format: DisplayFormat;
  locale?: string;
}

export const ISO_DISPLAY: DisplaySetting = { format: 'iso' };

// Intl formatters are costly to build (ICU data lookups) and the grid formats every visible cell and
// filters every row through here: one per kind and locale, built on first use.
const formatters = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat>();
function formatter<F extends Intl.DateTimeFormat | Intl.NumberFormat>(kind: string, locale: string | undefined, make: () => F): F {
  const key = `${kind}|${locale ?? ''}`;
  let f = formatters.get(key) as F | undefined;
  if (!f) formatters.set(key, (f = make()));
  return f;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A calendar date stored as YYYY-MM-DD. Non-dates are returned unchanged. */
export function formatDate(value: string | null | undefined, style: DisplayFormat, locale?: string): string {
  if (value === null || value === undefined || value === '') return '';
  if (style === 'iso' || !ISO_DATE.test(value)) return value;
  const [y, m, d] = value.split('-').map(Number);
  return formatter('date', locale, () => new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' })).format(new Date(Date.UTC(y, m - 1, d)));
}

/** An instant (ISO 8601 timestamp), in local time to the minute. */
export function formatTimestamp(value: string | null | undefined, style: DisplayFormat, locale?: string): string {
  if (!value) return '';
  const t = new Date(value);
  if (Number.isNaN(t.getTime())) return value;
  if (style === 'locale') return formatter('timestamp', locale, () => new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' })).format(t);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())} ${pad(t.getHours())}:${pad(t.getMinutes())}`;
}

/** A number with at most `digits` decimals; 'locale' uses the OS decimal separator. */
export function formatNumber(value: number | null | undefined, style: DisplayFormat, digits = 2, locale?: string): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '';
  const rounded = Math.round(value * 10 ** digits) / 10 ** digits;
  if (style === 'iso') return String(rounded);
  return formatter(`number${digits}`, locale, () => new Intl.NumberFormat(locale, { maximumFractionDigits: digits, useGrouping: false })).format(rounded);
}

/** The decimal separator of the setting: '.' for ISO, the locale's own (',' in de-DE, fr-FR…) otherwise. */
export function decimalSeparator(style: DisplayFormat, locale?: string): string {
  if (style === 'iso') return '.';
  return formatter('number2', locale, () => new Intl.NumberFormat(locale, { maximumFractionDigits: 2, useGrouping: false })).formatToParts(1.5).find((p) => p.type === 'decimal')?.value ?? '.';
}

/**
 * The CSV delimiter that a spreadsheet program of the same locale splits on: ';' where the decimal
 * separator is a comma (Excel's list separator in those locales), ',' otherwise.
 */
export function csvDelimiter(style: DisplayFormat, locale?: string): ',' | ';' {
  return decimalSeparator(style, locale) === ',' ? ';' : ',';
}

// A decimal point inside a number: after a digit or at the start of ".03" (AMA p-values).
const DECIMAL_POINT = /(^|[^\d.\w])\.(?=\d)|(?<=\d)\.(?=\d)/g;
const ISO_DATE_IN_TEXT = /\b\d{4}-\d{2}-\d{2}\b/g;
// A confidence interval written "(0.47, 0.99)" (CiStyle 'comma' of shared/charts/journalStyle.ts).
const CI_WITH_COMMA = /\(([-−]?[\d.]+), ([-−]?[\d.]+)\)/g;

/**
 * Text already formatted for print (a table cell, a rate, a footnote) rewritten to the study's
 * setting: ISO dates as formatDate, decimal points as the locale's separator. With a comma decimal
 * the comma of a "(0.47, 0.99)" interval becomes "; " so the numbers stay apart. The
 * Lancet middle dot is the journal's own mark and is left alone.
 */
export function localiseText(text: string, style: DisplayFormat, locale?: string): string {
  if (style === 'iso') return text;
  const sep = decimalSeparator(style, locale);
  let out = text;
  if (sep !== '.') {
    if (sep === ',') out = out.replace(CI_WITH_COMMA, '($1; $2)');
    out = out.replace(DECIMAL_POINT, (_m, lead: string | undefined) => `${lead ?? ''}${sep}`);
  }
  return out.replace(ISO_DATE_IN_TEXT, (d) => formatDate(d, style, locale));
}

/**
 * A date typed by a person under the setting → ISO, or null. ISO is always accepted; 'locale' also
 * takes the locale's numeric short date (03.12.2026 in de-DE, 12/3/2026 in en-US, 03/12/2026 in en-GB).
 */
export function parseTypedDate(text: string, style: DisplayFormat, locale?: string): string | null {
  const t = text.trim();
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t);
  if (iso) return calendarDate(+iso[1], +iso[2], +iso[3]);
  if (style === 'iso') return null;
  const order = localeDateOrder(locale);
  const m = /^(\d{1,4})[./-](\d{1,2})[./-](\d{1,4})$/.exec(t);
  if (!m) return null;
  const parts = { [order[0]]: +m[1], [order[1]]: +m[2], [order[2]]: +m[3] } as Record<'y' | 'm' | 'd', number>;
  return parts.y >= 1000 ? calendarDate(parts.y, parts.m, parts.d) : null;
}

/** How the locale writes a date, e.g. "DD.MM.YYYY" — shown next to date inputs. */
export function typedDatePattern(style: DisplayFormat, locale?: string): string {
  if (style === 'iso') return 'YYYY-MM-DD';
  const parts = new Intl.DateTimeFormat(locale, { day: '2-digit', month: '2-digit', year: 'numeric', timeZone: 'UTC' }).formatToParts(new Date(Date.UTC(2026, 11, 3)));
  const names: Record<string, string> = { day: 'DD', month: 'MM', year: 'YYYY' };
  return parts.map((p) => names[p.type] ?? p.value).join('');
}

function localeDateOrder(locale?: string): Array<'y' | 'm' | 'd'> {
  const parts = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'numeric', year: 'numeric', timeZone: 'UTC' }).formatToParts(new Date(Date.UTC(2026, 11, 3)));
  const map: Record<string, 'y' | 'm' | 'd'> = { year: 'y', month: 'm', day: 'd' };
  return parts.filter((p) => p.type in map).map((p) => map[p.type]);
}

function calendarDate(y: number, m: number, d: number): string | null {
  const t = new Date(Date.UTC(y, m - 1, d));
  if (t.getUTCFullYear() !== y || t.getUTCMonth() !== m - 1 || t.getUTCDate() !== d) return null;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}
