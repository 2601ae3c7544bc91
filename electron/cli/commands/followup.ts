// rtcw followup — median follow-up by reverse Kaplan–Meier (cli.md).
import { followUp } from '../../../shared/stats/followUp';
import { readCsvTable } from '../../services/analysis/csvTable';
import { CliError, type CliOptions } from '../options';

export const allowedOptions = ['data', 'time', 'event'];

export function run(options: CliOptions) {
  const timeColumn = options.requiredString('time');
  const eventColumn = options.requiredString('event');
  const used = [timeColumn, eventColumn];
  const table = readCsvTable(options.requiredString('data'), used);
  const frame = table.select(used);
  if (frame.n === 0) throw new CliError(`${table.fileName}: no complete rows for the columns used`);
  return followUp(frame.time(timeColumn), frame.event(eventColumn));
}
