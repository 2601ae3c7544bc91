// Issue 11 benchmark: a study of N patients linked by hospital ID (one lesion, one RT course, two
// events each, as a DICOM import leaves them plus follow-up), then timed: an MRN-keyed follow-up
// sheet of N rows (every row hashed, matched and applied: N updates), its idempotent re-import, and
// `study share` (in-memory copy, date shift, VACUUM INTO). Prints one JSON document.
// Run: npx tsx test/bench/identity.bench.ts [patients …]   (default 1000 10000)
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createStudy } from '../../electron/services/db/studyFile';
import { createProvenance } from '../../electron/services/db/cohortRecords';
import { hospitalIdHash, linkHospitalIdHash } from '../../electron/services/identity/patientLink';
import { shareStudy } from '../../electron/services/identity/studyShare';
import { importTable } from '../../electron/services/import/tableImport';
import type { Workbook } from '../../electron/services/import/spreadsheetFile';
import { addDays } from '../../shared/domain/calendarDates';
import { mulberry32 } from '../fixtures/seededRandom';

const mrn = (i: number) => `H${String(10_000_000 + i)}`;

function seedStudy(file: string, n: number, key: Buffer): void {
  const study = createStudy(file);
  const db = study.db;
  const random = mulberry32(20261203);
  db.transaction(() => {
    const prov = createProvenance(db, { kind: 'dicom', label: 'DICOM import' }, 'bench');
    const patient = db.prepare('INSERT INTO patients (pseudonym, sex, age_at_first_rt, provenance_id, source_key) VALUES (?, ?, ?, ?, ?)');
    const lesion = db.prepare("INSERT INTO lesions (patient_id, levels, provenance_id) VALUES (?, 'T12', ?)");
    const course = db.prepare('INSERT INTO rt_courses (lesion_id, start_date, end_date, total_dose_gy, fractions_planned, provenance_id) VALUES (?, ?, ?, 30, 10, ?)');
    const event = db.prepare('INSERT INTO events (patient_id, lesion_id, type, date, provenance_id) VALUES (?, ?, ?, ?, ?)');
    for (let i = 0; i < n; i++) {
      const id = Number(patient.run(`P-${i.toString(16).padStart(16, '0')}`, random() < 0.5 ? 'M' : 'F', 40 + Math.floor(random() * 55), prov, `dicom:${i}`).lastInsertRowid);
      linkHospitalIdHash(db, id, hospitalIdHash(key, '', mrn(i)));
      const lesionId = Number(lesion.run(id, prov).lastInsertRowid);
      const start = addDays('2012-01-01', Math.floor(random() * 3000));
      course.run(lesionId, start, addDays(start, 12), prov);
      event.run(id, lesionId, 'local_progression', addDays(start, 60 + Math.floor(random() * 600)), prov);
      event.run(id, null, 'systemic_progression', addDays(start, 30 + Math.floor(random() * 600)), prov);
    }
  })();
  study.close();
}

function followUpSheet(n: number): Workbook {
  return {
    fileName: 'followup.csv',
    fingerprint: '0'.repeat(64),
    sheets: [
      {
        name: 'followup',
        headers: ['MRN', 'ecog', 'last_fu'],
        rows: Array.from({ length: n }, (_, i) => ({ rowNumber: i + 2, cells: { MRN: mrn(i), ecog: i % 4, last_fu: '2022-06-30' } })),
      },
    ],
  };
}

const mapping = { name: 'followup', sheets: [{ entity: 'patient', columns: { sourcePatientId: 'MRN', ecog: 'ecog', lastFollowupDate: 'last_fu' } }] };

function time<T>(fn: () => T): { ms: number; result: T } {
  const t0 = performance.now();
  const result = fn();
  return { ms: Math.round(performance.now() - t0), result };
}

async function main(): Promise<void> {
  const sizes = process.argv.slice(2).map(Number).filter((x) => x > 0);
  const out: Record<string, unknown> = { load: loadavg()[0] };
  const dir = mkdtempSync(join(tmpdir(), 'rtcw-bench-identity-'));
  try {
    for (const n of sizes.length ? sizes : [1000, 10_000]) {
      const key = randomBytes(32);
      const file = join(dir, `study-${n}.rtcw`);
      seedStudy(file, n, key);
      const { openStudy } = await import('../../electron/services/db/studyFile');
      const study = await openStudy(file);
      const sheet = followUpSheet(n);
      const first = time(() => importTable(study.db, sheet, mapping, { studyKey: key, who: 'bench' }));
      const again = time(() => importTable(study.db, sheet, mapping, { studyKey: key, who: 'bench' }));
      if (first.result.sheets[0].updated !== n || again.result.sheets[0].unchanged !== n) throw new Error('linkage did not apply every row');
      const shared = time(() => shareStudy(study.db, study.path, join(dir, `shared-${n}.rtcw`)));
      study.close();
      out[String(n)] = {
        linkedSheetImportMs: first.ms,
        reimportUnchangedMs: again.ms,
        shareMs: shared.ms,
        studyBytes: statSync(file).size,
        sharedBytes: statSync(shared.result.path).size,
      };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  out.peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
}

void main();
