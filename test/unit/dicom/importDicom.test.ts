// `study import-dicom`: commits what needs no review, idempotently, with provenance; nothing
// identifying reaches the cohort tables or any export; a killed import leaves the study as it was.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateRawSync, inflateSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../electron/cli/main';
import { createStudy, openStudy } from '../../../electron/services/db/studyFile';
import { commitProposals, deriveFromStudy } from '../../../electron/services/dicom/dicomImport';
import { writeSyntheticCohort, type SyntheticCohort } from './syntheticCohort';

const fixtures = fileURLToPath(new URL('../../fixtures/dicom/', import.meta.url));
const cohortDir = `${fixtures}cohort-a`;
const truth = JSON.parse(readFileSync(`${fixtures}cohort-a-truth.json`, 'utf8'));
interface TruthLesion {
  patientId: string;
  planSopInstanceUid: string;
  targetRoiName: string;
  hasTreatmentRecords: boolean;
  fractionsPlanned: number;
  fractionsDelivered: number | null;
}

let tmp: string;
let syntheticDir: string;
let synthetic: SyntheticCohort;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'rtcw-dicom-import-'));
  syntheticDir = join(tmp, 'synthetic');
  synthetic = writeSyntheticCohort(syntheticDir, 'Q');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function runCli(argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) } });
  return { code, out, err };
}

/**
 * Text of the entries of a ZIP container (DOCX), via its central directory. The theme part is
 * library boilerplate (font tables with script codes like "Hans") and is left out.
 */
function zipEntriesText(zip: Buffer): string {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  let text = '';
  for (let i = 0; i < count; i++) {
    const method = zip.readUInt16LE(at + 10);
    const size = zip.readUInt32LE(at + 20);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + zip.readUInt16LE(at + 28)).toString('utf8');
    at += 46 + zip.readUInt16LE(at + 28) + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    if (name.includes('/theme/')) continue;
    const data = zip.subarray(start, start + size);
    text += (method === 8 ? inflateRawSync(data) : data).toString('utf8');
  }
  return text;
}

/** PDF content with its Flate streams inflated (text is glyph-encoded, so this is a weak check). */
function pdfText(pdf: Buffer): string {
  let text = pdf.toString('latin1');
  for (const m of text.matchAll(/stream\r?\n/g)) {
    const start = (m.index ?? 0) + m[0].length;
    const end = pdf.indexOf('endstream', start);
    try {
      text += inflateSync(pdf.subarray(start, end)).toString('latin1');
    } catch {
      // not a Flate stream
    }
  }
  return text;
}

function newStudy(name: string): string {
  const file = join(tmp, name);
  createStudy(file).close();
  return file;
}

const COHORT_TABLES = ['patients', 'lesions', 'rt_courses', 'systemic_therapies', 'events', 'toxicities', 'provenance', 'audit_log', 'study_settings'];
const INDEX_TABLES = ['dicom_patient', 'dicom_study', 'dicom_series', 'dicom_instance', 'dicom_file_seen', 'patient_hospital_id'];

function counts(file: string): Record<string, number> {
  const db = new Database(file, { readonly: true });
  try {
    return Object.fromEntries([...COHORT_TABLES, ...INDEX_TABLES].map((t) => [t, (db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n]));
  } finally {
    db.close();
  }
}

describe('study import-dicom', () => {
  it('adds the 28 cohort-a lesions once; a re-run adds nothing; a new folder adds only what is new', async () => {
    const study = newStudy('a.rtcw');
    const first = await runCli(['study', 'import-dicom', study, '--dir', cohortDir]);
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    const r1 = JSON.parse(first.out);
    // Only proposals that need no review: the 8 courses without a treatment record and the 2
    // incomplete ones are listed with their reasons and left for a person (issue 10).
    const clean = truth.lesions.filter((t: TruthLesion) => t.hasTreatmentRecords && (t.fractionsDelivered ?? 0) >= t.fractionsPlanned);
    expect(clean).toHaveLength(18);
    expect(r1).toMatchObject({
      patientsAdded: new Set(clean.map((t: TruthLesion) => t.patientId)).size,
      lesionsAdded: 18,
      coursesAdded: 18,
      alreadyPresent: 0,
      newInstances: 597,
    });
    expect(r1.needsReview).toHaveLength(10);
    for (const n of r1.needsReview) {
      const t = truth.lesions.find((x: TruthLesion) => x.planSopInstanceUid === n.proposalId.split('#')[0] && x.targetRoiName === n.targetRoiName);
      expect(n.reviewReasons.join('; '), n.proposalId).toMatch(t.hasTreatmentRecords ? /incomplete course/ : /no treatment record/);
    }
    expect(r1.notCommitted.map((n: { proposalId: string }) => n.proposalId).sort()).toEqual(r1.needsReview.map((n: { proposalId: string }) => n.proposalId).sort());
    const afterFirst = counts(study);

    const again = JSON.parse((await runCli(['study', 'import-dicom', study, '--dir', cohortDir])).out);
    expect(again).toMatchObject({ patientsAdded: 0, lesionsAdded: 0, coursesAdded: 0, alreadyPresent: 18, newInstances: 0 });
    expect(again.needsReview).toHaveLength(10);
    // Unchanged files are recognised by path, size and mtime and not parsed again.
    expect(again.reusedFiles).toBe(597);
    expect(again.files).toEqual(r1.files);
    const afterSecond = counts(study);
    expect(afterSecond).toEqual(afterFirst);

    const more = JSON.parse((await runCli(['study', 'import-dicom', study, '--dir', syntheticDir])).out);
    const cleanSynthetic = synthetic.expected.filter((e) => !e.needsReview);
    expect(more.coursesAdded).toBe(cleanSynthetic.length);
    expect(more.alreadyPresent).toBe(18);
    expect(more.needsReview.length).toBe(synthetic.expected.length - cleanSynthetic.length + 10);
    expect(more.newInstances).toBe(synthetic.dicomCount - synthetic.duplicates);
    expect(counts(study).rt_courses).toBe(18 + cleanSynthetic.length);

    // Provenance points at DICOM index rows; courses keep the plan UID.
    const db = new Database(study, { readonly: true });
    const course = db.prepare("SELECT * FROM rt_courses WHERE plan_sop_instance_uid = ?").get(truth.lesions[0].planSopInstanceUid) as Record<string, unknown>;
    expect(course.source_locator).toMatch(/^dicom_instance \d+(,\d+)*$/);
    const planRow = Number(String(course.source_locator).split(' ')[1].split(',')[0]);
    expect((db.prepare('SELECT sop_instance_uid FROM dicom_instance WHERE id = ?').get(planRow) as { sop_instance_uid: string }).sop_instance_uid).toBe(
      truth.lesions[0].planSopInstanceUid,
    );
    expect((db.prepare('SELECT kind, label FROM provenance WHERE id = ?').get(course.provenance_id) as object)).toEqual({ kind: 'dicom', label: 'DICOM import' });
    db.close();
  });

  it('gives the dataset the derived values (levels, dose, BED, SBRT) of every cohort-a lesion', async () => {
    const study = newStudy('dataset.rtcw');
    expect((await runCli(['study', 'import-dicom', study, '--dir', cohortDir])).code).toBe(0);
    // A person accepts the 10 flagged proposals explicitly (as the review screen does).
    const opened = await openStudy(study);
    const accepted = commitProposals(opened.db, deriveFromStudy(opened.db), { includeReviewed: true });
    opened.close();
    expect(accepted).toMatchObject({ coursesAdded: 10, alreadyPresent: 18 });
    const { code, out, err } = await runCli(['dataset', '--study', study]);
    expect(err).toBe('');
    expect(code).toBe(0);
    const [header, ...lines] = out.trim().split('\n');
    const cols = header.split(',');
    const rows = lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v])));
    expect(rows).toHaveLength(28);
    const bySignature = new Map(rows.map((r) => [`${r.levels}|${r.totalDoseGy}|${r.fractions}|${r.bedGy}`, r]));
    for (const t of truth.lesions) {
      const levels = t.levels.length === 1 ? t.levels[0] : `${t.levels[0]}-${t.levels[t.levels.length - 1]}`;
      const row = bySignature.get(`${levels}|${t.totalDoseGy}|${t.fractionsPlanned}|${t.bedGy}`);
      expect(row, t.lesionId).toBeDefined();
      expect(row?.sbrt, t.lesionId).toBe(t.sbrt ? '1' : '0');
      expect(row?.location, t.lesionId).toBe(t.location);
    }
  });

  it('keeps names, IDs, birth dates and paths out of every cohort table and every export', async () => {
    const study = newStudy('deid.rtcw');
    expect((await runCli(['study', 'import-dicom', study, '--dir', cohortDir])).code).toBe(0);
    expect((await runCli(['study', 'import-dicom', study, '--dir', syntheticDir])).code).toBe(0);
    const needles = new Set<string>();
    for (const p of truth.patients) {
      needles.add(p.patientId);
      for (const part of String(p.patientName).split('^')) if (part.length > 2) needles.add(part);
      needles.add(p.birthDate);
      needles.add(p.birthDate.replace(/-/g, ''));
    }
    for (const p of synthetic.patients) {
      needles.add(p.patientId);
      for (const part of p.name.split('^')) if (part.length > 2) needles.add(part);
      needles.add(p.birthDate);
      needles.add(`${p.birthDate.slice(0, 4)}-${p.birthDate.slice(4, 6)}-${p.birthDate.slice(6)}`);
    }
    needles.add(fixtures);
    needles.add(syntheticDir);
    needles.add('Example University Hospital');
    needles.add('NGUYEN');
    const haystacks: Array<[string, string]> = [];
    const db = new Database(study, { readonly: true });
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string }[]).map((t) => t.name);
    // Every table: since migration 6 the study keeps no identity table at all (issue 11).
    for (const table of tables) {
      for (const row of db.prepare(`SELECT * FROM ${table}`).all() as Record<string, unknown>[]) {
        haystacks.push([table, JSON.stringify(row, (_k, v) => (Buffer.isBuffer(v) ? '<blob>' : v))]);
      }
    }
    db.close();
    expect(tables).toContain('patients');
    // Names are not needed after the scan, so not even the separated identity tables keep them:
    // no part of a patient name appears anywhere in the study file's bytes.
    const fileText = readFileSync(study).toString('latin1');
    const nameParts = [
      ...(truth.patients as Array<{ patientName: string }>).flatMap((p) => String(p.patientName).split('^')),
      ...synthetic.patients.flatMap((p) => p.name.split('^')),
    ].filter((part) => part.length > 2);
    expect(nameParts.length).toBeGreaterThan(10);
    for (const part of nameParts) expect(fileText.includes(part), part).toBe(false);
    for (const unit of ['lesion', 'patient']) {
      const res = await runCli(['dataset', '--study', study, '--unit', unit]);
      expect(res.code).toBe(0);
      haystacks.push([`dataset --unit ${unit}`, res.out]);
    }
    const reportDir = join(tmp, 'deid-report');
    const report = await runCli(['report', '--study', study, '--out', reportDir]);
    expect(report.code).toBe(0);
    haystacks.push(['report stdout', report.out]);
    const reportFiles = readdirSync(reportDir);
    expect(reportFiles.some((f) => f.endsWith('.docx'))).toBe(true);
    for (const f of reportFiles) {
      const bytes = readFileSync(join(reportDir, f));
      const text = f.endsWith('.docx') ? zipEntriesText(bytes) : f.endsWith('.pdf') ? pdfText(bytes) : bytes.toString('utf8');
      haystacks.push([`report ${f}`, text]);
    }
    expect(haystacks.find(([w]) => w === 'report table1.docx')?.[1]).toMatch(/<w:t/);
    expect(haystacks.length).toBeGreaterThan(100);
    // Whole words, case-insensitive: a first name "Hans" must not match the DOCX attribute "w:hAnsi".
    const patterns = [...needles].map((n) => [n, new RegExp(`(?<![A-Za-z0-9])${n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![A-Za-z0-9])`, 'i')] as const);
    for (const [where, text] of haystacks) {
      for (const [needle, re] of patterns) {
        if (re.test(text)) throw new Error(`${where} contains "${needle}"`);
      }
    }
    // The scan did read them (the review lists hospital IDs) — the check above is real.
    const scan = JSON.parse((await runCli(['dicom-scan', '--dir', cohortDir])).out);
    expect(JSON.stringify(scan.patients)).toContain(truth.patients[0].patientId);
  });

  it('leaves the study as it was when the import process is killed mid-transaction', () => {
    const study = newStudy('killed.rtcw');
    const seed = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./killedImportChild.ts', import.meta.url)), study, syntheticDir, '1000'], {
      encoding: 'utf8',
    });
    expect(seed.stdout).toContain('finished without being killed');
    const before = counts(study);
    expect(before.rt_courses).toBeGreaterThan(0);

    const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./killedImportChild.ts', import.meta.url)), study, cohortDir, '14'], {
      encoding: 'utf8',
    });
    expect(child.signal).toBe('SIGKILL');
    expect(child.stdout).toMatch(/killing at 14\//);

    const db = new Database(study);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
    expect(counts(study)).toEqual(before);
  });
});
