// Patient tables for the import tests, written as real CSV files: `count` patients with record ids
// from `firstId`, in the REDCap layout of test/fixtures/import/patients.csv (same mapping file).
import fs from 'node:fs';
import path from 'node:path';

export const patientMapping = path.resolve(__dirname, '../../fixtures/import/patients-mapping.json');

export function writePatientCsv(file: string, firstId: number, count: number, pseudonym: (id: number) => string = (id) => `P-${id}`): string {
  const lines = ['record_id,study_id,sex,age,ecog,vital,death_date,last_fu'];
  for (let id = firstId; id < firstId + count; id++) lines.push(`${id},${csvText(pseudonym(id))},${1 + (id % 2)},${40 + (id % 50)},${id % 3},0,,01.09.2014`);
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

function csvText(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
