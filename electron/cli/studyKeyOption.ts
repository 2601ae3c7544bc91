// `--key KEYFILE` of the study commands that link identified data (import-table with hospital IDs,
// reid-list): the key file the user names, else the user's key store (identity/studyKey.ts).
import path from 'node:path';
import { defaultKeyStore, SingleKeyFileStore, type StudyKeyStore } from '../services/identity/studyKey';
import type { CliOptions } from './options';

export function keyStoreOption(options: CliOptions): StudyKeyStore {
  const file = options.string('key');
  return file ? new SingleKeyFileStore(path.resolve(file)) : defaultKeyStore();
}
