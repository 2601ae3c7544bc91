// `rtcw report --study FILE --out DIR [--endpoint local|os|systemic] [--group concurrent]
//  [--unit lesion|patient] [--p-threshold 0.05] [--landmarks 12,24] [--firth auto|always|never]`
// — the whole study report as report.json plus CSV tables (and, via exporters, DOCX/SVG/PDF).
import { buildDataset } from '../../services/analysis/dataset';
import { buildReport, REPORT_GROUP_COLUMNS, writeReport, type ReportExporter, type ReportGroupColumn } from '../../services/analysis/report';
import { CliError, type CliOptions } from '../options';
import { withStudyReadOnly } from '../studyAccess';
import { exportReportDocuments } from '../../services/export/reportDocuments';

export const allowedOptions = ['study', 'out', 'endpoint', 'group', 'unit', 'p-threshold', 'landmarks', 'firth'] as const;

// Further outputs (DOCX tables, SVG/PDF figures) are added here by the export area:
// one entry per exporter, e.g. `exportReportDocuments` from electron/services/export.
const exporters: ReportExporter[] = [exportReportDocuments];

export async function run(options: CliOptions) {
  const file = options.requiredString('study');
  const out = options.requiredString('out');
  const endpoint = options.choice('endpoint', ['local', 'os', 'systemic'] as const, 'local');
  const unit = options.choice('unit', ['lesion', 'patient'] as const, 'lesion');
  const firth = options.choice('firth', ['auto', 'always', 'never'] as const, 'auto');
  const group = options.string('group', 'concurrent');
  if (!(REPORT_GROUP_COLUMNS as readonly string[]).includes(group)) {
    throw new CliError(`--group must be one of ${REPORT_GROUP_COLUMNS.join(', ')} (got '${group}')`);
  }
  const pThreshold = options.number('p-threshold', 0.05);
  if (!(pThreshold > 0 && pThreshold <= 1)) throw new CliError('--p-threshold must be in (0, 1]');
  const landmarks = options.numberList('landmarks') ?? [12, 24];
  return withStudyReadOnly(file, async (study) => {
    const report = buildReport(study.db, { endpoint, unit, firth, group: group as ReportGroupColumn, pThreshold, landmarks });
    const files = await writeReport(report, out, { dataset: buildDataset(study.db, { unit: 'lesion' }), exporters });
    return {
      out,
      files,
      counts: report.counts,
      groups: report.groups,
      multivariableFactors: report.cox.multivariable?.factors ?? [],
      logRankP: report.survival.find((s) => s.endpoint === endpoint)?.logRank?.p ?? null,
      warnings: report.warnings,
    };
  });
}
