// `rtcw cox` — Cox proportional hazards (cli.md), as R's coxph; `--firth` as coxphf.
import { CliError, type CliOptions } from '../options';
import { readCsvTable } from '../../services/analysis/csvTable';
import { designMatrix, ModelSpecificationError, type CovariateColumn, type DesignMatrix } from '../../../shared/stats/designMatrix';
import {
  coxModel,
  coxTerms,
  coxTests,
  coxWarnings,
  ModelFitError,
  type CoxInput,
  type CoxTies,
} from '../../../shared/stats/coxModel';
import { firthCox } from '../../../shared/stats/firthCox';
import { chiSquareUpperTail } from '../../../shared/stats/distributions';

export const allowedOptions = ['data', 'time', 'event', 'covariates', 'factors', 'ref', 'ties', 'cluster', 'strata', 'firth'];

export interface CoxData {
  input: CoxInput;
  design: DesignMatrix;
  /** Number of cluster levels (0 without --cluster). */
  clusters: number;
}

/** Builds the design matrix from CSV columns; model-specification problems become CliErrors. */
export function readDesign(
  options: CliOptions,
  extraColumns: string[],
): { design: DesignMatrix; frame: ReturnType<ReturnType<typeof readCsvTable>['select']> } {
  const data = options.requiredString('data');
  const covariates = options.requiredList('covariates');
  const factors = options.list('factors') ?? [];
  const refs = options.keyValues('ref');
  for (const f of factors) {
    if (!covariates.includes(f)) throw new CliError(`--factors names '${f}', which is not in --covariates`);
  }
  for (const key of refs.keys()) {
    if (!factors.includes(key)) throw new CliError(`--ref names '${key}', which is not in --factors`);
  }
  const used = [...extraColumns, ...covariates];
  const table = readCsvTable(data, used);
  for (const c of used) table.columnIndex(c);
  const frame = table.select(used);
  if (frame.n === 0) throw new CliError(`${table.fileName}: no complete rows for the columns used`);
  const columns: CovariateColumn[] = covariates.map((name) => {
    if (factors.includes(name)) {
      const f = frame.factor(name);
      return { name, kind: 'factor', levels: f.levels, codes: f.codes, reference: refs.get(name) };
    }
    return { name, kind: 'numeric', values: frame.numeric(name) };
  });
  try {
    return { design: designMatrix(columns, frame.n), frame };
  } catch (error) {
    if (error instanceof ModelSpecificationError) throw new CliError(error.message);
    throw error;
  }
}

/** Reads the data and options shared by `cox` and `zph`. */
export function readCoxData(options: CliOptions): CoxData {
  const time = options.requiredString('time');
  const event = options.requiredString('event');
  const strata = options.string('strata');
  const cluster = options.string('cluster');
  const ties = options.choice<CoxTies>('ties', ['efron', 'breslow'], 'efron');
  const extra = [time, event, ...(strata ? [strata] : []), ...(cluster ? [cluster] : [])];
  const { design, frame } = readDesign(options, extra);
  const input: CoxInput = {
    time: frame.time(time),
    status: frame.event(event),
    x: design.columns,
    names: design.names,
    ties,
  };
  if (strata) input.strata = frame.factor(strata).codes;
  let clusters = 0;
  if (cluster) {
    const f = frame.factor(cluster);
    input.cluster = f.codes;
    clusters = f.levels.length;
  }
  return { input, design, clusters };
}

export function run(options: CliOptions): unknown {
  const firth = options.flag('firth');
  if (firth) {
    if (options.has('cluster')) throw new CliError('--cluster cannot be combined with --firth (coxphf has no robust variance)');
    if (options.has('strata')) throw new CliError('--strata cannot be combined with --firth (coxphf fits no strata)');
    if (options.string('ties', 'breslow') !== 'breslow') {
      throw new CliError('--firth uses Breslow ties (as coxphf); drop --ties or use --ties breslow');
    }
  }
  const { input } = readCoxData(options);
  try {
    if (firth) return runFirth(input);
    const fit = coxModel(input);
    return {
      n: fit.n,
      events: fit.events,
      loglik: fit.loglik,
      terms: coxTerms(fit),
      tests: coxTests(fit),
      ties: fit.ties,
      eventsPerVariable: fit.eventsPerVariable,
      ...(fit.clusters ? { clusters: fit.clusters } : {}),
      converged: fit.converged,
      monotoneLikelihood: fit.monotoneLikelihood,
      warnings: coxWarnings(fit),
    };
  } catch (error) {
    if (error instanceof ModelFitError) throw new CliError(error.message);
    throw error;
  }
}

function runFirth(input: CoxInput): unknown {
  const fit = firthCox({ time: input.time, status: input.status, x: input.x, names: input.names });
  const warnings: string[] = [...fit.warnings];
  return {
    n: fit.n,
    events: fit.events,
    method: 'firth',
    loglik: fit.loglik,
    terms: fit.names.map((term, j) => ({
      term,
      coef: fit.coef[j],
      hr: Math.exp(fit.coef[j]),
      se: fit.se[j],
      robustSe: null,
      z: fit.coef[j] / fit.se[j],
      p: fit.p[j],
      lower: fit.lower[j],
      upper: fit.upper[j],
    })),
    tests: { likelihoodRatio: { chisq: fit.lrChisq, df: fit.df, p: chiSquareUpperTail(fit.lrChisq, fit.df) } },
    ties: 'breslow',
    eventsPerVariable: fit.events / fit.df,
    converged: fit.converged,
    warnings,
  };
}
