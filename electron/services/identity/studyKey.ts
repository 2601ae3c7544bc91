// The study key: one 32-byte secret per study, kept OUTSIDE the study file (issue 11 item 2).
//
// Why: every keyed value the study stores — patient pseudonyms, hospital-ID hashes
// (./patientLink.ts), file fingerprints of the DICOM index — is an HMAC under this key. With the key
// inside the file, anyone holding the file and a list of MRNs could recompute every pseudonym. With
// the key outside, the file alone is de-identified (PS3.15 Annex E: the mapping back to identities is
// kept by the site, not in the data set), and only the workstation that holds the key can link NEW
// identified data (a DICOM re-scan, an MRN-keyed spreadsheet) to the study's patients.
//
// Where: the study carries a random, non-identifying `study_settings.study_uid` (migration
// 0006-deidentify-study.ts); the key is found by that uid in a StudyKeyStore:
// - KeyFileStore: `<userData>/study-keys/<uid>.key`, mode 0600 (web mode, CLI).
// - SingleKeyFileStore: one key file named by the user (`rtcw … --key FILE`).
// - SafeStorageKeyStore: `<userData>/study-keys/<uid>.safekey`, encrypted by the OS keychain
//   (Electron safeStorage; the encrypt/decrypt pair is passed in by electron/main so this file
//   stays plain Node and testable).
// Without the key, a study opens and every analysis and export works: only linkage asks for it
// (requireStudyKey → StudyKeyMissingError, a clear message saying how to get the key back).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { ApiError } from '../../../shared/api/contract';

export const STUDY_KEY_BYTES = 32;
/** Folder of the key stores under the user-data folder. */
export const STUDY_KEYS_FOLDER = 'study-keys';
const KEY_FILE_FORMAT = 'rtcw-study-key';
const STUDY_UID_PATTERN = /^[0-9a-f]{32}$/;

/** Where a study's key is kept. `put` refuses to replace a different key (it would orphan data). */
export interface StudyKeyStore {
  /** Human-readable place, for messages ("the key file /home/…/study-keys/<uid>.key"). */
  describe(studyUid: string): string;
  get(studyUid: string): Buffer | null;
  put(studyUid: string, key: Buffer): void;
}

/** The key was needed (linking identified data) but this workstation does not hold it. */
export class StudyKeyMissingError extends ApiError {
  constructor(
    readonly studyUid: string,
    where: string,
    purpose = 'Linking new identified data (a DICOM scan or import, or a spreadsheet keyed by hospital ID)',
  ) {
    super(
      'STUDY_KEY_MISSING',
      `${purpose} needs this study's key, which is not on this workstation (looked in ${where}). ` +
        `Import it from the workstation that created the study (there: File → Export study key… or ` +
        `\`rtcw study key export\`; here: File → Import study key… or \`rtcw study key import\`). ` +
        `Analyses and exports work without it.`,
    );
    this.name = 'StudyKeyMissingError';
  }
}

/** The stored and exported key file: JSON naming the study it belongs to. */
interface KeyFileContent {
  format: typeof KEY_FILE_FORMAT;
  version: 1;
  studyUid: string;
  key: string; // base64
}

export function encodeKeyFile(studyUid: string, key: Buffer): string {
  const content: KeyFileContent = { format: KEY_FILE_FORMAT, version: 1, studyUid, key: key.toString('base64') };
  return `${JSON.stringify(content)}\n`;
}

export function decodeKeyFile(text: string, source: string): { studyUid: string; key: Buffer } {
  let parsed: Partial<KeyFileContent>;
  try {
    parsed = JSON.parse(text) as Partial<KeyFileContent>;
  } catch {
    throw new ApiError('INVALID_INPUT', `${source} is not a study key file (not JSON).`);
  }
  if (parsed?.format !== KEY_FILE_FORMAT || parsed.version !== 1 || typeof parsed.studyUid !== 'string' || typeof parsed.key !== 'string') {
    throw new ApiError('INVALID_INPUT', `${source} is not an RT Cohort Workstation study key file.`);
  }
  const key = Buffer.from(parsed.key, 'base64');
  if (key.length !== STUDY_KEY_BYTES || !STUDY_UID_PATTERN.test(parsed.studyUid)) {
    throw new ApiError('INVALID_INPUT', `${source} is damaged (key of ${key.length} bytes or bad study uid).`);
  }
  return { studyUid: parsed.studyUid, key };
}

/** Writes `text` to `file` with mode 0600, atomically (temp file + rename). */
export function writePrivateFile(file: string, data: string | Buffer): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const partial = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    fs.writeFileSync(partial, data, { mode: 0o600, flag: 'wx' });
    fs.chmodSync(partial, 0o600); // a umask cannot widen it, but an inherited ACL might
    fs.renameSync(partial, file);
  } catch (error) {
    fs.rmSync(partial, { force: true });
    throw new ApiError('IO_ERROR', `Cannot write the study key file ${file}: ${(error as Error).message}`, { cause: error });
  }
}

function readIfExists(file: string): Buffer | null {
  try {
    return fs.readFileSync(file);
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return null;
    throw new ApiError('IO_ERROR', `Cannot read the study key file ${file}: ${(error as Error).message}`, { cause: error });
  }
}

function assertUid(studyUid: string): void {
  // The uid names a file: only hex, so it can never walk out of the key folder.
  if (!STUDY_UID_PATTERN.test(studyUid)) throw new ApiError('INVALID_INPUT', `Bad study uid ${JSON.stringify(studyUid)}.`);
}

function refuseDifferent(existing: Buffer | null, key: Buffer, where: string): boolean {
  if (!existing) return false;
  if (existing.length === key.length && timingSafeEqual(existing, key)) return true;
  throw new ApiError('CONFLICT', `${where} already holds a different key for this study; it was not replaced.`);
}

/** `<dir>/<uid>.key`, 0600 plain key files (web mode, CLI). */
export class KeyFileStore implements StudyKeyStore {
  constructor(readonly dir: string) {}

  private file(studyUid: string): string {
    assertUid(studyUid);
    return path.join(this.dir, `${studyUid}.key`);
  }

  describe(studyUid: string): string {
    return `the key file ${this.file(studyUid)}`;
  }

  get(studyUid: string): Buffer | null {
    const file = this.file(studyUid);
    const data = readIfExists(file);
    if (!data) return null;
    const decoded = decodeKeyFile(data.toString('utf8'), file);
    if (decoded.studyUid !== studyUid) throw new ApiError('INVALID_INPUT', `${file} holds the key of another study.`);
    return decoded.key;
  }

  put(studyUid: string, key: Buffer): void {
    if (refuseDifferent(this.get(studyUid), key, this.describe(studyUid))) return;
    writePrivateFile(this.file(studyUid), encodeKeyFile(studyUid, key));
  }
}

/** One key file chosen by the user (`--key FILE`): holds the key of exactly one study. */
export class SingleKeyFileStore implements StudyKeyStore {
  constructor(readonly file: string) {}

  describe(): string {
    return `the key file ${this.file} (--key)`;
  }

  get(studyUid: string): Buffer | null {
    const data = readIfExists(this.file);
    if (!data) return null;
    const decoded = decodeKeyFile(data.toString('utf8'), this.file);
    if (decoded.studyUid !== studyUid) {
      throw new ApiError('INVALID_INPUT', `${this.file} is the key of another study (uid ${decoded.studyUid}, this study ${studyUid}).`);
    }
    return decoded.key;
  }

  put(studyUid: string, key: Buffer): void {
    if (refuseDifferent(this.get(studyUid), key, this.describe())) return;
    writePrivateFile(this.file, encodeKeyFile(studyUid, key));
  }
}

/** What Electron's safeStorage offers (passed in by electron/main; tests pass a real cipher). */
export interface SecretCipher {
  encryptString(plain: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

/**
 * `<dir>/<uid>.safekey`: the key file content encrypted by the OS keychain (desktop app). Reads a
 * plain `<uid>.key` of the same folder too (written by the CLI or web mode of the same user), so a
 * study scanned on the command line can be linked in the app; new keys are written encrypted only.
 */
export class SafeStorageKeyStore implements StudyKeyStore {
  private readonly plain: KeyFileStore;
  constructor(
    readonly dir: string,
    private readonly cipher: SecretCipher,
  ) {
    this.plain = new KeyFileStore(dir);
  }

  private file(studyUid: string): string {
    assertUid(studyUid);
    return path.join(this.dir, `${studyUid}.safekey`);
  }

  describe(studyUid: string): string {
    return `the OS keychain-protected key file ${this.file(studyUid)}`;
  }

  get(studyUid: string): Buffer | null {
    const file = this.file(studyUid);
    const data = readIfExists(file);
    if (!data) return this.plain.get(studyUid);
    let text: string;
    try {
      text = this.cipher.decryptString(data);
    } catch (error) {
      throw new ApiError('IO_ERROR', `The OS keychain could not decrypt ${file} (another user or machine?): ${(error as Error).message}`, { cause: error });
    }
    const decoded = decodeKeyFile(text, file);
    if (decoded.studyUid !== studyUid) throw new ApiError('INVALID_INPUT', `${file} holds the key of another study.`);
    return decoded.key;
  }

  put(studyUid: string, key: Buffer): void {
    if (refuseDifferent(this.get(studyUid), key, this.describe(studyUid))) return;
    writePrivateFile(this.file(studyUid), this.cipher.encryptString(encodeKeyFile(studyUid, key)));
  }
}

// ——— the study side: uid and key check value in study_settings (migration 0005) ———

/** The study's random, non-identifying uid (names its key in a store). */
export function studyUid(db: Database.Database): string {
  const row = db.prepare('SELECT study_uid AS uid FROM study_settings WHERE id = 1').get() as { uid: string | null } | undefined;
  if (!row?.uid) throw new ApiError('INTERNAL', 'This study has no study uid (schema older than migration 6?).');
  return row.uid;
}

/** A new random study uid (32 hex digits). */
export function newStudyUid(): string {
  return randomBytes(16).toString('hex');
}

/**
 * Key check value kept in the study: proves an imported key is this study's key without revealing
 * it (an HMAC of a fixed label; like the KCV of a payment HSM).
 */
export function keyCheckValue(key: Buffer): string {
  return createHmac('sha256', key).update('rtcw/study-key-check/v1', 'utf8').digest('hex').slice(0, 32);
}

function storedCheckValue(db: Database.Database): string | null {
  const row = db.prepare('SELECT study_key_check AS kcv FROM study_settings WHERE id = 1').get() as { kcv: string | null } | undefined;
  return row?.kcv ?? null;
}

/** Whether the study already holds values keyed by its key (then a NEW key would orphan them). */
export function studyHasKeyedData(db: Database.Database): boolean {
  return storedCheckValue(db) !== null;
}

/** The study's key from the store, checked against the study; null when this workstation lacks it. */
export function findStudyKey(db: Database.Database, store: StudyKeyStore): Buffer | null {
  const key = store.get(studyUid(db));
  if (!key) return null;
  const check = storedCheckValue(db);
  if (check !== null && check !== keyCheckValue(key)) {
    throw new ApiError('CONFLICT', `${store.describe(studyUid(db))} does not fit this study (key check value differs).`);
  }
  return key;
}

/** The key, or a StudyKeyMissingError saying how to get it. */
export function requireStudyKey(db: Database.Database, store: StudyKeyStore, purpose?: string): Buffer {
  const key = findStudyKey(db, store);
  if (!key) throw new StudyKeyMissingError(studyUid(db), store.describe(studyUid(db)), purpose);
  return key;
}

/**
 * The key for linking identified data into this study: the stored one, else — only while the study
 * has no keyed data yet — a new random key, saved to the store BEFORE the study records its check
 * value (a crash in between leaves an unused key file, never keyed data without a key).
 */
export function getOrCreateStudyKey(db: Database.Database, store: StudyKeyStore, purpose?: string): Buffer {
  const existing = findStudyKey(db, store);
  if (existing) {
    if (!studyHasKeyedData(db)) recordKeyCheck(db, existing);
    return existing;
  }
  if (studyHasKeyedData(db)) throw new StudyKeyMissingError(studyUid(db), store.describe(studyUid(db)), purpose);
  const key = randomBytes(STUDY_KEY_BYTES);
  store.put(studyUid(db), key);
  recordKeyCheck(db, key);
  return key;
}

/** Records the key's check value in the study (the study now depends on this key). */
export function recordKeyCheck(db: Database.Database, key: Buffer): void {
  db.prepare('UPDATE study_settings SET study_key_check = ? WHERE id = 1').run(keyCheckValue(key));
}

/** Writes the study's key to `file` (0600) for another workstation of the site. */
export function exportStudyKey(db: Database.Database, store: StudyKeyStore, file: string): { studyUid: string; file: string } {
  const key = requireStudyKey(db, store, 'Exporting the study key');
  const target = path.resolve(file);
  if (fs.existsSync(target)) throw new ApiError('ALREADY_EXISTS', `${target} already exists; choose a new file name.`);
  writePrivateFile(target, encodeKeyFile(studyUid(db), key));
  return { studyUid: studyUid(db), file: target };
}

/** Reads an exported key file, checks it belongs to this study and saves it in the store. */
export function importStudyKey(db: Database.Database, store: StudyKeyStore, file: string): { studyUid: string; alreadyPresent: boolean } {
  const target = path.resolve(file);
  const data = readIfExists(target);
  if (!data) throw new ApiError('NOT_FOUND', `The key file ${target} does not exist.`);
  const { studyUid: uid, key } = decodeKeyFile(data.toString('utf8'), target);
  const own = studyUid(db);
  if (uid !== own) throw new ApiError('INVALID_INPUT', `${target} is the key of another study (uid ${uid}; this study is ${own}).`);
  const check = storedCheckValue(db);
  if (check !== null && check !== keyCheckValue(key)) {
    throw new ApiError('INVALID_INPUT', `${target} names this study but its key does not fit (key check value differs); nothing was imported.`);
  }
  const alreadyPresent = store.get(own) !== null;
  store.put(own, key);
  if (check === null) recordKeyCheck(db, key);
  return { studyUid: own, alreadyPresent };
}

/** The key folder of a user-data folder. */
export function studyKeysDir(userDataDir: string): string {
  return path.join(userDataDir, STUDY_KEYS_FOLDER);
}

/**
 * The user-data folder outside Electron (CLI, migrations run without a store): $RTCW_USER_DATA,
 * else the folder Electron's app.getPath('userData') uses for this app on the platform, so the CLI
 * and the desktop app of one user share `study-keys/`.
 */
export function defaultUserDataDir(): string {
  if (process.env.RTCW_USER_DATA) return path.resolve(process.env.RTCW_USER_DATA);
  const product = 'RT Cohort Workstation';
  if (process.platform === 'win32') return path.join(process.env.APPDATA ?? path.join(os.homedir(), 'AppData', 'Roaming'), product);
  if (process.platform === 'darwin') return path.join(os.homedir(), 'Library', 'Application Support', product);
  return path.join(process.env.XDG_CONFIG_HOME ?? path.join(os.homedir(), '.config'), product);
}

/** The 0600 key-file store of the default user-data folder. */
export function defaultKeyStore(): StudyKeyStore {
  return new KeyFileStore(studyKeysDir(defaultUserDataDir()));
}
