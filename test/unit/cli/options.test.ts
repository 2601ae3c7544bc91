import { describe, expect, it } from 'vitest';
import { CliError, CliOptions } from '../../../electron/cli/options';

describe('CliOptions', () => {
  it('reads --name value, --name=value, flags, negative numbers and positionals', () => {
    const o = CliOptions.parse(['study.rtcw', '--time', 'months', '--at=1,2.5, 3', '--firth', '--rho', '-1', '--demo']);
    expect(o.positionals).toEqual(['study.rtcw']);
    expect(o.requiredString('time')).toBe('months');
    expect(o.numberList('at')).toEqual([1, 2.5, 3]);
    expect(o.flag('firth')).toBe(true);
    expect(o.flag('demo')).toBe(true);
    expect(o.flag('ci')).toBe(false);
    expect(o.number('rho', 0)).toBe(-1);
    expect(o.string('group')).toBeUndefined();
  });

  it('rejects unknown, repeated, malformed and missing options with CliError', () => {
    expect(() => CliOptions.parse(['--time', 'a', '--time', 'b'])).toThrow(/more than once/);
    expect(() => CliOptions.parse(['--tme', 'a']).assertKnown(['time'], 'km')).toThrow(CliError);
    expect(() => CliOptions.parse(['--tme', 'a']).assertKnown(['time'], 'km')).toThrow(/unknown option --tme for 'km'/);
    expect(() => CliOptions.parse([]).requiredString('time')).toThrow(/missing required option --time/);
    expect(() => CliOptions.parse(['--rho', 'x']).number('rho')).toThrow(/expects a number; got 'x'/);
    expect(() => CliOptions.parse(['--conf-type', 'logit']).choice('conf-type', ['log', 'plain'], 'log')).toThrow(/one of log, plain/);
  });

  it('a declared flag never takes the next word as its value', () => {
    const o = CliOptions.parse(['--demo', 'study.rtcw', '--dry-run=false'], ['demo', 'dry-run']);
    expect(o.positionals).toEqual(['study.rtcw']);
    expect(o.flag('demo')).toBe(true);
    expect(o.flag('dry-run')).toBe(false);
    expect(CliOptions.parse(['--demo', 'study.rtcw']).string('demo')).toBe('study.rtcw');
  });

  it('parses COLUMN=VALUE lists (--ref)', () => {
    const ref = CliOptions.parse(['--ref', 'celltype=squamous,sex=F']).keyValues('ref');
    expect([...ref]).toEqual([['celltype', 'squamous'], ['sex', 'F']]);
    expect(() => CliOptions.parse(['--ref', 'celltype']).keyValues('ref')).toThrow(/COLUMN=VALUE/);
  });
});
