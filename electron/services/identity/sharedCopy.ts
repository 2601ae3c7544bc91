// Whether a study file is a de-identified shared copy (migration 0007, made by studyShare.ts), and
// the one refusal every identified import goes through: a shared copy has no key, no DICOM index
// and shifted dates, so new identified data could neither be linked nor kept consistent.
import type Database from 'better-sqlite3';
import { ApiError } from '../../../shared/api/contract';

export function isSharedCopy(db: Database.Database): boolean {
  const row = db.prepare('SELECT * FROM study_settings WHERE id = 1').get() as { shared_copy?: number } | undefined;
  return row?.shared_copy === 1;
}

/** Throws INVALID_INPUT naming `what` when `db` is a shared copy. */
export function assertIdentifiedImportAllowed(db: Database.Database, what: string): void {
  if (!isSharedCopy(db)) return;
  throw new ApiError(
    'INVALID_INPUT',
    `${what} is not possible in a shared (de-identified) copy: it has no study key, no DICOM index and its dates are shifted. Import into the original study at the site, then share a new copy.`,
  );
}
