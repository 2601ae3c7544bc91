// The whole-study report (`rtcw report`, cli.md "Studies"): a formatter of the one analysis pipeline
// (studyAnalysis.ts runStudyAnalysis). buildReport runs the pipeline for the report's spec and, for the
// curves of the other endpoints, for the same spec with that endpoint — exactly what the Analysis page
// shows for those specs — and copies the results. writeReport lays them out as report.json, the
// publication tables as CSV (the same table models as DOCX and the Export page), the analysis dataset
// and reproduce.R (shared/domain/reproduceScript.ts), which recomputes the survival, cumulative
// incidence and Cox sections in R from that dataset.
//
// No rule lives here: cut-offs, tests, Firth, clustering and denominators come from the spec
// (shared/api/analysis.ts) and are applied by the pipeline.
import { csvField } from '../../../shared/domain/csvField';
import { csvDelimiter } from '../../../shared/domain/displayFormat';
import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { ApiError } from '../../../shared/api/contract';
import { ENDPOINT_AXIS_LABELS, type AnalysisResult, type AnalysisSpec, type Endpoint } from '../../../shared/api/analysis';
import { methodsParagraph } from '../../../shared/charts/methodsParagraph';
import { reportTableModels } from '../../../shared/charts/tableModel';
import type { ReportCurves, StudyReport } from '../../../shared/domain/studyReport';
import { reproduceScript, REPRODUCE_DATASET_FILE } from '../../../shared/domain/reproduceScript';
import { appVersion, type Provenance } from '../export/provenance';
import { tableToCsv } from '../export/tableExport';
import { buildDataset, datasetToCsv, type AnalysisDataset } from './dataset';
import { runStudyAnalysis, type AnalysisProgress } from './studyAnalysis';
import { getStudySettings } from '../db/cohortRecords';

export type { StudyReport } from '../../../shared/domain/studyReport';

const QUIET: AnalysisProgress = { progress: () => {}, throwIfCancelled: () => {} };

/** The Kaplan–Meier endpoints every report shows, then the cumulative incidence of local progression. */
export const REPORT_KM_ENDPOINTS: readonly Endpoint[] = ['local', 'os', 'systemic'];

function curvesOf(result: AnalysisResult): ReportCurves {
  return {
    endpoint: result.spec.endpoint,
    label: ENDPOINT_AXIS_LABELS[result.spec.endpoint],
    specHash: result.specHash,
    kind: result.kind,
    n: result.n,
    events: result.events,
    excluded: result.excluded,
    curves: result.curves,
    test: result.test,
    hazardRatio: result.hazardRatio,
    landmarks: result.landmarks,
    riskTable: result.riskTable,
  };
}

/** The spec of the report's curves for another endpoint (what the Analysis page runs when the endpoint is switched). */
export function specForEndpoint(spec: AnalysisSpec, endpoint: Endpoint): AnalysisSpec {
  return { ...spec, endpoint };
}

export function buildReport(db: Database.Database, spec: AnalysisSpec, progress: AnalysisProgress = QUIET): StudyReport {
  const primary = runStudyAnalysis(db, spec, progress, { allowEmpty: true });
  const other = (endpoint: Endpoint) =>
    endpoint === spec.endpoint ? primary : runStudyAnalysis(db, specForEndpoint(spec, endpoint), QUIET, { sections: 'curves', allowEmpty: true });
  const settings = getStudySettings(db);
  const total = primary.table1.groups[0];
  return {
    kind: 'rtcw-study-report',
    version: 2,
    title: settings.title,
    synthetic: settings.synthetic,
    spec,
    specHash: primary.specHash,
    datasetFingerprint: primary.datasetFingerprint,
    unit: spec.unit,
    methods: methodsParagraph(primary, { name: 'RT Cohort Workstation', version: appVersion() }, spec.format.pStyle),
    counts: { patients: total?.patients ?? 0, lesions: total?.lesions ?? 0 },
    groups: primary.table1.groups,
    table1: primary.table1,
    survival: REPORT_KM_ENDPOINTS.map((e) => curvesOf(other(e))),
    cumulativeIncidence: curvesOf(other('localCif')),
    cox: { endpoint: spec.endpoint, univariate: primary.univariate, multivariable: primary.multivariable, multivariableNote: primary.multivariableNote, coxMethods: primary.coxMethods },
    firstFailure: primary.firstFailure,
    toxicity: primary.toxicity,
    followUp: primary.followUp,
    warnings: primary.warnings,
    displayFormat: settings.displayFormat ?? 'iso',
  };
}

export function reportProvenance(report: StudyReport): Provenance {
  return { software: 'RT Cohort Workstation', appVersion: appVersion(), analysisSpecHash: report.specHash, datasetFingerprint: report.datasetFingerprint };
}

// ---------------- writing ----------------

/** The report tables as CSV; every field through the one CSV writer (shared/domain/csvField.ts). */
function csv(rows: unknown[][]): string {
  return rows.map((r) => r.map((v) => csvField(v)).join(',')).join('\n') + '\n';
}

/** Landmark rates, medians and tests of every endpoint, one row per group (machine-readable numbers). */
function survivalCsv(report: StudyReport): string {
  const sections = [...report.survival, report.cumulativeIncidence];
  const times = report.spec.landmarks;
  const rows: unknown[][] = [
    ['endpoint', 'group', 'n', 'events', 'median', 'median lower', 'median upper', ...times.flatMap((t) => [`estimate(${t})`, `lower(${t})`, `upper(${t})`]), 'test', 'chisq', 'df', 'p'],
  ];
  for (const s of sections) {
    for (const c of s.curves) {
      const lm = times.map((t) => s.landmarks.find((l) => l.time === t && l.group === c.group));
      rows.push([
        s.label, c.label, c.n, c.events, c.median?.estimate, c.median?.lower, c.median?.upper,
        ...lm.flatMap((l) => [l?.estimate, l?.lower, l?.upper]),
        s.test?.kind ?? '', s.test?.chisq, s.test?.df, s.test?.p,
      ]);
    }
  }
  return csv(rows);
}

export interface ReportWriteOptions {
  dataset?: AnalysisDataset;
  exporters?: ReportExporter[];
  /** The locale a 'locale' display setting resolves to (the service host's; default: this process's). */
  locale?: string;
}

/** A hook for further outputs (DOCX tables, SVG/PDF figures — electron/services/export). Returns files written. */
export type ReportExporter = (report: StudyReport, outDir: string) => Promise<string[]> | string[];

/**
 * Writes report.json, the CSV tables, the analysis dataset and reproduce.R into `outDir` (created if
 * needed), then runs each exporter. Returns the file names written.
 */
export async function writeReport(report: StudyReport, outDir: string, options: ReportWriteOptions = {}): Promise<string[]> {
  try {
    return await writeReportFiles(report, outDir, options);
  } catch (error) {
    // A folder that cannot be written (not a directory, no permission, disk full) is the user's to fix.
    const { code, syscall } = (error ?? {}) as { code?: unknown; syscall?: unknown };
    if (typeof code === 'string' && typeof syscall === 'string') {
      throw new ApiError('IO_ERROR', `cannot write the report into ${outDir}: ${(error as Error).message}`, { cause: error });
    }
    throw error;
  }
}

/** The dataset reproduce.R reads: the report's unit of analysis. */
export function reportDataset(db: Database.Database, report: StudyReport): AnalysisDataset {
  return buildDataset(db, { unit: report.unit });
}

async function writeReportFiles(report: StudyReport, outDir: string, options: ReportWriteOptions): Promise<string[]> {
  fs.mkdirSync(outDir, { recursive: true });
  const provenance = reportProvenance(report);
  const files: Array<[string, string]> = [['report.json', JSON.stringify(report, null, 2) + '\n']];
  // The same table models as the DOCX files and the Export page (tableToCsv adds the BOM and provenance),
  // in the study's date/number setting; survival.csv and dataset.csv stay machine-readable (ISO, '.').
  const delimiter = csvDelimiter(report.displayFormat ?? 'iso', options.locale);
  for (const [name, model] of reportTableModels(report, options.locale)) files.push([`${name}.csv`, tableToCsv(model, provenance, delimiter)]);
  files.push(['survival.csv', `\uFEFF${survivalCsv(report)}`]);
  files.push(['methods.txt', report.methods + '\n']);
  if (options.dataset) {
    if (options.dataset.unit !== report.unit) throw new Error(`the report is per ${report.unit}; its dataset must be too`);
    // dataset.csv stays without a BOM: R's read.csv would take it into the first column name.
    files.push([REPRODUCE_DATASET_FILE, datasetToCsv(options.dataset)]);
    files.push(['reproduce.R', reproduceScript(report.spec, { datasetFile: REPRODUCE_DATASET_FILE, outputFile: 'reproduce.json' })]);
  }
  for (const [name, text] of files) fs.writeFileSync(path.join(outDir, name), text);
  const written = files.map(([name]) => name);
  for (const exporter of options.exporters ?? []) written.push(...(await exporter(report, outDir)));
  return written;
}
