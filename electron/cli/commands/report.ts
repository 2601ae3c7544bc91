// `rtcw report --study FILE --out DIR [--endpoint local|os|systemic|localCif] [--group concurrent]
//  [--unit lesion|patient] [--p-threshold 0.05] [--landmarks 12,24] [--firth auto|always|never]
//  [--labels "0=No concurrent TT,1=Concurrent TT"] [--bed-cutoff 51.4] [--sins-cutoff 7]
//  [--ecog-cutoff 2] [--location lesion|regions|both] [--percent-of known|all] [--p-style nejm|ama|lancet|exact]
//  [--ties efron|breslow] [--spec SPEC.json]`
// — the whole study report from the one analysis pipeline (the same spec the Analysis page runs):
// report.json, CSV/DOCX tables, SVG/PDF figures, dataset.csv and reproduce.R. --spec takes a saved
// analysis specification (JSON, as shared/api/analysis analysisSpecSchema); the other options
// override its fields.
import fs from 'node:fs';
import { ANALYSIS_VARIABLES, analysisSpecSchema, ENDPOINTS, type AnalysisSpecInput } from '../../../shared/api/analysis';
import { buildReport, reportDataset, writeReport, type ReportExporter } from '../../services/analysis/report';
import { CliError, type CliOptions } from '../options';
import { withStudyReadOnly } from '../studyAccess';
import { exportReportDocuments } from '../../services/export/reportDocuments';

export const allowedOptions = [
  'study', 'out', 'endpoint', 'group', 'unit', 'p-threshold', 'landmarks', 'firth', 'labels', 'bed-cutoff', 'sins-cutoff',
  'ecog-cutoff', 'location', 'percent-of', 'p-style', 'ties', 'spec',
] as const;

// Further outputs (DOCX tables, SVG/PDF figures) are added here by the export area.
const exporters: ReportExporter[] = [exportReportDocuments];

/** The report's analysis specification: --spec, then the options, then the schema's defaults. */
export function reportSpecFromOptions(options: CliOptions): AnalysisSpecInput {
  let base: Record<string, unknown> = {};
  const specFile = options.string('spec');
  if (specFile) {
    try {
      base = JSON.parse(fs.readFileSync(specFile, 'utf8')) as Record<string, unknown>;
    } catch (error) {
      throw new CliError(`--spec ${specFile}: ${(error as Error).message}`);
    }
  }
  const spec: Record<string, unknown> = { ...base };
  const rules: Record<string, unknown> = { ...((base.rules as Record<string, unknown>) ?? {}) };
  const format: Record<string, unknown> = { ...((base.format as Record<string, unknown>) ?? {}) };
  if (options.has('endpoint')) spec.endpoint = options.choice('endpoint', ENDPOINTS);
  if (options.has('unit')) spec.unit = options.choice('unit', ['lesion', 'patient'] as const);
  if (options.has('firth')) spec.firth = options.choice('firth', ['auto', 'always', 'never'] as const);
  if (options.has('ties')) spec.ties = options.choice('ties', ['efron', 'breslow'] as const);
  if (options.has('group')) {
    const group = options.requiredString('group');
    const v = ANALYSIS_VARIABLES.find((x) => x.key === group);
    if (!v || v.coding === 'numeric') {
      throw new CliError(`--group must be one of ${ANALYSIS_VARIABLES.filter((x) => x.coding !== 'numeric').map((x) => x.key).join(', ')} (got '${group}')`);
    }
    spec.groupBy = group;
  }
  if (options.has('p-threshold')) {
    const p = options.requiredNumber('p-threshold');
    if (!(p > 0 && p < 1)) throw new CliError('--p-threshold must be in (0, 1)');
    spec.threshold = p;
  }
  if (options.has('landmarks')) spec.landmarks = options.numberList('landmarks');
  else if (!specFile) spec.landmarks = [12, 24];
  if (options.has('labels')) spec.groupLabels = Object.fromEntries(options.keyValues('labels'));
  if (options.has('bed-cutoff')) rules.bedCutoffGy = options.requiredNumber('bed-cutoff');
  if (options.has('sins-cutoff')) rules.sinsUnstableFrom = options.requiredNumber('sins-cutoff');
  if (options.has('ecog-cutoff')) rules.ecogHighFrom = options.requiredNumber('ecog-cutoff');
  if (options.has('location')) rules.locationCounting = options.choice('location', ['lesion', 'regions', 'both'] as const);
  if (options.has('percent-of')) rules.percentOf = options.choice('percent-of', ['known', 'all'] as const);
  if (options.has('p-style')) format.pStyle = options.choice('p-style', ['ama', 'nejm', 'lancet', 'exact'] as const);
  spec.rules = rules;
  spec.format = format;
  return spec as AnalysisSpecInput;
}

export async function run(options: CliOptions) {
  const file = options.requiredString('study');
  const out = options.requiredString('out');
  const parsed = analysisSpecSchema.safeParse(reportSpecFromOptions(options));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CliError(`analysis specification: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const spec = parsed.data;
  return withStudyReadOnly(file, async (study) => {
    const report = buildReport(study.db, spec);
    const files = await writeReport(report, out, { dataset: reportDataset(study.db, report), exporters });
    const main = [...report.survival, report.cumulativeIncidence].find((s) => s.endpoint === spec.endpoint);
    return {
      out,
      files,
      counts: report.counts,
      groups: report.groups,
      specHash: report.specHash,
      multivariableFactors: report.cox.multivariable?.covariates ?? [],
      groupTest: main?.test ?? null,
      warnings: report.warnings,
    };
  });
}
