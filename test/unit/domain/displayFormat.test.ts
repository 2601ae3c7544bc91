// The study's date/number format (shared/domain/displayFormat.ts): ISO is exact and unchanged;
// the locale style follows Intl for the given locale; non-dates pass through.
import { describe, expect, it } from 'vitest';
import { csvDelimiter, decimalSeparator, formatDate, formatNumber, formatTimestamp, localiseText, parseTypedDate, typedDatePattern } from '../../../shared/domain/displayFormat';
import { localiseTable, type TableModel } from '../../../shared/charts/tableModel';

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

  it('rewrites printed numbers and dates to the locale, leaving ISO, words and the Lancet mark alone', () => {
    const cell = 'HR 0.62 (0.41–0.93), P = .03; 12 (34.5%) since 2013-01-01 in Table 1.';
    expect(localiseText(cell, 'iso')).toBe(cell);
    expect(localiseText(cell, 'locale', 'en-US')).toBe('HR 0.62 (0.41–0.93), P = .03; 12 (34.5%) since Jan 1, 2013 in Table 1.');
    expect(localiseText(cell, 'locale', 'de-DE')).toBe('HR 0,62 (0,41–0,93), P = ,03; 12 (34,5%) since 01.01.2013 in Table 1.');
    // A comma-style interval keeps its two numbers apart once the decimals are commas.
    expect(localiseText('0.47 (0.47, 0.99)', 'locale', 'fr-FR')).toBe('0,47 (0,47; 0,99)');
    expect(localiseText('p=0\u00B703, -1.5', 'locale', 'de-DE')).toBe('p=0\u00B703, -1,5');
    expect(decimalSeparator('iso', 'de-DE')).toBe('.');
    expect(decimalSeparator('locale', 'de-DE')).toBe(',');
    expect(csvDelimiter('locale', 'de-DE')).toBe(';');
    expect(csvDelimiter('locale', 'en-GB')).toBe(',');
    expect(csvDelimiter('iso', 'de-DE')).toBe(',');
  });

  it('reads typed dates as ISO or in the locale order, never guessing and never an impossible day', () => {
    expect(parseTypedDate('2019-04-03', 'iso')).toBe('2019-04-03');
    expect(parseTypedDate('03/04/2019', 'iso')).toBeNull();
    expect(parseTypedDate('03/04/2019', 'locale', 'en-GB')).toBe('2019-04-03');
    expect(parseTypedDate('03/04/2019', 'locale', 'en-US')).toBe('2019-03-04');
    expect(parseTypedDate('3.4.2019', 'locale', 'de-DE')).toBe('2019-04-03');
    expect(parseTypedDate('31.02.2019', 'locale', 'de-DE')).toBeNull();
    expect(parseTypedDate('2019-02-29', 'locale', 'de-DE')).toBeNull();
    expect(parseTypedDate('03/04/19', 'locale', 'en-GB')).toBeNull();
    expect(typedDatePattern('iso')).toBe('YYYY-MM-DD');
    expect(typedDatePattern('locale', 'de-DE')).toBe('DD.MM.YYYY');
    expect(typedDatePattern('locale', 'en-US')).toBe('MM/DD/YYYY');
  });

  it('localises every text of a table model and returns ISO tables unchanged', () => {
    const model: TableModel = {
      title: 'Table 2. Cox regression (2013-01-01 to 2015-12-31)',
      columnCount: 2,
      header: [[{ text: 'Variable' }, { text: 'HR (95% CI)', align: 'right' }]],
      rows: [{ cells: [{ text: 'Age' }, { text: '1.02 (0.98–1.07)', align: 'right' }] }],
      footnotes: ['Concordance 0.712.'],
    };
    expect(localiseTable(model, { format: 'iso' })).toBe(model);
    const de = localiseTable(model, { format: 'locale', locale: 'de-DE' });
    expect(de.title).toBe('Table 2. Cox regression (01.01.2013 to 31.12.2015)');
    expect(de.rows[0].cells[1]).toEqual({ text: '1,02 (0,98–1,07)', align: 'right' });
    expect(de.header).toEqual(model.header);
    expect(de.footnotes).toEqual(['Concordance 0,712.']);
  });
});
