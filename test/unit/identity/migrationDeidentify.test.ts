// Migration 6 on a study made by the release before issue 11 (test/fixtures/studies/README.md):
// identifiers hashed or dropped, the key moved to the key store, VACUUM, older backups rewritten;
// pseudonyms, cohort rows, spreadsheet row keys and DICOM re-import stay as they were.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiRuntime } from '../../../electron/services/api/index';
import { typedPathChooser } from '../../../electron/harness/server';
import type { StudyInfo } from '../../../shared/api/study';
import { openStudy } from '../../../electron/services/db/studyFile';
import { importDicomFolder } from '../../../electron/services/dicom/dicomImport';
import { importTable } from '../../../electron/services/import/tableImport';
import { readSpreadsheet } from '../../../electron/services/import/spreadsheetFile';
import { findPatientByHospitalId } from '../../../electron/services/identity/patientLink';
import { KeyFileStore, requireStudyKey, studyUid } from '../../../electron/services/identity/studyKey';
import { findIdentifiers, studyFiles } from './identifierSearch';

const fixture = fileURLToPath(new URL('../../fixtures/studies/release-480de5e.rtcw', import.meta.url));
const dicomFixtures = fileURLToPath(new URL('../../fixtures/dicom/', import.meta.url));
const importFixtures = fileURLToPath(new URL('../../fixtures/import/', import.meta.url));
const truth = JSON.parse(fs.readFileSync(`${dicomFixtures}cohort-a-truth.json`, 'utf8')) as {
  patients: Array<{ patientId: string; birthDate: string; ageAtFirstRT: number }>;
};

const COHORT_TABLES = ['patients', 'lesions', 'rt_courses', 'systemic_therapies', 'events', 'toxicities', 'provenance', 'saved_analyses'];

interface Before {
  secret: Buffer;
  identities: Array<{ patient_id: number; source_patient_id: string; issuer: string; birth_date: string }>;
  paths: string[];
  machineNames: string[];
  cohort: Record<string, unknown[]>;
  dicomPseudonyms: Map<number, string>;
}

function readBefore(file: string): Before {
  const db = new Database(file, { readonly: true });
  try {
    const rtContent = (db.prepare('SELECT rt_content FROM dicom_instance WHERE rt_content IS NOT NULL').all() as { rt_content: string }[]).map((r) => JSON.parse(r.rt_content));
    const machineNames = new Set<string>();
    for (const c of rtContent) {
      for (const b of c.plan?.beams ?? []) if (b.machineName) machineNames.add(b.machineName);
      if (c.treatmentRecord?.machineName) machineNames.add(c.treatmentRecord.machineName);
    }
    return {
      secret: (db.prepare('SELECT secret FROM dicom_pseudonym_key').get() as { secret: Buffer }).secret,
      identities: db.prepare('SELECT * FROM dicom_source_identity').all() as Before['identities'],
      paths: (db.prepare('SELECT path FROM dicom_source_file').all() as { path: string }[]).map((r) => r.path),
      machineNames: [...machineNames],
      cohort: Object.fromEntries(COHORT_TABLES.map((t) => [t, db.prepare(`SELECT * FROM ${t} ORDER BY id`).all()])),
      dicomPseudonyms: new Map((db.prepare('SELECT id, pseudonym FROM dicom_patient').all() as { id: number; pseudonym: string }[]).map((r) => [r.id, r.pseudonym])),
    };
  } finally {
    db.close();
  }
}

function needlesOf(before: Before): string[] {
  const needles = new Set<string>();
  for (const i of before.identities) {
    needles.add(i.source_patient_id);
    needles.add(i.birth_date);
    needles.add(i.birth_date.replace(/-/g, ''));
  }
  for (const p of before.paths) {
    needles.add(path.dirname(path.dirname(path.dirname(p)))); // /tmp/rtcw-fixture-src/dicom
    for (const part of p.split('/')) if (part.length >= 6) needles.add(part);
  }
  for (const m of before.machineNames) needles.add(m);
  return [...needles];
}

function secretForms(secret: Buffer): Buffer[] {
  return [secret, Buffer.from(secret.toString('hex')), Buffer.from(secret.toString('hex').toUpperCase()), Buffer.from(secret.toString('base64'))];
}

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rtcw-migration-4-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('migration 6 on a study of the previous release', () => {
  it('hashes what re-scans need, drops the rest, moves the key out, rewrites the backups', async () => {
    const dir = path.join(tmp, 'site');
    fs.mkdirSync(dir);
    const file = path.join(dir, 'study.rtcw');
    fs.copyFileSync(fixture, file);
    // An older backup next to it (as an earlier migration would have left), holding the same identifiers.
    const olderBackup = `${file}.schema-v2.20250101T000000.bak`;
    fs.copyFileSync(fixture, olderBackup);
    const before = readBefore(file);
    const needles = needlesOf(before);
    expect(before.identities).toHaveLength(3);
    expect(before.paths).toHaveLength(88);
    expect(before.machineNames).toContain('TB1');
    // The identifiers and the key are really in the release's file (so the search below is real).
    expect(findIdentifiers([file], needles).length).toBeGreaterThan(20);
    expect(findIdentifiers([file], [], secretForms(before.secret)).length).toBeGreaterThan(0);

    const keyStore = new KeyFileStore(path.join(tmp, 'user-data', 'study-keys'));
    const study = await openStudy(file, { keyStore });
    try {
      expect(study.schemaVersion).toBeGreaterThanOrEqual(4);
      // Both backups (the one just made and the older one) were rewritten, none deleted.
      expect(study.backupPath).not.toBeNull();
      expect([...study.backupsRewritten].sort()).toEqual([path.basename(study.backupPath as string), path.basename(olderBackup)].sort());
      expect(study.backupsRemoved).toEqual([]);

      // The key is the old secret, outside the study, 0600; the study has only its uid and check value.
      const uid = studyUid(study.db);
      expect(uid).toMatch(/^[0-9a-f]{32}$/);
      expect(requireStudyKey(study.db, keyStore).equals(before.secret)).toBe(true);
      expect(fs.statSync(path.join(tmp, 'user-data', 'study-keys', `${uid}.key`)).mode & 0o777).toBe(0o600);

      // Cohort rows are unchanged (TB1 was never a course's machine: the model was).
      for (const t of COHORT_TABLES) {
        expect(study.db.prepare(`SELECT * FROM ${t} ORDER BY id`).all(), t).toEqual(before.cohort[t]);
      }
      // Index patients keep their pseudonyms, gain the hospital-ID hash and the age at first RT.
      const patients = study.db.prepare('SELECT id, pseudonym, id_hash AS idHash, age_at_first_rt AS age FROM dicom_patient').all() as Array<{
        id: number;
        pseudonym: string;
        idHash: string;
        age: number;
      }>;
      for (const p of patients) expect(p.pseudonym).toBe(before.dicomPseudonyms.get(p.id));
      for (const i of before.identities) {
        const t = truth.patients.find((x) => x.patientId === i.source_patient_id);
        const row = patients.find((p) => p.id === i.patient_id);
        expect(row?.age, i.source_patient_id).toBe(t?.ageAtFirstRT);
        // The cohort patient committed from DICOM is found by the hospital ID.
        const cohortId = findPatientByHospitalId(study.db, before.secret, i.issuer, i.source_patient_id);
        const cohortPseudonym = (study.db.prepare('SELECT pseudonym FROM patients WHERE id = ?').get(cohortId) as { pseudonym: string }).pseudonym;
        expect(cohortPseudonym).toBe(row?.pseudonym);
      }
      expect((study.db.prepare('SELECT count(*) AS n FROM dicom_file_seen').get() as { n: number }).n).toBe(88);
      const tables = (study.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name);
      expect(tables).not.toContain('dicom_source_identity');
      expect(tables).not.toContain('dicom_source_file');
      expect(tables).not.toContain('dicom_pseudonym_key');
      // VACUUM left no free page.
      expect(study.db.pragma('freelist_count', { simple: true })).toBe(0);

      // Nothing identifying in the file, its WAL or any backup — and not the key either.
      expect(findIdentifiers(studyFiles(file), needles, secretForms(before.secret))).toEqual([]);
    } finally {
      study.close();
    }
    expect(findIdentifiers(studyFiles(file), needles, secretForms(before.secret))).toEqual([]);

    // The rewritten backups are valid studies of the current schema, holding the cohort.
    for (const name of [olderBackup]) {
      const bak = new Database(name, { readonly: true });
      expect(bak.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(bak.pragma('user_version', { simple: true })).toBeGreaterThanOrEqual(4);
      expect(bak.prepare('SELECT * FROM patients ORDER BY id').all()).toEqual(before.cohort.patients);
      bak.close();
    }

    // After the migration: re-importing the same DICOM patients and the same sheet adds nothing.
    const dicomDir = path.join(tmp, 'dicom');
    for (const id of before.identities.map((i) => i.source_patient_id)) {
      fs.cpSync(path.join(dicomFixtures, 'cohort-a', id), path.join(dicomDir, id), { recursive: true });
    }
    const reimport = await importDicomFolder(file, dicomDir, { keyStore });
    expect(reimport).toMatchObject({ newInstances: 0, patientsAdded: 0, lesionsAdded: 0, coursesAdded: 0, alreadyPresent: 5 });
    const again = await openStudy(file, { keyStore });
    try {
      const sheet = importTable(again.db, await readSpreadsheet(path.join(importFixtures, 'patients.csv')), fs.readFileSync(path.join(importFixtures, 'patients-mapping.json'), 'utf8'), {
        studyKey: requireStudyKey(again.db, keyStore),
      });
      expect(sheet.sheets[0]).toMatchObject({ inserted: 0, unchanged: 3 });
      expect((again.db.prepare('SELECT count(*) AS n FROM patients').get() as { n: number }).n).toBe(6);
    } finally {
      again.close();
    }
    expect(findIdentifiers(studyFiles(file), needles, secretForms(before.secret))).toEqual([]);
  }, 180_000);

  it('deletes (and reports) a backup it cannot rewrite', async () => {
    const dir = path.join(tmp, 'damaged');
    fs.mkdirSync(dir);
    const file = path.join(dir, 'study.rtcw');
    fs.copyFileSync(fixture, file);
    const broken = `${file}.schema-v1.20240101T000000.bak`;
    fs.writeFileSync(broken, Buffer.concat([fs.readFileSync(fixture).subarray(0, 4096), Buffer.from('H29712488 1937-09-15')]));
    const study = await openStudy(file, { keyStore: new KeyFileStore(path.join(tmp, 'keys-2')) });
    study.close();
    expect(study.backupsRemoved).toEqual([path.basename(broken)]);
    expect(fs.existsSync(broken)).toBe(false);
    expect(findIdentifiers(studyFiles(file), ['H29712488', '1937-09-15'])).toEqual([]);
  });

  it('tells the user in the app what it did to the backups', async () => {
    const dir = path.join(tmp, 'app');
    fs.mkdirSync(dir);
    const file = path.join(dir, 'study.rtcw');
    fs.copyFileSync(fixture, file);
    const service = createApiRuntime({ userDataDir: path.join(dir, 'user-data'), choosePath: typedPathChooser(dir), logError: () => {} });
    try {
      const response = await service.call('openStudy', { path: file });
      if (!response.ok) throw new Error(response.error.message);
      const info = response.result as StudyInfo;
      expect(info.notices).toHaveLength(1);
      expect(info.notices[0]).toMatch(/^Patient identifiers \(hospital IDs, birth dates, file paths\) were removed from this study and from its 1 backup copy next to it \(study\.rtcw\.schema-v3\.\d{8}T\d{6}\.bak\)/);
      // The key went to this workstation's key store.
      expect(fs.readdirSync(path.join(dir, 'user-data', 'study-keys'))).toHaveLength(1);
    } finally {
      service.session.dispose();
    }
  });
});
