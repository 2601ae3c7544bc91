// The grid's cell parser: what the user types becomes a typed value or a message shown at the cell.
import { describe, expect, it } from 'vitest';
import { parseCell, type GridColumn } from '../../../renderer/src/components/DataGrid';

type Row = Record<string, unknown>;
const column = (over: Partial<GridColumn<Row>>): GridColumn<Row> => ({ key: 'x', label: 'Value', width: 80, kind: 'text', get: (r) => r.x, ...over });

describe('parseCell', () => {
  it('parses numbers with range checks and a decimal comma', () => {
    const sins = column({ label: 'SINS', kind: 'integer', min: 0, max: 18 });
    expect(parseCell(sins, '12', {})).toEqual({ value: 12 });
    expect(parseCell(sins, '25', {})).toEqual({ error: 'SINS must be at most 18.' });
    expect(parseCell(sins, '-1', {})).toEqual({ error: 'SINS must be at least 0.' });
    expect(parseCell(sins, '7.5', {})).toEqual({ error: 'SINS must be a whole number.' });
    expect(parseCell(column({ label: 'Dose', kind: 'number' }), '2,5', {})).toEqual({ value: 2.5 });
    expect(parseCell(column({ label: 'Dose', kind: 'number' }), 'abc', {})).toEqual({ error: 'Dose must be a number.' });
  });

  it('accepts only real calendar dates as YYYY-MM-DD', () => {
    const date = column({ label: 'RT start', kind: 'date' });
    expect(parseCell(date, '2015-03-01', {})).toEqual({ value: '2015-03-01' });
    expect(parseCell(date, '2015-02-30', {})).toEqual({ error: '2015-02-30 is not a calendar date as YYYY-MM-DD.' });
    expect(parseCell(date, '01.03.2015', {})).toEqual({ error: '01.03.2015 is not a calendar date as YYYY-MM-DD.' });
    expect(parseCell(date, 'March 1', {})).toEqual({ error: 'RT start must be a date as YYYY-MM-DD.' });
  });

  it("also reads the locale's numeric date when the study uses the regional format", () => {
    const date = column({ label: 'RT start', kind: 'date' });
    const de = { format: 'locale' as const, locale: 'de-DE' };
    expect(parseCell(date, '01.03.2015', {}, de)).toEqual({ value: '2015-03-01' });
    expect(parseCell(date, '2015-03-01', {}, de)).toEqual({ value: '2015-03-01' });
    expect(parseCell(date, '30.02.2015', {}, de)).toEqual({ error: '30.02.2015 is not a calendar date as DD.MM.YYYY or YYYY-MM-DD.' });
    expect(parseCell(date, '03/01/2015', {}, { format: 'locale', locale: 'en-US' })).toEqual({ value: '2015-03-01' });
  });

  it('maps yes/no and enum labels, and empty cells to null only when allowed', () => {
    expect(parseCell(column({ kind: 'boolean' }), 'Yes', {})).toEqual({ value: true });
    expect(parseCell(column({ kind: 'boolean' }), '0', {})).toEqual({ value: false });
    const sex = column({ label: 'Sex', kind: 'enum', options: [{ value: 'M', label: 'male' }, { value: 'F', label: 'female' }] });
    expect(parseCell(sex, 'female', {})).toEqual({ value: 'F' });
    expect(parseCell(sex, 'x', {})).toEqual({ error: 'Sex must be one of: male, female.' });
    expect(parseCell(column({ label: 'Levels' }), ' ', {})).toEqual({ error: 'Levels is required.' });
    expect(parseCell(column({ nullable: true }), '', {})).toEqual({ value: null });
  });

  it('runs the column rule on the parsed value', () => {
    const levels = column({ label: 'Levels', validate: (v) => (v === 'L6' ? 'not a vertebral level: L6' : null) });
    expect(parseCell(levels, 'L6', {})).toEqual({ error: 'not a vertebral level: L6' });
    expect(parseCell(levels, 'L5', {})).toEqual({ value: 'L5' });
  });
});
