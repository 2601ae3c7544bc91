// `rtcw zph` — proportional-hazards test of a Cox model, as R's cox.zph(fit, transform, terms = TRUE).
import { CliError, type CliOptions } from '../options';
import { allowedOptions as coxOptions, readCoxData } from './cox';
import { coxModel, ModelFitError, monotoneLikelihoodMessage } from '../../../shared/stats/coxModel';
import { coxZph, type ZphTransform } from '../../../shared/stats/coxZph';

export const allowedOptions = [...coxOptions.filter((o) => o !== 'firth'), 'transform'];

export function run(options: CliOptions): unknown {
  const transform = options.choice<ZphTransform>('transform', ['km', 'rank', 'identity'], 'km');
  const { input, design } = readCoxData(options);
  try {
    const fit = coxModel(input);
    if (fit.monotoneLikelihood) throw new CliError(`cannot test proportional hazards: ${monotoneLikelihoodMessage(fit)}`);
    const aliased = fit.names.filter((_, j) => fit.aliased[j]);
    if (aliased.length) {
      throw new CliError(`cannot test proportional hazards: ${aliased.map((t) => `'${t}'`).join(', ')} not estimable (aliased: constant or collinear with the other covariates); remove ${aliased.length > 1 ? 'them' : 'it'} from the model`);
    }
    const terms = design.terms.map((t) => ({ term: t.name, columns: t.columns }));
    return coxZph(input, fit, terms, transform);
  } catch (error) {
    if (error instanceof ModelFitError) throw new CliError(error.message);
    throw error;
  }
}
