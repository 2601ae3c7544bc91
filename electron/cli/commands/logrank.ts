// rtcw logrank — G-rho family test (cli.md), as R's survdiff.
import { survivalDifference } from '../../../shared/stats/survivalDifference';
import { readCsvTable } from '../../services/analysis/csvTable';
import { CliError, type CliOptions } from '../options';

export const allowedOptions = ['data', 'time', 'event', 'group', 'strata', 'rho'];

export function run(options: CliOptions) {
  const timeColumn = options.requiredString('time');
  const eventColumn = options.requiredString('event');
  const groupColumn = options.requiredString('group');
  const strataColumn = options.string('strata');
  const rho = options.number('rho', 0);
  const used = [timeColumn, eventColumn, groupColumn, ...(strataColumn ? [strataColumn] : [])];
  const table = readCsvTable(options.requiredString('data'), used);
  const frame = table.select(used);
  if (frame.n === 0) throw new CliError(`${table.fileName}: no complete rows for the columns used`);
  const time = frame.time(timeColumn);
  const event = frame.event(eventColumn);
  const groups = frame.factor(groupColumn);
  if (groups.levels.length < 2) {
    throw new CliError(`group column '${groupColumn}' has only one value ('${groups.levels[0]}'); a test needs two or more groups`);
  }
  const strata = strataColumn ? frame.factor(strataColumn) : undefined;
  const result = survivalDifference(time, event, groups.codes, groups.levels.length, {
    strata: strata?.codes,
    nStrata: strata?.levels.length,
    rho,
  });
  return {
    chisq: result.chisq,
    df: result.df,
    p: result.p,
    groups: result.groups.map((g, k) => ({ group: groups.levels[k], n: g.n, observed: g.observed, expected: g.expected })),
    ...(result.warnings.length ? { warnings: result.warnings } : {}),
  };
}
