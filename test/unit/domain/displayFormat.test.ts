// The study's date/number format (shared/domain/displayFormat.ts): ISO is exact and unchanged;
// the locale style follows Intl for the given locale; non-dates pass through.
import { describe, expect, it } from 'vitest';
import { formatDate, formatNumber, formatTimestamp } from '../../../shared/domain/displayFormat';

describe('display format', () => {
  it('keeps ISO dates and writes locale dates for the given locale', () => {
    expect(formatDate('2013-01-01', 'iso')).toBe('2013-01-01');
    expect(formatDate('2013-01-01', 'locale', 'en-GB')).toBe('1 Jan 2013');
    expect(formatDate('2013-01-01', 'locale', 'de-DE')).toBe('01.01.2013');
    expect(formatDate('not a date', 'locale', 'en-GB')).toBe('not a date');
    expect(formatDate(null, 'iso')).toBe('');
  });

  it('writes timestamps to the minute in ISO style without a US month/day order', () => {
    const local = new Date(2026, 11, 3, 6, 36).toISOString();
    expect(formatTimestamp(local, 'iso')).toBe('2026-12-03 06:36');
    expect(formatTimestamp('garbage', 'iso')).toBe('garbage');
  });

  it('rounds numbers and uses the locale decimal separator on request', () => {
    expect(formatNumber(51.42857, 'iso')).toBe('51.43');
    expect(formatNumber(51.42857, 'locale', 2, 'de-DE')).toBe('51,43');
    expect(formatNumber(Number.NaN, 'iso')).toBe('');
  });
});
