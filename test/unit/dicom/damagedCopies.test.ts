// Damaged duplicates (issue 10, hostile files): importing byte-corrupted copies of cohort-a's RT
// objects into a study that holds cohort-a must not change what was derived from the good copies.
// Copies whose SOP Instance UID was hit used to be indexed as new instances: extra treatment
// records and second plans flagged 2 of the 28 courses (alreadyPresent 28 → 26).
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStudy, openStudy } from '../../../electron/services/db/studyFile';
import { commitProposals, deriveFromStudy, importDicomFolder } from '../../../electron/services/dicom/dicomImport';
import { mulberry32 } from '../../fixtures/seededRandom';

const cohortDir = fileURLToPath(new URL('../../fixtures/dicom/cohort-a', import.meta.url));

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
}

let tmp: string;
let studyPath: string;
const rtFiles = walk(cohortDir).filter((f) => /_RT(PLAN|RECORD|STRUCT)\//.test(f));

/** The offsets of every copy of `text` in `bytes` (the UID is in the file meta and the data set). */
function occurrences(bytes: Buffer, text: string): number[] {
  const at: number[] = [];
  for (let i = bytes.indexOf(text, 0, 'latin1'); i >= 0; i = bytes.indexOf(text, i + 1, 'latin1')) at.push(i);
  return at;
}

function writeCopy(root: string, kind: string, file: string, bytes: Uint8Array): void {
  const out = join(root, kind, relative(cohortDir, file));
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, bytes);
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'rtcw-dicom-damaged-'));
  studyPath = join(tmp, 'study.rtcw');
  createStudy(studyPath).close();
  cpSync(cohortDir, join(tmp, 'cohort-a'), { recursive: true });
  const first = await importDicomFolder(studyPath, join(tmp, 'cohort-a'), { workers: 0 });
  // 18 need no review; a person accepts the 10 flagged (no treatment record, incomplete) as they are.
  expect(first.coursesAdded).toBe(18);
  const study = await openStudy(studyPath);
  try {
    expect(commitProposals(study.db, deriveFromStudy(study.db), { includeReviewed: true })).toMatchObject({ coursesAdded: 10, alreadyPresent: 18 });
  } finally {
    study.close();
  }
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function derived() {
  const study = await openStudy(studyPath);
  try {
    return deriveFromStudy(study.db);
  } finally {
    study.close();
  }
}

describe('damaged copies of indexed instances', () => {
  it('links copies whose UID was damaged to the good instance: nothing new, nothing derived changes', async () => {
    const before = await derived();
    const root = join(tmp, 'targeted');
    let written = 0;
    for (const file of rtFiles) {
      const bytes = readFileSync(file);
      const uid = /(2\.25\.[0-9]{20,})/.exec(file.split('/').pop() as string)?.[1];
      const at = uid ? occurrences(bytes, uid) : [];
      if (at.length < 2) continue;
      // One digit of the data set's copy changed to another digit: still a valid UID, but the
      // file meta (0002,0003) disagrees with (0008,0018).
      const dataSetOnly = Buffer.from(bytes);
      const digit = at[1] + uid!.length - 5;
      dataSetOnly[digit] = dataSetOnly[digit] === 0x37 ? 0x38 : 0x37;
      writeCopy(root, 'data-set-uid', file, dataSetOnly);
      // Both copies hit the same way: a character that no UID has, a few from the good one.
      const both = Buffer.from(bytes);
      for (const offset of at) both[offset + uid!.length - 3] = 0x3f;
      writeCopy(root, 'both-uids', file, both);
      // A NUL inside the data set's UID (a shorter valid UID if read up to the NUL).
      const nul = Buffer.from(bytes);
      nul[at[1] + uid!.length - 8] = 0;
      writeCopy(root, 'nul-in-uid', file, nul);
      written += 3;
    }
    expect(written).toBeGreaterThan(500);
    const result = await importDicomFolder(studyPath, root, { workers: 0 });
    expect(result.files.dicom).toBe(written);
    expect(result.newInstances).toBe(0);
    expect(result.coursesAdded).toBe(0);
    expect(result.alreadyPresent).toBe(28);
    expect(await derived()).toEqual(before);
  });

  it('keeps the 28 courses as derived when randomly corrupted copies are imported', async () => {
    const before = await derived();
    const root = join(tmp, 'random');
    const rand = mulberry32(20261203);
    for (const file of rtFiles) {
      const bytes = readFileSync(file);
      for (let k = 0; k < 3; k++) {
        const copy = Uint8Array.from(bytes);
        const flips = 1 + Math.floor(rand() * 8);
        for (let j = 0; j < flips; j++) copy[132 + Math.floor(rand() * (copy.length - 132))] = Math.floor(rand() * 256);
        writeCopy(root, `copy${k}`, file, copy);
      }
    }
    const result = await importDicomFolder(studyPath, root, { workers: 0 });
    expect(result.files.total).toBe(rtFiles.length * 3);
    expect(result.alreadyPresent).toBe(28);
    for (const s of result.files.skipped) expect(s.reason, s.path).toMatch(/^(truncated|malformed|not DICOM|DICOM without)[: ]/);
    const after = await derived();
    for (const lesion of before.lesions) expect(after.lesions.find((l) => l.proposalId === lesion.proposalId), lesion.proposalId).toEqual(lesion);
  });
});
