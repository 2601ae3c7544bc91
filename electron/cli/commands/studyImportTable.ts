// `rtcw study import-table FILE --table SHEET.csv|.xlsx --mapping MAPPING.json [--dry-run]` —
// spreadsheet import, all or nothing. Rejected rows are reported (row, column, value, reason) and
// the command exits 2 with nothing written.
import fs from 'node:fs';
import path from 'node:path';
import { importTable } from '../../services/import/tableImport';
import { MappingError } from '../../services/import/tableMapping';
import { readSpreadsheet, SpreadsheetError } from '../../services/import/spreadsheetFile';
import { CliError, type CliOptions } from '../options';
import { getOrCreateStudyKey } from '../../services/identity/studyKey';
import { cliKeyStore, studyPositional, withStudy } from '../studyAccess';

export const allowedOptions = ['table', 'mapping', 'dry-run', 'key'] as const;
export const flagOptions = ['dry-run'] as const;

export async function run(options: CliOptions) {
  const file = studyPositional(options, 'study import-table');
  const tablePath = options.requiredString('table');
  const mappingPath = options.requiredString('mapping');
  let mappingText: string;
  try {
    mappingText = fs.readFileSync(mappingPath, 'utf8');
  } catch {
    throw new CliError(`cannot read mapping ${path.basename(mappingPath)}`);
  }
  let workbook;
  try {
    workbook = await readSpreadsheet(tablePath);
  } catch (error) {
    if (error instanceof SpreadsheetError) throw new CliError(error.message);
    throw error;
  }
  const keyStore = cliKeyStore(options);
  const report = await withStudy(
    file,
    (study) => {
      try {
        const studyKey = getOrCreateStudyKey(study.db, keyStore, 'Importing a spreadsheet into this study');
        return importTable(study.db, workbook, mappingText, { dryRun: options.flag('dry-run'), studyKey });
      } catch (error) {
        if (error instanceof MappingError) throw new CliError(`${path.basename(mappingPath)}: ${error.message}`);
        throw error;
      }
    },
    keyStore,
  );
  if (report.rejected.length > 0) {
    // The full report goes to stdout as JSON; stderr gets one line listing the rejected cells.
    const shown = report.rejected.slice(0, 20).map((r) => `${r.sheet} row ${r.row}, column ${r.column}: ${r.reason}`);
    const more = report.rejected.length > shown.length ? ` | … ${report.rejected.length - shown.length} more` : '';
    throw new CliError(`${report.message}: ${shown.join(' | ')}${more}`, report);
  }
  return report;
}
