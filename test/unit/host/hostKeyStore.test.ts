// The service host's study-key store (electron/services/host/hostKeyStore.ts): with the keychain's
// wrapping key, key files are AES-256-GCM ciphertext readable only with that key; without it, the
// plain 0600 key files of web mode and the CLI.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hostKeyStore, wrappingKeyCipher } from '../../../electron/services/host/hostKeyStore';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtcw-host-keys-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const uid = 'ab'.repeat(16);

describe('host key store', () => {
  it('keychain mode: the key file holds no plain key and opens only with the wrapping key', () => {
    const wrappingKey = crypto.randomBytes(32);
    const studyKey = crypto.randomBytes(32);
    hostKeyStore(dir, { kind: 'keychain', wrappingKey }).put(uid, studyKey);
    expect(hostKeyStore(dir, { kind: 'keychain', wrappingKey }).get(uid)).toEqual(studyKey);
    const files = fs.readdirSync(path.join(dir, 'study-keys'));
    expect(files).toEqual([`${uid}.safekey`]);
    const stored = fs.readFileSync(path.join(dir, 'study-keys', files[0]));
    expect(stored.includes(studyKey)).toBe(false);
    expect(stored.toString('latin1')).not.toContain(studyKey.toString('hex'));
    expect(() => hostKeyStore(dir, { kind: 'keychain', wrappingKey: crypto.randomBytes(32) }).get(uid)).toThrow(/could not decrypt/);
  });

  it('the cipher detects tampering', () => {
    const cipher = wrappingKeyCipher(crypto.randomBytes(32));
    const sealed = cipher.encryptString('secret');
    sealed[sealed.length - 1] ^= 1;
    expect(() => cipher.decryptString(sealed)).toThrow();
  });

  it('files mode: plain key files', () => {
    const other = path.join(dir, 'plain');
    const studyKey = crypto.randomBytes(32);
    hostKeyStore(other, { kind: 'files' }).put(uid, studyKey);
    expect(fs.readdirSync(path.join(other, 'study-keys'))).toEqual([`${uid}.key`]);
    expect(hostKeyStore(other, { kind: 'files' }).get(uid)).toEqual(studyKey);
  });
});
