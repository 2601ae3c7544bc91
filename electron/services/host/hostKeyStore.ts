// The study-key store of the service host (identity/studyKey.ts). Electron's safeStorage (the OS
// keychain) exists only in the main process, and the key store is called synchronously inside the
// host, so main unwraps one random 32-byte wrapping key with safeStorage
// (<userData>/study-keys/keychain.wrap) and hands it to the host at start; the host encrypts each
// study's key file with it (AES-256-GCM) — envelope encryption: at rest everything is still
// protected by the OS keychain. Without a usable keychain main sends nothing and the host keeps
// the 0600 key files web mode and the CLI use.
import crypto from 'node:crypto';
import { KeyFileStore, SafeStorageKeyStore, studyKeysDir, type SecretCipher, type StudyKeyStore } from '../identity/studyKey';

/** What main sends in `init`: the unwrapped wrapping key, or nothing (plain key files). */
export type HostKeyStoreConfig = { kind: 'files' } | { kind: 'keychain'; wrappingKey: Uint8Array };

export const WRAPPING_KEY_FILE = 'keychain.wrap';

/** AES-256-GCM with the wrapping key: iv (12) | tag (16) | ciphertext. */
export function wrappingKeyCipher(key: Uint8Array): SecretCipher {
  if (key.length !== 32) throw new Error('The keychain wrapping key must be 32 bytes.');
  return {
    encryptString(plain) {
      const iv = crypto.randomBytes(12);
      const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]);
    },
    decryptString(encrypted) {
      const decipher = crypto.createDecipheriv('aes-256-gcm', key, encrypted.subarray(0, 12));
      decipher.setAuthTag(encrypted.subarray(12, 28));
      return Buffer.concat([decipher.update(encrypted.subarray(28)), decipher.final()]).toString('utf8');
    },
  };
}

export function hostKeyStore(userDataDir: string, config: HostKeyStoreConfig): StudyKeyStore {
  const dir = studyKeysDir(userDataDir);
  return config.kind === 'keychain' ? new SafeStorageKeyStore(dir, wrappingKeyCipher(config.wrappingKey)) : new KeyFileStore(dir);
}
