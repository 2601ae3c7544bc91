// rtcw km — Kaplan–Meier curves (cli.md), as R's survfit + summary(censored = TRUE) + quantile.
import { kaplanMeierByGroup, survivalAt, survivalQuantile, survivalTableRows, type ConfType, type KaplanMeierCurve } from '../../../shared/stats/kaplanMeier';
import { readCsvTable } from '../../services/analysis/csvTable';
import { CliError, type CliOptions } from '../options';
import { StreamedJson, jsonArrayChunks, jsonObjectChunks } from '../streamedJson';

export const allowedOptions = ['data', 'time', 'event', 'group', 'conf-type', 'conf-level', 'at'];

export function run(options: CliOptions) {
  const timeColumn = options.requiredString('time');
  const eventColumn = options.requiredString('event');
  const groupColumn = options.string('group');
  const confType = options.choice<ConfType>('conf-type', ['log', 'log-log', 'plain'], 'log');
  const confLevel = options.number('conf-level', 0.95);
  if (!(confLevel > 0 && confLevel < 1)) throw new CliError(`option --conf-level must be between 0 and 1; got ${confLevel}`);
  const at = options.numberList('at');
  const used = groupColumn ? [timeColumn, eventColumn, groupColumn] : [timeColumn, eventColumn];
  const table = readCsvTable(options.requiredString('data'), used);
  const frame = table.select(used);
  if (frame.n === 0) throw new CliError(`${table.fileName}: no complete rows for the columns used`);
  const time = frame.time(timeColumn);
  const event = frame.event(eventColumn);
  const groups = groupColumn ? frame.factor(groupColumn) : { levels: [null], codes: new Int32Array(frame.n) };
  const curves = kaplanMeierByGroup(time, event, groups.codes, groups.levels.length, { confType, confLevel });
  // Printed block by block (streamedJson.ts): the table has a row per distinct time.
  return new StreamedJson(jsonObjectChunks({}, 'groups', groupsJson(curves, groups.levels, at), {}));
}

/** The `groups` array: { group, n, events, table, median, at? } per curve (cli.md). */
function* groupsJson(curves: KaplanMeierCurve[], levels: Array<string | null>, at: number[] | undefined): Generator<string> {
  yield '[';
  for (let g = 0; g < curves.length; g++) {
    const curve = curves[g];
    if (g > 0) yield ',';
    yield* jsonObjectChunks(
      { group: levels[g], n: curve.n, events: curve.events },
      'table',
      jsonArrayChunks(curve.time.length, (from, to) => survivalTableRows(curve, from, to)),
      { median: survivalQuantile(curve, 0.5), ...(at ? { at: survivalAt(curve, at) } : {}) },
    );
  }
  yield ']';
}
