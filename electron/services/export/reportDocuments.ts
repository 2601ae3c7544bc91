// The study report's manuscript documents (a ReportExporter for electron/services/analysis/report):
// DOCX tables (Table 1, Cox univariable/multivariable side by side, patterns of first failure,
// toxicity) and SVG + PDF figures (Kaplan–Meier per endpoint, cumulative incidence of local
// progression with death competing, forest plot of the Cox model), each stamped with provenance.
// Only formatting: the tables are the same table models as the Export page and report CSVs, the
// figures the same builders as the Analysis page (shared/charts).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StudyReport } from '../../../shared/domain/studyReport';
import { analysisForestFigure, analysisSurvivalFigure } from '../../../shared/charts/analysisFigure';
import { PRESETS } from '../../../shared/charts/journalStyle';
import { reportTableModels, type TableModel } from '../../../shared/charts/tableModel';
import { EXPORT_SCALE, exportFigure } from './figureExport';
import { measureFigureText } from './figureFont';
import { appVersion, type Provenance } from './provenance';
import { tableToDocx } from './tableExport';

function reportProvenance(report: StudyReport): Provenance {
  return { software: 'RT Cohort Workstation', appVersion: appVersion(), analysisSpecHash: report.specHash, datasetFingerprint: report.datasetFingerprint };
}

export function reportTables(report: StudyReport, locale?: string): Array<[string, TableModel]> {
  return reportTableModels(report, locale).map(([name, model]) => [`${name}.docx`, model]);
}

/** Writes the report's DOCX tables and SVG/PDF figures into outDir; returns the file names. */
export async function exportReportDocuments(report: StudyReport, outDir: string, locale?: string): Promise<string[]> {
  const provenance = reportProvenance(report);
  const written: string[] = [];
  for (const [name, model] of reportTables(report, locale)) {
    writeFileSync(join(outDir, name), await tableToDocx(model, provenance));
    written.push(name);
  }
  const preset = { ...PRESETS.single, pStyle: report.spec.format.pStyle };
  const ctx = { preset, measureText: measureFigureText, scale: EXPORT_SCALE };
  const figures: Array<[string, ReturnType<typeof analysisSurvivalFigure>]> = [];
  for (const s of [...report.survival, report.cumulativeIncidence]) {
    if (s.curves.every((c) => c.steps.length === 0)) continue;
    const spec = { ...report.spec, endpoint: s.endpoint };
    figures.push([s.kind === 'cif' ? 'cif-local' : `km-${s.endpoint}`, analysisSurvivalFigure({ ...s, spec }, ctx)]);
  }
  const forest = analysisForestFigure({ spec: report.spec, ...report.cox }, { ...ctx, preset: { ...PRESETS.double, pStyle: report.spec.format.pStyle } });
  if (forest) figures.push(['forest-cox', forest]);
  for (const [base, figure] of figures) {
    for (const format of ['svg', 'pdf'] as const) {
      const name = `${base}.${format}`;
      writeFileSync(join(outDir, name), (await exportFigure(figure, provenance, { format })).data);
      written.push(name);
    }
  }
  return written;
}
