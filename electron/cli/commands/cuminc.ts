// rtcw cuminc — cumulative incidence with Gray's test (cli.md), as cmprsk::cuminc + timepoints.
import { cumulativeIncidence, cumulativeIncidenceAt, grayTest } from '../../../shared/stats/cumulativeIncidence';
import { ascendingTimeOrder, groupOrderByCode } from '../../../shared/stats/timeOrder';
import { parseDecimal, readCsvTable } from '../../services/analysis/csvTable';
import { CliError, type CliOptions } from '../options';

export const allowedOptions = ['data', 'time', 'status', 'group', 'at'];

export function run(options: CliOptions) {
  const timeColumn = options.requiredString('time');
  const statusColumn = options.requiredString('status');
  const groupColumn = options.string('group');
  const at = options.numberList('at');
  if (!at || at.length === 0) throw new CliError('missing required option --at');
  const used = groupColumn ? [timeColumn, statusColumn, groupColumn] : [timeColumn, statusColumn];
  const table = readCsvTable(options.requiredString('data'), used);
  const frame = table.select(used);
  if (frame.n === 0) throw new CliError(`${table.fileName}: no complete rows for the columns used`);
  const time = frame.time(timeColumn);
  const statusFactor = frame.factor(statusColumn);
  // Status 0 = censored (cmprsk's cencode = 0); every other value is a cause, in group order.
  const causes = statusFactor.levels.filter((level) => parseDecimal(level) !== 0);
  const causeCode = statusFactor.levels.map((level) => (parseDecimal(level) === 0 ? 0 : causes.indexOf(level) + 1));
  const status = new Int32Array(frame.n);
  for (let i = 0; i < frame.n; i++) status[i] = causeCode[statusFactor.codes[i]];
  if (causes.length === 0) throw new CliError(`status column '${statusColumn}' has no events (every value is 0)`);
  const groups = groupColumn ? frame.factor(groupColumn) : { levels: [null], codes: new Int32Array(frame.n) };
  const nGroups = groups.levels.length;
  const { order, starts } = groupOrderByCode(ascendingTimeOrder(time), groups.codes, nGroups);

  const curves = [];
  for (let c = 0; c < causes.length; c++) {
    for (let g = 0; g < nGroups; g++) {
      const curve = cumulativeIncidence(time, status, c + 1, order.subarray(starts[g], starts[g + 1]));
      curves.push({ group: groups.levels[g], cause: causes[c], at: cumulativeIncidenceAt(curve, at) });
    }
  }
  const result: { curves: typeof curves; gray?: Array<{ cause: string; stat: number; df: number; p: number }> } = { curves };
  if (groupColumn) {
    result.gray = nGroups < 2 ? [] : causes.map((cause, c) => ({ cause, ...grayTest(time, status, c + 1, groups.codes, nGroups) }));
  }
  return result;
}
