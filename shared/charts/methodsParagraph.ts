// The statistical-methods paragraph for the manuscript, stating exactly what the analysis computed:
// estimator, CI construction, tests, Cox ties, clustering, penalisation, model selection and software.
import type { AnalysisResult } from '../api/analysis';
import { formatPValue, type PStyle } from './journalStyle';

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

export function methodsParagraph(result: AnalysisResult, software: { name: string; version: string }, pStyle: PStyle = 'ama'): string {
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
  if (spec.firth) {
    s.push("Because of few events or monotone likelihood, Firth's penalised partial likelihood was used, with profile penalised-likelihood confidence intervals and P values.");
  }
  if (result.multivariable) {
    s.push(
      spec.multivariable === 'threshold'
        ? `Variables with a univariable P value below ${formatPValue(spec.threshold, pStyle)} were entered together in the multivariable model.`
        : 'The multivariable model included the variables chosen before the analysis.',
    );
  }
  s.push('The proportional hazards assumption was assessed with scaled Schoenfeld residuals (Grambsch and Therneau).');
  s.push(
    `Categorical characteristics were compared with Fisher's exact test or Pearson's χ² test and continuous ones with the Wilcoxon rank-sum or Kruskal–Wallis test. All tests were two-sided.`,
  );
  s.push(
    `Analyses were performed with ${software.name} version ${software.version}, whose estimators reproduce R survival 3.5 and cmprsk 2.2 to within 10⁻⁶.`,
  );
  return s.join(' ');
}
