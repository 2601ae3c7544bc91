// Writes scan outcomes into the DICOM index (migrations 0002, 0005) and reads back what the RT
// derivation needs. Idempotent by SOPInstanceUID: an instance already indexed (even from another
// file or another transfer syntax) is not added again.
//
// No identifier is written (issue 11 item 1; migration 0006-deidentify-study.ts): a patient is
// its pseudonym and `id_hash` (identity/patientLink.ts hospitalIdHash), a file its keyed
// fingerprint (identity/fileFingerprint.ts), RT content what identity/rtContentPolicy.ts keeps.
// The scan's clear values (PatientID for the review table, birth date for the age at first RT)
// stay in memory (`IndexWriter.scanned`) and are gone when the scan's result is.
// SOP/Study/Series Instance UIDs are kept (PS3.15 Annex E: basic profile U = replace; the Retain
// UIDs option keeps them, K): they name objects, not people, make re-import idempotent and let the
// site trace a course back to its PACS objects. Study and series dates are kept likewise (Retain
// Longitudinal Temporal Information, full dates): time-to-event analysis needs them. Both are for
// the site's own study file; a copy to share (issue 11 item 4) drops the index and shifts dates.
import { createHmac, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { up as dicomIndexUp } from '../db/migrations/0002-dicom-index';
import { deidentifiedIndexSql } from '../db/migrations/0006-deidentify-study';
import { fileFingerprint } from '../identity/fileFingerprint';
import { hospitalIdHash } from '../identity/patientLink';
import { keptRtContentOf } from '../identity/rtContentPolicy';
import type { FileResult } from './folderScan';
import type { InstanceHeader, PlanContent, StructureSetContent, TreatmentRecordContent } from './dicomRecord';

/**
 * Keyed pseudonym (product.md §2): HMAC-SHA-256 over issuer and PatientID with the study key
 * (identity/studyKey.ts; before migration 6 the same secret lived in the file, so pseudonyms are
 * unchanged by the migration). The unit separator keeps ("A", "BC") and ("AB", "C") apart. 16 hex
 * digits (64 bits) keep collisions negligible for any cohort while staying readable.
 */
export function pseudonymFor(secret: Buffer, issuer: string, patientId: string): string {
  const mac = createHmac('sha256', secret).update(`${issuer}\u001f${patientId}`, 'utf8').digest('hex');
  return `P-${mac.slice(0, 16)}`;
}

/** A throw-away index for `dicom-scan` (reads, never writes): in memory; use with a random key. */
export function openScratchIndex(): Database.Database {
  const db = new Database(':memory:');
  db.pragma('foreign_keys = ON');
  dicomIndexUp(db);
  // Only the index part of migration 6 (the scratch index has no cohort tables).
  db.exec(`CREATE TABLE study_settings (id INTEGER PRIMARY KEY); CREATE TABLE patients (id INTEGER PRIMARY KEY);`);
  db.exec(deidentifiedIndexSql);
  db.exec('DROP TABLE dicom_source_file; DROP TABLE dicom_source_identity; DROP TABLE dicom_pseudonym_key;');
  return db;
}

/** A random key for a scratch index. */
export function scratchKey(): Buffer {
  return randomBytes(32);
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
  sopInstanceUid: string | null;
  skippedReason: string | null;
}

/** What a scan saw of a patient in clear: kept in memory only (see rememberScanned). */
export interface ScannedIdentity {
  pseudonym: string;
  sourcePatientId: string;
  birthDate: string | null;
}

// Clear values seen by the scans of an open study connection, so the review table (listing and
// committing proposals after a scan, a re-scan of unchanged files) still shows the hospital IDs
// this workstation read — in memory only, gone with the connection.
const scannedByConnection = new WeakMap<Database.Database, Map<number, ScannedIdentity>>();

/** The clear values the scans of this connection saw (for a derivation on another connection: ./deriveJob.ts). */
export function scannedOf(db: Database.Database): ReadonlyMap<number, ScannedIdentity> {
  return scannedByConnection.get(db) ?? new Map();
}

/** Adds a scan's clear values to the connection's memory. */
export function rememberScanned(db: Database.Database, scanned: ReadonlyMap<number, ScannedIdentity>): void {
  const known = scannedByConnection.get(db) ?? new Map<number, ScannedIdentity>();
  for (const [id, s] of scanned) known.set(id, { ...known.get(id), ...s, birthDate: s.birthDate ?? known.get(id)?.birthDate ?? null });
  scannedByConnection.set(db, known);
}

function sexOf(value: string): string | null {
  return value === 'M' || value === 'F' || value === 'O' ? value : null;
}

/**
 * How long one index transaction may take. In the app it runs on the service host's thread
 * (electron/services/api/dicomHandlers.ts), which answers every other call in between: 2,048
 * files per transaction held that thread 110–160 ms on folders of RT objects
 * (test/bench/serviceHost.bench.ts, DICOM scenario).
 */
export const FLUSH_BUDGET_MS = 12;
/** Rows of dicom_file_seen read between two yields of the thread (IndexWriter.knownFiles). */
const KNOWN_FILES_PAGE = 5000;
/** Bounds of the files per transaction (a scan delivers them 64 at a time: folderScan.ts batchSize). */
const FLUSH_FILES = { initial: 128, min: 64, max: 2048 };

/** Receives scan batches and writes them to the index, one transaction per batch. */
export class IndexWriter {
  readonly counts: ScanCounts = { total: 0, dicom: 0, duplicates: 0, skipped: [], newInstances: 0, reused: 0 };
  private readonly seen = new Set<string>();
  private readonly patientIds = new Map<string, { id: number; pseudonym: string }>();
  /** Patients whose sex and birth date are already known (no UPDATE needed). */
  private readonly patientsComplete = new Set<number>();
  private readonly studyIds = new Map<string, number>();
  private readonly seriesIds = new Map<string, number>();
  /** Index patient id → clear PatientID and birth date seen by THIS scan (memory only). */
  readonly scanned = new Map<number, ScannedIdentity>();
  private readonly stmt;
  private readonly writeBatch: (results: FileResult[]) => void;

  /** `key`: the study key (identity/studyKey.ts), or a random one for a scratch index. */
  constructor(
    private readonly db: Database.Database,
    private readonly key: Buffer,
  ) {
    this.stmt = {
      patientByHash: db.prepare('SELECT id, pseudonym FROM dicom_patient WHERE id_hash = ?'),
      patientByPseudonym: db.prepare('SELECT id, id_hash AS idHash FROM dicom_patient WHERE pseudonym = ?'),
      insertPatient: db.prepare('INSERT INTO dicom_patient (pseudonym, sex, id_hash) VALUES (?, ?, ?)'),
      fillHash: db.prepare('UPDATE dicom_patient SET id_hash = ? WHERE id = ? AND id_hash IS NULL'),
      fillSex: db.prepare('UPDATE dicom_patient SET sex = ? WHERE id = ? AND sex IS NULL'),
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
        `INSERT INTO dicom_file_seen (file_hash, instance_id, skipped_reason, skipped_patient_id, skipped_sop_class_uid, skipped_sop_instance_uid)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(file_hash) DO UPDATE SET instance_id = excluded.instance_id, skipped_reason = excluded.skipped_reason,
           skipped_patient_id = excluded.skipped_patient_id, skipped_sop_class_uid = excluded.skipped_sop_class_uid,
           skipped_sop_instance_uid = excluded.skipped_sop_instance_uid,
           scanned_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`,
      ),
    };
    this.writeBatch = db.transaction((results: FileResult[]) => {
      for (const r of results) {
        const o = r.outcome;
        const fingerprint = fileFingerprint(this.key, r.path, o.size, o.mtimeMs);
        if (o.kind === 'skipped') {
          // Whose file it was, when that much could be read (rtDerivation flags the patient's proposals);
          // a reason quoting the path (an OS error message) must not bring it into the study.
          const who = o.identity?.patientId ? this.skippedPatient(o.identity.patientId, o.identity.issuerOfPatientId) : null;
          this.stmt.upsertFile.run(fingerprint, null, o.reason.split(r.path).join('<file>'), who, o.identity?.sopClassUid || null, o.identity?.sopInstanceUid || null);
          continue;
        }
        const instanceId = this.addInstance(o.header);
        this.stmt.upsertFile.run(fingerprint, instanceId, null, null, null, null);
      }
    });
  }

  private pending: FileResult[] = [];
  private lastFlush = Date.now();
  /** Files per transaction: adapted after each write so that one takes about FLUSH_BUDGET_MS. */
  private filesPerFlush = FLUSH_FILES.initial;

  /**
   * Counts one batch and queues it for the index; the queue is written in one transaction once it
   * holds `filesPerFlush` files or every 250 ms (each commit of a study file is an fsync). Call
   * flush() at the end.
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
    if (this.pending.length >= this.filesPerFlush || Date.now() - this.lastFlush >= 250) this.flush();
  }

  /**
   * Files seen by earlier scans, by keyed fingerprint (a lookup per file costs more than reading
   * them all); look one up with `fingerprint(path, size, mtime)`. Read in pages of rowids with the
   * thread yielded between them: a hospital's index holds 10⁵ files, ~1 µs each, and in the
   * service host this thread answers other calls.
   */
  async knownFiles(): Promise<Map<string, KnownFile>> {
    const page = this.db.prepare(
      `SELECT f.rowid AS rowid, f.file_hash AS fileHash, i.sop_instance_uid AS sopInstanceUid, f.skipped_reason AS skippedReason
       FROM dicom_file_seen f LEFT JOIN dicom_instance i ON i.id = f.instance_id
       WHERE f.rowid > ? ORDER BY f.rowid LIMIT ${KNOWN_FILES_PAGE}`,
    );
    const known = new Map<string, KnownFile>();
    for (let after = 0; ; ) {
      const rows = page.all(after) as Array<KnownFile & { fileHash: string; rowid: number }>;
      for (const { fileHash, sopInstanceUid, skippedReason } of rows) known.set(fileHash, { sopInstanceUid, skippedReason });
      if (rows.length < KNOWN_FILES_PAGE) return known;
      after = rows[rows.length - 1].rowid;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  fingerprint(path: string, size: number, mtimeMs: number): string {
    return fileFingerprint(this.key, path, size, mtimeMs);
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
    const files = this.pending.length;
    if (files) {
      const started = performance.now();
      this.writeBatch(this.pending);
      // RT objects cost several times what image slices do (their content is kept): the batch
      // follows what this folder's files really cost.
      const msPerFile = Math.max(1e-3, (performance.now() - started) / files);
      this.filesPerFlush = Math.min(FLUSH_FILES.max, Math.max(FLUSH_FILES.min, Math.round(FLUSH_BUDGET_MS / msPerFile)));
    }
    this.pending = [];
    this.lastFlush = Date.now();
  }

  private patientFor(h: InstanceHeader): number {
    const key = `${h.issuerOfPatientId}\u001f${h.patientId}`;
    let patient = this.patientIds.get(key);
    if (patient === undefined) {
      // No PatientID: no hash (all such instances share the pseudonym of the empty ID, as before).
      const idHash = h.patientId ? hospitalIdHash(this.key, h.issuerOfPatientId, h.patientId) : null;
      const found = idHash ? (this.stmt.patientByHash.get(idHash) as { id: number; pseudonym: string } | undefined) : undefined;
      if (found) patient = found;
      else {
        const pseudonym = pseudonymFor(this.key, h.issuerOfPatientId, h.patientId);
        const existing = this.stmt.patientByPseudonym.get(pseudonym) as { id: number; idHash: string | null } | undefined;
        if (existing && idHash && !existing.idHash) this.stmt.fillHash.run(idHash, existing.id);
        patient = { id: existing ? existing.id : Number(this.stmt.insertPatient.run(pseudonym, sexOf(h.sex), idHash).lastInsertRowid), pseudonym };
      }
      this.patientIds.set(key, patient);
    }
    const id = patient.id;
    const scanned = this.scanned.get(id);
    if (!scanned) this.scanned.set(id, { pseudonym: patient.pseudonym, sourcePatientId: h.patientId, birthDate: h.birthDate });
    else if (!scanned.birthDate && h.birthDate) scanned.birthDate = h.birthDate; // first non-empty value wins
    if (!this.patientsComplete.has(id) && sexOf(h.sex)) {
      // Fill what an earlier instance of the patient lacked (first non-empty value wins).
      this.stmt.fillSex.run(sexOf(h.sex), id);
      this.patientsComplete.add(id);
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
    const rt = keptRtContentOf(h);
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
  /** Clear PatientID: only when the current scan saw the patient (memory), else ''. */
  sourcePatientId: string;
  /** Whether the patient's files carry a PatientID (the index keeps only its hash). */
  hasSourcePatientId: boolean;
  /** Birth date: only when the current scan saw it (memory), never stored. */
  birthDate: string | null;
  /** Age at first RT computed by an earlier scan, and the first-RT date it was computed at. */
  ageAtFirstRt: number | null;
  ageReferenceDate: string | null;
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

/** The index as the derivation reads it; `scanned` adds the clear values of the current scan. */
export function readIndex(db: Database.Database, scanned: ReadonlyMap<number, ScannedIdentity> = scannedOf(db)): IndexContent {
  const rows = db
    .prepare(
      `SELECT id, pseudonym, sex, id_hash IS NOT NULL AS hasSourcePatientId, age_at_first_rt AS ageAtFirstRt,
              age_reference_date AS ageReferenceDate
       FROM dicom_patient ORDER BY id`,
    )
    .all() as Array<Omit<IndexedPatient, 'sourcePatientId' | 'birthDate' | 'hasSourcePatientId'> & { hasSourcePatientId: number }>;
  const patients: IndexedPatient[] = rows.map((r) => {
    // Same pseudonym: a row id reused after a rolled-back import never shows another patient's ID.
    const seen = scanned.get(r.id)?.pseudonym === r.pseudonym ? scanned.get(r.id) : undefined;
    return { ...r, hasSourcePatientId: r.hasSourcePatientId === 1, sourcePatientId: seen?.sourcePatientId ?? '', birthDate: seen?.birthDate ?? null };
  });
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
       FROM dicom_file_seen WHERE skipped_patient_id IS NOT NULL ORDER BY rowid`,
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

/** An age at first RT a scan computed from a birth date it read (the date itself is never stored). */
export interface AgeAtFirstRt {
  indexPatientId: number;
  ageAtFirstRt: number;
  referenceDate: string;
}

/**
 * Keeps the age at first RT of the patients this scan saw with a birth date (the derivation
 * computed it from the in-memory birth date), so later derivations have it without the birth date.
 */
export function recordAgesAtFirstRt(db: Database.Database, ages: readonly AgeAtFirstRt[]): void {
  const update = db.prepare('UPDATE dicom_patient SET age_at_first_rt = ?, age_reference_date = ? WHERE id = ?');
  db.transaction(() => {
    for (const a of ages) update.run(a.ageAtFirstRt, a.referenceDate, a.indexPatientId);
  })();
}
