// rtcw tabletest — the tests behind Table 1 (cli.md).
import {
  contingencyTable,
  fisherExact,
  fisherSimulated,
  FisherTableTooLargeError,
  kruskalWallis,
  pearsonChiSquare,
  wilcoxonRankSum,
} from '../../../shared/stats/tableTests';
import { readCsvTable } from '../../services/analysis/csvTable';
import { CliError, type CliOptions } from '../options';

export const allowedOptions = ['data', 'row', 'group', 'test', 'simulate', 'seed'];

export function run(options: CliOptions) {
  const rowColumn = options.requiredString('row');
  const groupColumn = options.requiredString('group');
  const test = options.choice('test', ['fisher', 'chisq', 'wilcoxon', 'kruskal']);
  if (!test) throw new CliError('missing required option --test (fisher, chisq, wilcoxon or kruskal)');
  // --simulate B: Monte-Carlo p-value for Fisher's test (fisher.test(simulate.p.value = TRUE, B = B)).
  const simulate = options.has('simulate') ? options.requiredNumber('simulate') : undefined;
  const seed = options.number('seed', 1);
  if (simulate !== undefined && test !== 'fisher') throw new CliError('--simulate applies to --test fisher only');
  if (simulate !== undefined && !(Number.isInteger(simulate) && simulate >= 1 && simulate <= 1e7)) {
    throw new CliError(`--simulate must be a whole number of replicates from 1 to 10000000 (got ${simulate})`);
  }
  if (!(Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32)) throw new CliError(`--seed must be a whole number from 0 to 4294967295 (got ${seed})`);
  const used = [rowColumn, groupColumn];
  const table = readCsvTable(options.requiredString('data'), used);
  const frame = table.select(used);
  if (frame.n === 0) throw new CliError(`${table.fileName}: no complete rows for the columns used`);
  const groups = frame.factor(groupColumn);
  const k = groups.levels.length;
  if (k < 2) throw new CliError(`group column '${groupColumn}' has only one value ('${groups.levels[0]}'); a test needs two or more groups`);

  if (test === 'fisher' || test === 'chisq') {
    const rows = frame.factor(rowColumn);
    if (rows.levels.length < 2) throw new CliError(`column '${rowColumn}' has only one value ('${rows.levels[0]}')`);
    const counts = contingencyTable(rows.codes, rows.levels.length, groups.codes, k);
    if (test === 'chisq') {
      const r = pearsonChiSquare(counts);
      return { p: r.p, statistic: r.statistic };
    }
    if (simulate !== undefined) {
      const r = fisherSimulated(counts, { replicates: simulate, seed });
      return { p: r.p, simulated: r.replicates, seed };
    }
    try {
      return { p: fisherExact(counts).p };
    } catch (error) {
      if (!(error instanceof FisherTableTooLargeError)) throw error;
      throw new CliError(`${error.message}; use --simulate 10000 (Monte-Carlo p-value, as R's simulate.p.value) or --test chisq`);
    }
  }
  const values = frame.numeric(rowColumn);
  if (test === 'wilcoxon') {
    if (k !== 2) throw new CliError(`the Wilcoxon rank-sum test needs exactly two groups; '${groupColumn}' has ${k} (use --test kruskal)`);
    const r = wilcoxonRankSum(values, groups.codes);
    return { p: r.p, statistic: r.statistic };
  }
  const r = kruskalWallis(values, groups.codes, k);
  return { p: r.p, statistic: r.statistic };
}
