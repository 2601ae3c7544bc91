// Parsing parity with DCMTK (issue 10): every fixture file that dcmdump reads — it exits 0 and has
// a SOP Instance UID — is read by the scanner with the same SOP Class UID and SOP Instance UID.
// The list of what DCMTK reads was made once with dcmdump (test/fixtures/dicom/make-dcmtk-reads.sh)
// and committed as test/fixtures/dicom/dcmtk-reads.tsv; DCMTK is not needed to run this test.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readDicomFile } from '../../../electron/services/dicom/headerParser';
import { parseDicomBytes } from '../../../electron/services/dicom/headerParser';
import { scanFolderReadOnly } from '../../../electron/services/dicom/dicomScan';
import { mutatedFiles } from './mutatedFiles';

const fixtures = fileURLToPath(new URL('../../fixtures/dicom/', import.meta.url));
const rows = readFileSync(join(fixtures, 'dcmtk-reads.tsv'), 'utf8')
  .split('\n')
  .filter((line) => line && !line.startsWith('#') && !line.startsWith('file\t'))
  .map((line) => {
    const [file, dcmtk, sopClassUid, sopInstanceUid] = line.split('\t');
    return { file, dcmtk, sopClassUid, sopInstanceUid };
  });
// dcmdump removes spaces from UI values (with a warning); the scanner keeps the value as written.
const asDcmtkPrints = (uid: string) => uid.replace(/ /g, '');

describe('parity with DCMTK', () => {
  it('lists every pymedphys RT file and the pydicom samples', () => {
    const pymedphys = rows.filter((r) => r.file.startsWith('real-pymedphys/'));
    expect(pymedphys.length).toBe(61);
    expect(pymedphys.every((r) => r.dcmtk === 'read')).toBe(true);
    expect(rows.filter((r) => r.file.startsWith('pydicom-samples/')).length).toBeGreaterThan(35);
  });

  it('reads every file DCMTK reads, with the same SOP Class and SOP Instance UID', () => {
    const read = rows.filter((r) => r.dcmtk === 'read');
    expect(read.length).toBeGreaterThan(80);
    const mismatches: string[] = [];
    for (const r of read) {
      const outcome = readDicomFile(join(fixtures, r.file));
      if (outcome.kind !== 'dicom') mismatches.push(`${r.file}: skipped (${outcome.reason})`);
      else {
        if (outcome.header.sopInstanceUid !== r.sopInstanceUid) mismatches.push(`${r.file}: SOP Instance UID ${outcome.header.sopInstanceUid}`);
        if (asDcmtkPrints(outcome.header.sopClassUid) !== r.sopClassUid) mismatches.push(`${r.file}: SOP Class UID ${outcome.header.sopClassUid}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('skips what DCMTK cannot read with a reason that says what is wrong', () => {
    const notRead = rows.filter((r) => r.dcmtk === 'not-read');
    expect(notRead.map((r) => r.file)).toContain('pydicom-samples/rtplan_truncated.dcm');
    for (const r of notRead) {
      const outcome = readDicomFile(join(fixtures, r.file));
      expect(outcome.kind, r.file).toBe('skipped');
      if (outcome.kind === 'skipped') expect(outcome.reason, r.file).toMatch(/^(truncated: |malformed: |not DICOM: )/);
    }
    expect(readDicomFile(join(fixtures, 'pydicom-samples/rtplan_truncated.dcm'))).toMatchObject({
      kind: 'skipped',
      reason: 'truncated: the file ends inside (300A,012C), which declares 50 bytes where 29 remain',
    });
  });

  it('scans the pymedphys folder: every RT file indexed, only the licence and provenance skipped', async () => {
    const result = await scanFolderReadOnly(join(fixtures, 'real-pymedphys'), { workers: 1 });
    expect(result.files.dicom).toBe(61);
    expect(result.files.skipped.map((s) => s.path.split('/').pop()).sort()).toEqual(['LICENSE-pymedphys.txt', 'PROVENANCE.tsv']);
  });

  it('reads every byte-corrupted copy DCMTK reads, with the same SOP Instance UID (list made once with dcmdump)', () => {
    const listed = new Map(
      readFileSync(join(fixtures, 'dcmtk-mutations.tsv'), 'utf8')
        .split('\n')
        .filter((line) => line && !line.startsWith('#') && !line.startsWith('file\t'))
        .map((line) => line.split('\t'))
        .map(([file, dcmtk, uid]) => [file, { dcmtk, uid }]),
    );
    const files = mutatedFiles();
    expect(files.length).toBe(listed.size);
    const mismatches: string[] = [];
    let read = 0;
    for (const { name, bytes } of files) {
      const outcome = parseDicomBytes(bytes, bytes.length);
      const expected = listed.get(name);
      if (outcome === 'need-more') throw new Error(`${name}: need-more on a whole file`);
      if (outcome.kind === 'skipped') expect(outcome.reason, name).toMatch(/^(truncated: |malformed: |not DICOM: |DICOM without SOP Instance UID)/);
      if (expected?.dcmtk !== 'read') continue;
      read++;
      if (outcome.kind !== 'dicom') mismatches.push(`${name}: skipped (${outcome.reason})`);
      else if (outcome.header.sopInstanceUid.replace(/ /g, '') !== expected.uid) mismatches.push(`${name}: ${outcome.header.sopInstanceUid} vs ${expected.uid}`);
    }
    expect(read).toBeGreaterThan(300);
    expect(mismatches).toEqual([]);
  });
});
