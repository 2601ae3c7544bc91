// TEMPORARY stand-in for issue-11a's studyKey.ts; replaced on merge.
import type Database from 'better-sqlite3';
import { ApiError } from '../../../shared/api/contract';
import { pseudonymSecret } from '../dicom/dicomIndex';

export class StudyKeyMissingError extends ApiError {
  constructor(message = 'The key of this study is not on this computer.') {
    super('INVALID_INPUT', message);
  }
}

export function studyKeyOf(db: Database.Database): Buffer {
  return pseudonymSecret(db);
}
