// `rtcw finegray` — Fine–Gray subdistribution hazards regression (cli.md), as R's cmprsk::crr.
import { CliError, type CliOptions } from '../options';
import { readDesign } from './cox';
import { ModelFitError } from '../../../shared/stats/coxModel';
import { fineGray, fineGrayTerms, fineGrayWarnings } from '../../../shared/stats/fineGray';

export const allowedOptions = ['data', 'time', 'status', 'covariates', 'factors', 'ref', 'cause'];

export function run(options: CliOptions): unknown {
  const timeCol = options.requiredString('time');
  const statusCol = options.requiredString('status');
  const cause = options.number('cause', 1);
  const { design, frame } = readDesign(options, [timeCol, statusCol]);
  const time = frame.time(timeCol);
  const raw = frame.numeric(statusCol);
  const status = new Int32Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    if (!Number.isInteger(raw[i]) || raw[i] < 0) {
      const row = frame.rows[i];
      const col = frame.table.columnIndex(statusCol);
      throw new CliError(
        `${frame.table.fileName}: status '${frame.table.text(row, col)}' in ${frame.table.where(row, col)}; status must be 0 (censored) or a cause code (positive integer)`,
      );
    }
    status[i] = raw[i];
  }
  if (!status.includes(cause)) throw new CliError(`--cause ${cause} does not occur in column '${statusCol}' of the rows used`);
  try {
    const fit = fineGray({ time, status, cause, x: design.columns, names: design.names });
    return {
      n: fit.n,
      events: fit.events,
      competingEvents: fit.competingEvents,
      terms: fineGrayTerms(fit),
      converged: fit.converged,
      monotoneLikelihood: fit.monotoneLikelihood,
      warnings: fineGrayWarnings(fit),
    };
  } catch (error) {
    if (error instanceof ModelFitError) throw new CliError(error.message);
    throw error;
  }
}
