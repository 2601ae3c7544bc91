// The statistical-methods paragraph for the manuscript, stating exactly what the analysis computed:
// estimator, CI construction, tests, Cox ties, clustering, penalisation, model selection and software.
import type { AnalysisResult } from '../api/analysis';
import { DEFAULT_P_STYLE, formatPValue, type PStyle } from './journalStyle';

const ENDPOINT_TEXT: Record<AnalysisResult['spec']['endpoint'], string> = {
  local: 'local control (time to local progression of the treated lesion, with death without local progression censored)',
  os: 'overall survival (time to death from any cause)',
  systemic: 'systemic progression-free survival (time to systemic progression)',
  localCif: 'the cumulative incidence of local progression, with death without local progression as a competing event',
};

const CONF_TYPE_TEXT = {
  log: 'on the log scale',
  'log-log': 'on the log(−log) scale',
  plain: 'on the linear scale',
} as const;

export function methodsParagraph(result: AnalysisResult, software: { name: string; version: string }, pStyle: PStyle = DEFAULT_P_STYLE): string {
  const spec = result.spec;
  const level = Math.round(spec.confLevel * 100);
  const s: string[] = [];
  s.push(
    `Time was measured in months from the start of radiotherapy; the unit of analysis was the ${spec.unit === 'lesion' ? 'treated lesion' : 'patient (first treated lesion)'}.`,
  );
  if (result.kind === 'cif') {
    s.push(
      `The endpoint was ${ENDPOINT_TEXT[spec.endpoint]}, estimated with the Aalen–Johansen estimator (cumulative incidence function)` +
        (spec.chart.ci ? `, with pointwise ${level}% confidence intervals on the log(−log) scale using Gray's variance estimator.` : '.'),
    );
    if (result.test) s.push("Cumulative incidence was compared between groups with Gray's test.");
  } else {
    s.push(
      `The endpoint was ${ENDPOINT_TEXT[spec.endpoint]}, estimated with the Kaplan–Meier method; ${level}% confidence intervals were computed ${CONF_TYPE_TEXT[spec.confType]} from Greenwood's variance.`,
    );
    if (result.test) s.push('Survival was compared between groups with the log-rank test.');
  }
  s.push('Median follow-up was estimated with the reverse Kaplan–Meier method.');
  const ties = spec.ties === 'efron' ? "Efron's" : "Breslow's";
  let cox = `Hazard ratios (HRs) with ${level}% confidence intervals were estimated with Cox proportional hazards regression (${ties} method for tied event times)`;
  if (spec.unit === 'lesion' && spec.cluster) cox += ', with robust (sandwich) standard errors clustered by patient to account for several lesions per patient (Lin and Wei)';
  s.push(`${cox}.`);
  if (spec.firth === 'always') {
    s.push("Firth's penalised partial likelihood (Breslow ties, no clustering) was used for every model, with profile penalised-likelihood confidence intervals and P values.");
  } else if (spec.firth === 'auto') {
    s.push(
      "Models whose partial likelihood was monotone (an estimate diverging, e.g. a level without events) were refitted with Firth's penalised partial likelihood (Breslow ties, no clustering), with profile penalised-likelihood confidence intervals and P values" +
        (result.coxMethods.firth > 0 ? ` (${result.coxMethods.firth} model${result.coxMethods.firth > 1 ? 's' : ''}).` : '; none was.'),
    );
  }
  if (result.multivariable) {
    s.push(
      spec.multivariable === 'threshold'
        ? `Variables with a univariable P value below ${formatPValue(spec.threshold, pStyle)} were entered together in the multivariable model.`
        : 'The multivariable model included the variables chosen before the analysis.',
    );
  }
  s.push('The proportional hazards assumption was assessed with scaled Schoenfeld residuals (Grambsch and Therneau).');
  const r = spec.rules;
  s.push(
    `Variables were dichotomised at ECOG performance status ${r.ecogHighFrom} or higher, SINS ${r.sinsUnstableFrom} or higher and BED ${r.bedCutoffGy} Gy or higher.`,
  );
  const cat =
    r.categoricalTest === 'auto'
      ? `Fisher's exact test when an expected count was below ${r.minExpected}, else Pearson's χ² test`
      : r.categoricalTest === 'fisher'
        ? "Fisher's exact test"
        : "Pearson's χ² test";
  s.push(
    `In Table 1, percentages are of ${r.percentOf === 'known' ? 'the patients or lesions with a known value' : 'all patients or lesions'}` +
      (r.locationCounting === 'lesion'
        ? ', location counting each lesion once in the region holding most of its levels'
        : r.locationCounting === 'regions'
          ? ', location counting every vertebral region a lesion involves (percentages of regions)'
          : ', location given both per lesion and per vertebral region involved (percentages of regions)') +
      `; categorical characteristics were compared with ${cat} and continuous ones with the Wilcoxon rank-sum or Kruskal–Wallis test. All tests were two-sided.`,
  );
  s.push(
    `Analyses were performed with ${software.name} version ${software.version}, whose estimators reproduce R survival 3.5 and cmprsk 2.2 to within 10⁻⁶.`,
  );
  return s.join(' ');
}
