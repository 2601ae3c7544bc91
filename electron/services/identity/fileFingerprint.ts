// Keyed fingerprint of a scanned file (issue 11 item 1): what a re-scan needs to recognise an
// unchanged file — path, size and modification time — without storing the path (folder names are
// often patient IDs and dates). HMAC under the study key, so the fingerprint of a guessed path
// cannot be checked without the key. A moved or touched file simply gets parsed again; its
// instance is still recognised by SOP Instance UID (dicomIndex.ts).
import { createHmac } from 'node:crypto';

const FILE_LABEL = 'rtcw/dicom-file/v1';

/** HMAC-SHA-256(key, label ␟ path ␟ size ␟ mtime in ms), 64 hex digits. */
export function fileFingerprint(key: Buffer, filePath: string, size: number, mtimeMs: number): string {
  return createHmac('sha256', key).update(`${FILE_LABEL}\u001f${filePath}\u001f${size}\u001f${mtimeMs}`, 'utf8').digest('hex');
}
