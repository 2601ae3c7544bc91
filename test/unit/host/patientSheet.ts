// A synthetic patient spreadsheet in the layout of test/fixtures/import/patients.csv (the mapping
// test/fixtures/import/patients-mapping.json reads it), with `rows` rows: large imports for the
// service-host tests and test/bench/serviceHost.bench.ts.
import fs from 'node:fs';

export function writePatientSheet(file: string, rows: number): string {
  const lines = ['record_id,study_id,sex,age,ecog,vital,death_date,last_fu'];
  for (let i = 1; i <= rows; i++) lines.push(`${i},SYN-${i},${1 + (i % 2)},${40 + (i % 40)},${i % 3},0,,01.09.2014`);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}
