// Child process: runs a spreadsheet import as `rtcw study import-table` does and SIGKILLs itself in
// the middle of the import transaction — from inside SQLite, when the `killAfter`-th patient row is
// inserted (a TEMP trigger calling a function), so the moment is exact, not a race.
import { openStudy } from '../../../electron/services/db/studyFile';
import { readSpreadsheet } from '../../../electron/services/import/spreadsheetFile';
import { importTable } from '../../../electron/services/import/tableImport';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';

const [studyPath, tablePath, mappingPath, killAfter] = process.argv.slice(2);
const workbook = await readSpreadsheet(tablePath);
const study = await openStudy(studyPath);
let inserted = 0;
study.db.function('rtcw_test_kill', () => {
  if (++inserted >= Number(killAfter)) {
    process.stdout.write(`killing after ${inserted} rows\n`);
    process.kill(process.pid, 'SIGKILL');
  }
  return 0;
});
study.db.exec('CREATE TEMP TRIGGER rtcw_test_kill AFTER INSERT ON patients BEGIN SELECT rtcw_test_kill(); END');
// The study key (issue 11a: importTable needs it for row keys); any key does for this test, and a
// random one keeps the child from writing into the user's key store.
importTable(study.db, workbook, fs.readFileSync(mappingPath, 'utf8'), { studyKey: randomBytes(32) });
process.stdout.write('finished without being killed\n');
study.close();
