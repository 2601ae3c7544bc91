// rtcw km — Kaplan–Meier curves (cli.md), as R's survfit + summary(censored = TRUE) + quantile.
import { kaplanMeierByGroup, survivalAt, survivalQuantile, survivalTable, type ConfType } from '../../../shared/stats/kaplanMeier';
import { readCsvTable } from '../../services/analysis/csvTable';
import { CliError, type CliOptions } from '../options';

export const allowedOptions = ['data', 'time', 'event', 'group', 'conf-type', 'conf-level', 'at'];

export function run(options: CliOptions) {
  const timeColumn = options.requiredString('time');
  const eventColumn = options.requiredString('event');
  const groupColumn = options.string('group');
  const confType = options.choice<ConfType>('conf-type', ['log', 'log-log', 'plain'], 'log');
  const confLevel = options.number('conf-level', 0.95);
  if (!(confLevel > 0 && confLevel < 1)) throw new CliError(`option --conf-level must be between 0 and 1; got ${confLevel}`);
  const at = options.numberList('at');
  const table = readCsvTable(options.requiredString('data'));
  const frame = table.select(groupColumn ? [timeColumn, eventColumn, groupColumn] : [timeColumn, eventColumn]);
  if (frame.n === 0) throw new CliError(`${table.fileName}: no complete rows for the columns used`);
  const time = frame.time(timeColumn);
  const event = frame.event(eventColumn);
  const groups = groupColumn ? frame.factor(groupColumn) : { levels: [null], codes: new Int32Array(frame.n) };
  const curves = kaplanMeierByGroup(time, event, groups.codes, groups.levels.length, { confType, confLevel });
  return {
    groups: curves.map((curve, g) => ({
      group: groups.levels[g],
      n: curve.n,
      events: curve.events,
      table: survivalTable(curve),
      median: survivalQuantile(curve, 0.5),
      ...(at ? { at: survivalAt(curve, at) } : {}),
    })),
  };
}
