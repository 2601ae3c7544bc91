// Writes scan outcomes into the DICOM index (migration 0002) and reads back what the RT derivation
// needs. Idempotent by SOPInstanceUID: an instance already indexed (even from another file or
// another transfer syntax) is not added again.
import { createHmac, randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { up as dicomIndexUp } from '../db/migrations/0002-dicom-index';
import { upDicomSkippedIdentity } from '../db/migrations/0005-rt-course-phases';
import type { FileResult } from './folderScan';
import type { InstanceHeader, PlanContent, StructureSetContent, TreatmentRecordContent } from './dicomRecord';

/** The study's pseudonym secret, created on first use (stored outside the cohort tables). */
export function pseudonymSecret(db: Database.Database): Buffer {
  const row = db.prepare('SELECT secret FROM dicom_pseudonym_key WHERE id = 1').get() as { secret: Buffer } | undefined;
  if (row) return row.secret;
  const secret = randomBytes(32);
  db.prepare('INSERT INTO dicom_pseudonym_key (id, secret) VALUES (1, ?)').run(secret);
  return secret;
}

/**
 * Keyed pseudonym (product.md §2): HMAC-SHA-256 over issuer and PatientID with the study secret.
 * The unit separator keeps ("A", "BC") and ("AB", "C") apart. 16 hex digits (64 bits) keep
 * collisions negligible for any cohort while staying readable.
 */
export function pseudonymFor(secret: Buffer, issuer: string, patientId: string): string {
  const mac = createHmac('sha256', secret).update(`${issuer}\u001f${patientId}`, 'utf8').digest('hex');
  return `P-${mac.slice(0, 16)}`;
}

/** A throw-away index for `dicom-scan` (reads, never writes): in memory, random per-run secret. */
export function openScratchIndex(): Database.Database {
  const db = new Database(':memory:');
  db.pragma('foreign_keys = ON');
  dicomIndexUp(db);
  upDicomSkippedIdentity(db);
  return db;
}

export interface ScanCounts {
  total: number;
  dicom: number;
  duplicates: number;
  skipped: Array<{ path: string; reason: string }>;
  /** Instances not in the index before this scan. */
  newInstances: number;
  /** Files recognised from an earlier scan (same path, size and mtime) and not parsed again. */
  reused: number;
}

export interface KnownFile {
  size: number;
  mtimeMs: number;
  sopInstanceUid: string | null;
  skippedReason: string | null;
}

function sexOf(value: string): string | null {
  return value === 'M' || value === 'F' || value === 'O' ? value : null;
}

/** Receives scan batches and writes them to the index, one transaction per batch. */
export class IndexWriter {
  readonly counts: ScanCounts = { total: 0, dicom: 0, duplicates: 0, skipped: [], newInstances: 0, reused: 0 };
  private readonly seen = new Set<string>();
  private readonly patientIds = new Map<string, number>();
  /** Patients whose sex and birth date are already known (no UPDATE needed). */
  private readonly patientsComplete = new Set<number>();
  private readonly studyIds = new Map<string, number>();
  private readonly seriesIds = new Map<string, number>();
  private readonly secret: Buffer;
  private readonly stmt;
  private readonly writeBatch: (results: FileResult[]) => void;

  constructor(private readonly db: Database.Database) {
    this.secret = pseudonymSecret(db);
    this.stmt = {
      identity: db.prepare('SELECT patient_id FROM dicom_source_identity WHERE issuer = ? AND source_patient_id = ?'),
      patientByPseudonym: db.prepare('SELECT id FROM dicom_patient WHERE pseudonym = ?'),
      insertPatient: db.prepare('INSERT INTO dicom_patient (pseudonym, sex) VALUES (?, ?)'),
      fillSex: db.prepare('UPDATE dicom_patient SET sex = ? WHERE id = ? AND sex IS NULL'),
      insertIdentity: db.prepare(
        'INSERT INTO dicom_source_identity (patient_id, source_patient_id, issuer, birth_date) VALUES (?, ?, ?, ?)',
      ),
      fillBirthDate: db.prepare('UPDATE dicom_source_identity SET birth_date = ? WHERE patient_id = ? AND birth_date IS NULL'),
      study: db.prepare('SELECT id FROM dicom_study WHERE study_instance_uid = ?'),
      insertStudy: db.prepare('INSERT INTO dicom_study (patient_id, study_instance_uid, study_date) VALUES (?, ?, ?)'),
      series: db.prepare('SELECT id FROM dicom_series WHERE series_instance_uid = ?'),
      insertSeries: db.prepare(
        'INSERT INTO dicom_series (study_id, series_instance_uid, modality, series_date, series_number) VALUES (?, ?, ?, ?, ?)',
      ),
      instance: db.prepare('SELECT id FROM dicom_instance WHERE sop_instance_uid = ?'),
      insertInstance: db.prepare(
        'INSERT INTO dicom_instance (series_id, sop_instance_uid, sop_class_uid, transfer_syntax_uid, rt_content) VALUES (?, ?, ?, ?, ?)',
      ),
      sameSeries: db.prepare(
        'SELECT i.id, i.sop_instance_uid AS uid FROM dicom_instance i JOIN dicom_series s ON s.id = i.series_id WHERE s.series_instance_uid = ?',
      ),
      sameClassAndUidLength: db.prepare('SELECT id, sop_instance_uid AS uid FROM dicom_instance WHERE sop_class_uid = ? AND length(sop_instance_uid) = ?'),
      upsertFile: db.prepare(
        `INSERT INTO dicom_source_file (path, size, mtime_ms, instance_id, skipped_reason, skipped_patient_id, skipped_sop_class_uid, skipped_sop_instance_uid)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(path) DO UPDATE SET size = excluded.size, mtime_ms = excluded.mtime_ms,
           instance_id = excluded.instance_id, skipped_reason = excluded.skipped_reason,
           skipped_patient_id = excluded.skipped_patient_id, skipped_sop_class_uid = excluded.skipped_sop_class_uid,
           skipped_sop_instance_uid = excluded.skipped_sop_instance_uid,
           scanned_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`,
      ),
    };
    this.writeBatch = db.transaction((results: FileResult[]) => {
      for (const r of results) {
        const o = r.outcome;
        if (o.kind === 'skipped') {
          // Whose file it was, when that much could be read (rtDerivation flags the patient's proposals).
          const who = o.identity?.patientId ? this.skippedPatient(o.identity.patientId, o.identity.issuerOfPatientId) : null;
          this.stmt.upsertFile.run(r.path, o.size, o.mtimeMs, null, o.reason, who, o.identity?.sopClassUid || null, o.identity?.sopInstanceUid || null);
          continue;
        }
        const instanceId = this.addInstance(o.header);
        this.stmt.upsertFile.run(r.path, o.size, o.mtimeMs, instanceId, null, null, null, null);
      }
    });
  }

  private pending: FileResult[] = [];
  private lastFlush = Date.now();

  /**
   * Counts one batch and queues it for the index; the queue is written in one transaction every
   * ~2,000 files or 250 ms (each commit of a study file is an fsync). Call flush() at the end.
   */
  add(results: FileResult[]): void {
    for (const r of results) {
      this.counts.total++;
      if (r.outcome.kind === 'skipped') {
        this.counts.skipped.push({ path: r.path, reason: r.outcome.reason });
        continue;
      }
      this.counts.dicom++;
      const uid = r.outcome.header.sopInstanceUid;
      if (this.seen.has(uid)) this.counts.duplicates++;
      else this.seen.add(uid);
    }
    for (const r of results) this.pending.push(r);
    if (this.pending.length >= 2048 || Date.now() - this.lastFlush >= 250) this.flush();
  }

  /** Files indexed by earlier scans under `dir` (path prefix), for skipping unchanged ones. */
  knownFiles(dir: string): Map<string, KnownFile> {
    const prefix = dir.endsWith('/') ? dir : `${dir}/`;
    // '0' follows '/' in code-point order: the range is every path starting with prefix.
    const rows = this.db
      .prepare(
        `SELECT f.path, f.size, f.mtime_ms AS mtimeMs, i.sop_instance_uid AS sopInstanceUid, f.skipped_reason AS skippedReason
         FROM dicom_source_file f LEFT JOIN dicom_instance i ON i.id = f.instance_id
         WHERE f.path >= ? AND f.path < ?`,
      )
      .all(prefix, `${prefix.slice(0, -1)}0`) as Array<KnownFile & { path: string }>;
    return new Map(rows.map(({ path, ...k }) => [path, k]));
  }

  /** Counts an unchanged file from its index row instead of parsing it; false if the row is unusable. */
  reuse(path: string, known: KnownFile): boolean {
    if (known.sopInstanceUid) {
      this.counts.total++;
      this.counts.dicom++;
      this.counts.reused++;
      if (this.seen.has(known.sopInstanceUid)) this.counts.duplicates++;
      else this.seen.add(known.sopInstanceUid);
      return true;
    }
    if (known.skippedReason) {
      this.counts.total++;
      this.counts.reused++;
      this.counts.skipped.push({ path, reason: known.skippedReason });
      return true;
    }
    return false;
  }

  /** Writes everything queued. */
  flush(): void {
    if (this.pending.length) this.writeBatch(this.pending);
    this.pending = [];
    this.lastFlush = Date.now();
  }

  private patientFor(h: InstanceHeader): number {
    const key = `${h.issuerOfPatientId}\u001f${h.patientId}`;
    let id = this.patientIds.get(key);
    if (id === undefined) {
      const found = this.stmt.identity.get(h.issuerOfPatientId, h.patientId) as { patient_id: number } | undefined;
      if (found) id = found.patient_id;
      else {
        const pseudonym = pseudonymFor(this.secret, h.issuerOfPatientId, h.patientId);
        const existing = this.stmt.patientByPseudonym.get(pseudonym) as { id: number } | undefined;
        id = existing ? existing.id : Number(this.stmt.insertPatient.run(pseudonym, sexOf(h.sex)).lastInsertRowid);
        if (!existing) {
          this.stmt.insertIdentity.run(id, h.patientId, h.issuerOfPatientId, h.birthDate);
        }
      }
      this.patientIds.set(key, id);
    }
    if (!this.patientsComplete.has(id) && sexOf(h.sex) && h.birthDate) {
      // Fill what an earlier instance of the patient lacked (first non-empty value wins).
      this.stmt.fillSex.run(sexOf(h.sex), id);
      this.stmt.fillBirthDate.run(h.birthDate, id);
      this.patientsComplete.add(id);
    } else if (!this.patientsComplete.has(id)) {
      if (sexOf(h.sex)) this.stmt.fillSex.run(sexOf(h.sex), id);
      if (h.birthDate) this.stmt.fillBirthDate.run(h.birthDate, id);
    }
    return id;
  }

  private skippedPatient(patientId: string, issuer: string): number {
    return this.patientFor({ patientId, issuerOfPatientId: issuer, sex: '', birthDate: null } as InstanceHeader);
  }

  /**
   * Issue 10 (hostile files): a byte-corrupted copy of an indexed instance whose SOP Instance UID
   * was hit looked like a new instance, and added a treatment record (or a second plan) to the
   * good copy's course: importing mutated copies of cohort-a into a study holding cohort-a flagged
   * courses that were fine ("11 treatment records but 10 distinct fraction numbers", "2 plans
   * target C6"), so alreadyPresent fell from 28 to 26. Such a file is the indexed instance when
   * - its file meta names that instance's UID (0002,0003) while its data set's (0008,0018) differs
   *   (a file contradicting itself: one of the two copies of the UID is damaged), or
   * - its UID (data set or meta) is not a valid UID (PS3.5 9.1: digits and dots; a NUL inside it
   *   counts, see headerParser.ts) and differs in at most 3 characters from an indexed UID of the
   *   same length in the same series or of the same SOP class.
   * Distinct instances with valid UIDs are never merged (slices of a series often differ in a digit).
   */
  private corruptedCopyOf(h: InstanceHeader): number | undefined {
    const meta = h.mediaStorageSopInstanceUid;
    if (meta && meta !== h.sopInstanceUid) {
      const byMeta = this.stmt.instance.get(meta) as { id: number } | undefined;
      if (byMeta) return byMeta.id;
    }
    for (const uid of meta && meta !== h.sopInstanceUid ? [h.sopInstanceUid, meta] : [h.sopInstanceUid]) {
      if (/^[0-9]+(\.[0-9]+)*$/.test(uid)) continue;
      const near = (other: string) => {
        if (other.length !== uid.length) return false;
        let differences = 0;
        for (let i = 0; i < uid.length && differences <= 3; i++) if (uid.charCodeAt(i) !== other.charCodeAt(i)) differences++;
        return differences <= 3;
      };
      type Candidate = { id: number; uid: string };
      const sameSeries = h.seriesInstanceUid ? (this.stmt.sameSeries.all(h.seriesInstanceUid) as Candidate[]) : [];
      const match = sameSeries.find((r) => near(r.uid)) ?? (this.stmt.sameClassAndUidLength.all(h.sopClassUid, uid.length) as Candidate[]).find((r) => near(r.uid));
      if (match) return match.id;
    }
    return undefined;
  }

  private addInstance(h: InstanceHeader): number {
    const existing = this.stmt.instance.get(h.sopInstanceUid) as { id: number } | undefined;
    if (existing) return existing.id;
    const copyOf = this.corruptedCopyOf(h);
    if (copyOf !== undefined) return copyOf;
    const patientId = this.patientFor(h);
    // Missing study/series UIDs (broken exports) get per-instance placeholders so nothing merges wrongly.
    const studyUid = h.studyInstanceUid || `no-study:${h.sopInstanceUid}`;
    const seriesUid = h.seriesInstanceUid || `no-series:${h.sopInstanceUid}`;
    let studyId = this.studyIds.get(studyUid);
    if (studyId === undefined) {
      const row = this.stmt.study.get(studyUid) as { id: number } | undefined;
      studyId = row ? row.id : Number(this.stmt.insertStudy.run(patientId, studyUid, h.studyDate).lastInsertRowid);
      this.studyIds.set(studyUid, studyId);
    }
    let seriesId = this.seriesIds.get(seriesUid);
    if (seriesId === undefined) {
      const row = this.stmt.series.get(seriesUid) as { id: number } | undefined;
      seriesId = row
        ? row.id
        : Number(this.stmt.insertSeries.run(studyId, seriesUid, h.modality || 'OT', h.seriesDate, h.seriesNumber).lastInsertRowid);
      this.seriesIds.set(seriesUid, seriesId);
    }
    const rt = h.plan ? { plan: h.plan } : h.structureSet ? { structureSet: h.structureSet } : h.treatmentRecord ? { treatmentRecord: h.treatmentRecord } : null;
    const info = this.stmt.insertInstance.run(seriesId, h.sopInstanceUid, h.sopClassUid, h.transferSyntaxUid || null, rt ? JSON.stringify(rt) : null);
    this.counts.newInstances++;
    return Number(info.lastInsertRowid);
  }
}

// ——— reading back for the derivation ———

export interface IndexedPatient {
  id: number;
  pseudonym: string;
  sex: string | null;
  sourcePatientId: string;
  birthDate: string | null;
}

export interface IndexedSeries {
  patientId: number;
  modality: string;
  /** Study date, else series date. */
  date: string | null;
}

export interface IndexedRtInstance {
  instanceId: number;
  patientId: number;
  sopInstanceUid: string;
  studyDate: string | null;
  plan?: PlanContent;
  structureSet?: StructureSetContent;
  treatmentRecord?: TreatmentRecordContent;
}

/** A skipped file whose patient could be read, unless its instance was read from another file. */
export interface IndexedSkippedFile {
  patientId: number;
  sopClassUid: string;
  reason: string;
}

export interface IndexContent {
  patients: IndexedPatient[];
  series: IndexedSeries[];
  rt: IndexedRtInstance[];
  skipped?: IndexedSkippedFile[];
}

export function readIndex(db: Database.Database): IndexContent {
  const patients = db
    .prepare(
      `SELECT p.id, p.pseudonym, p.sex, i.source_patient_id AS sourcePatientId, i.birth_date AS birthDate
       FROM dicom_patient p JOIN dicom_source_identity i ON i.patient_id = p.id ORDER BY p.id`,
    )
    .all() as IndexedPatient[];
  const series = db
    .prepare(
      `SELECT st.patient_id AS patientId, se.modality, COALESCE(st.study_date, se.series_date) AS date
       FROM dicom_series se JOIN dicom_study st ON st.id = se.study_id`,
    )
    .all() as IndexedSeries[];
  const rtRows = db
    .prepare(
      `SELECT ins.id AS instanceId, st.patient_id AS patientId, ins.sop_instance_uid AS sopInstanceUid,
              st.study_date AS studyDate, ins.rt_content AS content
       FROM dicom_instance ins JOIN dicom_series se ON se.id = ins.series_id JOIN dicom_study st ON st.id = se.study_id
       WHERE ins.rt_content IS NOT NULL ORDER BY ins.id`,
    )
    .all() as Array<Omit<IndexedRtInstance, 'plan'> & { content: string }>;
  const rt = rtRows.map(({ content, ...rest }) => ({ ...rest, ...(JSON.parse(content) as object) }) as IndexedRtInstance);
  return { patients, series, rt, skipped: skippedFiles(db) };
}

/**
 * Whether a skipped file's UID (read from bytes the reader gave up on) is the indexed `uid`: equal;
 * or damaged — not a valid UID and at most 3 characters from it at the same length (as
 * corruptedCopyOf); or cut short by a damaged length — a prefix of it of at least 20 characters.
 * Distinct valid UIDs of the same length are never matched (slices often differ in one digit).
 */
function sameInstanceUid(uid: string, read: string): boolean {
  if (uid === read) return true;
  if (read.length >= 20 && read.length < uid.length && uid.startsWith(read)) return true;
  if (/^[0-9]+(\.[0-9]+)*$/.test(read) || uid.length !== read.length) return false;
  let differences = 0;
  for (let i = 0; i < uid.length && differences <= 3; i++) if (uid.charCodeAt(i) !== read.charCodeAt(i)) differences++;
  return differences <= 3;
}

/**
 * Skipped files whose patient could be read, less those that are (damaged) copies of an instance
 * of that patient read from another file: nothing of the patient was lost by skipping them.
 */
function skippedFiles(db: Database.Database): IndexedSkippedFile[] {
  const rows = db
    .prepare(
      `SELECT skipped_patient_id AS patientId, COALESCE(skipped_sop_class_uid, '') AS sopClassUid, skipped_reason AS reason,
              COALESCE(skipped_sop_instance_uid, '') AS uid
       FROM dicom_source_file WHERE skipped_patient_id IS NOT NULL ORDER BY id`,
    )
    .all() as Array<IndexedSkippedFile & { uid: string }>;
  if (!rows.length) return [];
  const instancesOf = db.prepare(
    `SELECT i.sop_instance_uid FROM dicom_instance i JOIN dicom_series se ON se.id = i.series_id JOIN dicom_study st ON st.id = se.study_id
     WHERE st.patient_id = ?`,
  ).pluck();
  const byPatient = new Map<number, string[]>();
  const out: IndexedSkippedFile[] = [];
  for (const { uid, ...file } of rows) {
    let uids = byPatient.get(file.patientId);
    if (!uids) byPatient.set(file.patientId, (uids = instancesOf.all(file.patientId) as string[]));
    if (uid && uids.some((u) => sameInstanceUid(u, uid))) continue;
    out.push(file);
  }
  return out;
}


