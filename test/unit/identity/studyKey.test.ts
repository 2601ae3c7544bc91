// The study key lives outside the study (issue 11 item 2): 0600 key files, the safeStorage store,
// a clear message when linking needs a key this workstation lacks, analyses without it, and
// moving a study to another workstation with `rtcw study key export|import` / the API.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiResponse } from '../../../shared/api/contract';
import type { DicomScanResult } from '../../../shared/api/dicom';
import type { StudyKeyExport, StudyKeyImport } from '../../../shared/api/study';
import { main } from '../../../electron/cli/main';
import { createApiRuntime, type ApiService } from '../../../electron/services/api/index';
import { typedPathChooser } from '../../../electron/harness/server';
import {
  KeyFileStore,
  SafeStorageKeyStore,
  SingleKeyFileStore,
  decodeKeyFile,
  encodeKeyFile,
  type SecretCipher,
} from '../../../electron/services/identity/studyKey';
import { findIdentifiers, studyFiles } from './identifierSearch';

const cohortDir = fileURLToPath(new URL('../../fixtures/dicom/cohort-a', import.meta.url));
let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rtcw-study-key-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const mode = (file: string) => fs.statSync(file).mode & 0o777;
const uidA = 'a'.repeat(32);
const uidB = 'b'.repeat(32);

function ok<T>(response: ApiResponse): T {
  if (!response.ok) throw new Error(`${response.error.code}: ${response.error.message}`);
  return response.result as T;
}

async function cli(argv: string[], userData: string) {
  const saved = process.env.RTCW_USER_DATA;
  process.env.RTCW_USER_DATA = userData;
  let out = '';
  let err = '';
  try {
    const code = await main(argv, { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) } });
    return { code, out, err };
  } finally {
    process.env.RTCW_USER_DATA = saved;
  }
}

/** A stand-in for Electron's safeStorage (the one part that needs 'electron'): AES-256-GCM. */
function testCipher(): SecretCipher {
  const key = randomBytes(32);
  return {
    encryptString(plain) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return Buffer.concat([iv, c.getAuthTag(), body]);
    },
    decryptString(data) {
      const d = createDecipheriv('aes-256-gcm', key, data.subarray(0, 12));
      d.setAuthTag(data.subarray(12, 28));
      return Buffer.concat([d.update(data.subarray(28)), d.final()]).toString('utf8');
    },
  };
}

describe('key stores', () => {
  it('writes 0600 key files in a 0700 folder, never replaces a different key, refuses odd uids', () => {
    const dir = path.join(tmp, 'files', 'study-keys');
    const store = new KeyFileStore(dir);
    const key = randomBytes(32);
    expect(store.get(uidA)).toBeNull();
    store.put(uidA, key);
    expect(mode(path.join(dir, `${uidA}.key`))).toBe(0o600);
    expect(mode(dir)).toBe(0o700);
    expect(store.get(uidA)?.equals(key)).toBe(true);
    store.put(uidA, key); // same key: no-op
    expect(() => store.put(uidA, randomBytes(32))).toThrow(/already holds a different key/);
    expect(store.get(uidA)?.equals(key)).toBe(true);
    expect(() => store.get('../../etc/passwd')).toThrow(/Bad study uid/);
    // A key file copied under another study's name is refused.
    fs.copyFileSync(path.join(dir, `${uidA}.key`), path.join(dir, `${uidB}.key`));
    expect(() => store.get(uidB)).toThrow(/key of another study/);
  });

  it('keeps a --key file for exactly one study', () => {
    const file = path.join(tmp, 'usb', 'study.rtcwkey');
    const store = new SingleKeyFileStore(file);
    const key = randomBytes(32);
    store.put(uidA, key);
    expect(mode(file)).toBe(0o600);
    expect(store.get(uidA)?.equals(key)).toBe(true);
    expect(() => store.get(uidB)).toThrow(/key of another study/);
  });

  it('keeps keys encrypted by the OS keychain (safeStorage) and still reads plain CLI key files', () => {
    const dir = path.join(tmp, 'safe', 'study-keys');
    const store = new SafeStorageKeyStore(dir, testCipher());
    const key = randomBytes(32);
    store.put(uidA, key);
    const stored = fs.readFileSync(path.join(dir, `${uidA}.safekey`));
    expect(mode(path.join(dir, `${uidA}.safekey`))).toBe(0o600);
    expect(stored.includes(Buffer.from(key.toString('base64')))).toBe(false);
    expect(stored.includes(key)).toBe(false);
    expect(store.get(uidA)?.equals(key)).toBe(true);
    // Another user's keychain cannot decrypt it: a clear error, not a wrong key.
    expect(() => new SafeStorageKeyStore(dir, testCipher()).get(uidA)).toThrow(/OS keychain could not decrypt/);
    // A key the CLI wrote as a plain 0600 file in the same folder is found.
    const cliKey = randomBytes(32);
    new KeyFileStore(dir).put(uidB, cliKey);
    expect(store.get(uidB)?.equals(cliKey)).toBe(true);
  });

  it('rejects damaged key files with a message naming the file', () => {
    const key = randomBytes(32);
    expect(decodeKeyFile(encodeKeyFile(uidA, key), 'k').key.equals(key)).toBe(true);
    expect(() => decodeKeyFile('hello', 'x.rtcwkey')).toThrow(/x\.rtcwkey is not a study key file/);
    expect(() => decodeKeyFile(encodeKeyFile(uidA, key).replace(key.toString('base64'), 'AAAA'), 'y.rtcwkey')).toThrow(/y\.rtcwkey is damaged/);
  });
});

describe('a study without its key on this workstation', () => {
  let home: ApiService;
  let away: ApiService;
  let study: string;
  const homeData = () => path.join(tmp, 'home-user-data');
  const awayData = () => path.join(tmp, 'away-user-data');

  beforeAll(async () => {
    home = createApiRuntime({ userDataDir: homeData(), choosePath: typedPathChooser(tmp), logError: () => {} });
    away = createApiRuntime({ userDataDir: awayData(), choosePath: typedPathChooser(tmp), logError: () => {} });
    study = path.join(tmp, 'moving.rtcw');
    ok(await home.call('createStudy', { path: study }));
    const scan = ok<DicomScanResult>(await home.call('scanDicomFolder', { dir: cohortDir }));
    // Every proposal, the flagged ones too (a person reviewed them; this test is about the key).
    ok(await home.call('commitDicomProposals', { proposalIds: scan.lesions.map((l) => l.proposalId), includeReviewed: true }));
    ok(await home.call('closeStudy', {}));
  }, 120_000);
  afterAll(() => {
    home.session.dispose();
    away.session.dispose();
  });

  it('keeps the key in the user-data folder as a 0600 file, not in the study', () => {
    const keys = fs.readdirSync(path.join(homeData(), 'study-keys'));
    expect(keys).toHaveLength(1);
    const keyFile = path.join(homeData(), 'study-keys', keys[0]);
    expect(mode(keyFile)).toBe(0o600);
    const { key } = decodeKeyFile(fs.readFileSync(keyFile, 'utf8'), keyFile);
    const forms = [key, Buffer.from(key.toString('hex')), Buffer.from(key.toString('base64'))];
    expect(findIdentifiers(studyFiles(study), [], forms)).toEqual([]);
    expect(findIdentifiers([keyFile], [], forms).length).toBeGreaterThan(0);
  });

  it('opens and analyses without the key; a DICOM scan asks for it with a clear message', async () => {
    ok(await away.call('openStudy', { path: study }));
    const dataset = ok<{ rows: unknown[] }>(await away.call('cohortDataset', { unit: 'lesion' }));
    expect(dataset.rows).toHaveLength(28);
    const report = await away.call('studyReport', {});
    expect(report.ok).toBe(true);
    const scan = await away.call('scanDicomFolder', { dir: cohortDir });
    expect(scan.ok).toBe(false);
    if (!scan.ok) {
      expect(scan.error.code).toBe('STUDY_KEY_MISSING');
      expect(scan.error.message).toMatch(/^Scanning DICOM files into this study needs this study's key, which is not on this workstation/);
      expect(scan.error.message).toMatch(/Import Study Key|Import study key/i);
      expect(scan.error.message).toContain('Analyses and exports work without it.');
    }
    // Nothing was created: no key was made up (it would orphan the study's hashes).
    expect(fs.existsSync(path.join(awayData(), 'study-keys')) ? fs.readdirSync(path.join(awayData(), 'study-keys')) : []).toEqual([]);
    ok(await away.call('closeStudy', {}));
  });

  it('says the same on the command line, where `dataset` works without the key', async () => {
    const cliAway = path.join(tmp, 'cli-away');
    const dataset = await cli(['dataset', '--study', study], cliAway);
    expect(dataset.code).toBe(0);
    expect(dataset.out.trim().split('\n')).toHaveLength(29);
    const scan = await cli(['study', 'import-dicom', study, '--dir', cohortDir], cliAway);
    expect(scan.code).toBe(2);
    expect(scan.err).toMatch(/^rtcw study import-dicom: Importing DICOM files into this study needs this study's key, which is not on this workstation \(looked in the key file .*cli-away.*\)/);
    expect(scan.err).toContain('rtcw study key import');
  });

  it('moves to another workstation: key export (0600) there, key import here, then linking works', async () => {
    // CLI export from the home workstation's key files.
    const exported = path.join(tmp, 'transfer', 'moving.rtcwkey');
    fs.mkdirSync(path.dirname(exported));
    const out = await cli(['study', 'key', 'export', study, '--out', exported], homeData());
    expect(out.err).toBe('');
    expect(out.code).toBe(0);
    expect(JSON.parse(out.out)).toMatchObject({ file: exported });
    expect(mode(exported)).toBe(0o600);
    expect((await cli(['study', 'key', 'export', study, '--out', exported], homeData())).err).toMatch(/already exists/);

    // The API on the other workstation imports it (the File menu item calls the same method).
    ok(await away.call('openStudy', { path: study }));
    const imported = ok<StudyKeyImport>(await away.call('importStudyKey', { path: exported }));
    expect(imported.alreadyPresent).toBe(false);
    const scan = ok<DicomScanResult>(await away.call('scanDicomFolder', { dir: cohortDir }));
    // Same key: every patient and instance is recognised — nothing new, nobody twice.
    expect(scan.newInstances).toBe(0);
    expect(ok(await away.call('commitDicomProposals', { proposalIds: scan.lesions.map((l) => l.proposalId), includeReviewed: true }))).toMatchObject({
      patientsAdded: 0,
      alreadyPresent: 28,
    });
    // And it can pass it on (API export, 0600).
    const again = ok<StudyKeyExport>(await away.call('exportStudyKey', { path: path.join(tmp, 'transfer', 'again.rtcwkey') }));
    expect(mode(again.file)).toBe(0o600);
    ok(await away.call('closeStudy', {}));
  });

  it('refuses a key file of another study, and a key that does not fit this study', async () => {
    const other = path.join(tmp, 'other.rtcw');
    expect((await cli(['study', 'create', other], homeData())).code).toBe(0);
    const exported = path.join(tmp, 'transfer', 'moving.rtcwkey');
    const wrongStudy = await cli(['study', 'key', 'import', other, '--from', exported], path.join(tmp, 'third'));
    expect(wrongStudy.code).toBe(2);
    expect(wrongStudy.err).toMatch(/is the key of another study/);
    // Right uid, wrong key.
    const { studyUid } = decodeKeyFile(fs.readFileSync(exported, 'utf8'), exported);
    const forged = path.join(tmp, 'transfer', 'forged.rtcwkey');
    fs.writeFileSync(forged, encodeKeyFile(studyUid, randomBytes(32)));
    const wrongKey = await cli(['study', 'key', 'import', study, '--from', forged], path.join(tmp, 'third'));
    expect(wrongKey.code).toBe(2);
    expect(wrongKey.err).toMatch(/its key does not fit/);
    const good = await cli(['study', 'key', 'import', study, '--from', exported], path.join(tmp, 'third'));
    expect(good.code).toBe(0);
    expect(JSON.parse(good.out)).toEqual({ studyUid, alreadyPresent: false });
  });
});
