// The dicom API methods through the real service (as both transports call it): scan with progress
// and cancel, proposals, commit of accepted proposals (idempotent), on a real study file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiResponse } from '../../../shared/api/contract';
import type { DicomCommitResult, DicomScanResult } from '../../../shared/api/dicom';
import { createApiRuntime, type ApiService } from '../../../electron/services/api/index';
import { typedPathChooser } from '../../../electron/harness/server';

const cohortDir = fileURLToPath(new URL('../../fixtures/dicom/cohort-a', import.meta.url));

let dir: string;
let service: ApiService;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtcw-dicom-api-'));
  service = createApiRuntime({ userDataDir: path.join(dir, 'user-data'), choosePath: typedPathChooser(dir), logError: () => {} });
});
afterEach(() => {
  service.session.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

function ok<T>(response: ApiResponse): T {
  if (!response.ok) throw new Error(`${response.error.code}: ${response.error.message}`);
  return response.result as T;
}

describe('dicom API', () => {
  it('needs an open study', async () => {
    const r = await service.call('scanDicomFolder', { dir: cohortDir });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('NO_STUDY');
  });

  it('scans with progress, then commits the accepted proposals once', async () => {
    ok(await service.call('createStudy', { path: path.join(dir, 's.rtcw') }));
    const progress: number[] = [];
    const scan = ok<DicomScanResult>(await service.call('scanDicomFolder', { dir: cohortDir }, { onProgress: (p) => progress.push(p.pct) }));
    expect(scan.files.total).toBe(597);
    expect(scan.lesions).toHaveLength(28);
    expect(progress.length).toBeGreaterThan(2);
    expect(Math.max(...progress)).toBeGreaterThanOrEqual(95);

    const listed = ok<Pick<DicomScanResult, 'lesions'>>(await service.call('listDicomProposals', {}));
    expect(listed.lesions.map((l) => l.proposalId)).toEqual(scan.lesions.map((l) => l.proposalId));

    const clean = scan.lesions.filter((l) => !l.needsReview);
    const flagged = scan.lesions.filter((l) => l.needsReview);
    expect(flagged).toHaveLength(10);
    expect(scan.lesions.every((l) => l.inCohort === false)).toBe(true);
    const some = clean.slice(0, 5).map((l) => l.proposalId);
    const first = ok<DicomCommitResult>(await service.call('commitDicomProposals', { proposalIds: [...some, 'no-such-id'] }));
    expect(first).toMatchObject({ coursesAdded: 5, lesionsAdded: 5, alreadyPresent: 0 });
    expect(first.notCommitted).toEqual([{ proposalId: 'no-such-id', reasons: ['no such proposal'] }]);
    // Accepting everything without review commits only the unflagged; flagged ones come back with their reasons.
    const all = ok<DicomCommitResult>(await service.call('commitDicomProposals', { proposalIds: scan.lesions.map((l) => l.proposalId) }));
    expect(all).toMatchObject({ coursesAdded: clean.length - 5, alreadyPresent: 5 });
    expect(all.notCommitted.map((n) => n.proposalId).sort()).toEqual(flagged.map((l) => l.proposalId).sort());
    expect(all.notCommitted.every((n) => n.reasons.length > 0)).toBe(true);
    // A re-scan shows what the cohort already holds.
    const again = ok<DicomScanResult>(await service.call('scanDicomFolder', { dir: cohortDir }));
    expect(again.lesions.filter((l) => l.inCohort).map((l) => l.proposalId).sort()).toEqual(clean.map((l) => l.proposalId).sort());
    // A person's correction of one flagged proposal (its RT start) is a review: it is committed.
    const noRecord = flagged.find((l) => l.fractionsDelivered === null) as (typeof flagged)[number];
    const edited = ok<DicomCommitResult>(
      await service.call('commitDicomProposals', { proposalIds: [noRecord.proposalId], edits: [{ proposalId: noRecord.proposalId, rtStartDate: '2015-03-02' }] }),
    );
    expect(edited).toMatchObject({ coursesAdded: 1, notCommitted: [] });
    // Explicit acceptance of the rest.
    const accepted = ok<DicomCommitResult>(
      await service.call('commitDicomProposals', { proposalIds: flagged.map((l) => l.proposalId), includeReviewed: true }),
    );
    expect(accepted).toMatchObject({ coursesAdded: flagged.length - 1, alreadyPresent: 1 });
    expect(ok(await service.call('studyCounts', {}))).toEqual({ patients: 24, lesions: 28, courses: 28 });
  });

  it('re-scans only files that changed (path, size, mtime) and adds nothing twice', async () => {
    ok(await service.call('createStudy', { path: path.join(dir, 'r.rtcw') }));
    const copy = path.join(dir, 'copy');
    fs.cpSync(cohortDir, copy, { recursive: true });
    const first = ok<DicomScanResult>(await service.call('scanDicomFolder', { dir: copy }));
    expect(first).toMatchObject({ newInstances: 597, reusedFiles: 0 });
    const second = ok<DicomScanResult>(await service.call('scanDicomFolder', { dir: copy }));
    expect(second).toMatchObject({ newInstances: 0, reusedFiles: 597 });
    expect(second.files).toEqual(first.files);
    expect(second.lesions).toEqual(first.lesions);
    // A touched file is parsed again (same SOP instance: still nothing new).
    const someFile = path.join(copy, fs.readdirSync(copy)[0]);
    const inner = path.join(someFile, fs.readdirSync(someFile)[0]);
    const target = path.join(inner, fs.readdirSync(inner)[0]);
    fs.utimesSync(target, new Date(), new Date(Date.now() + 5000));
    const third = ok<DicomScanResult>(await service.call('scanDicomFolder', { dir: copy }));
    expect(third).toMatchObject({ newInstances: 0, reusedFiles: 596 });
    expect(third.files).toEqual(first.files);
  });

  it('cancels a running scan with a typed error', async () => {
    ok(await service.call('createStudy', { path: path.join(dir, 'c.rtcw') }));
    let cancelled = false;
    const r = await service.call(
      'scanDicomFolder',
      { dir: cohortDir },
      {
        jobId: 'scan-1',
        onProgress: (p) => {
          if (!cancelled && p.pct > 5) {
            cancelled = service.cancel('scan-1');
          }
        },
      },
    );
    expect(cancelled).toBe(true);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('CANCELLED');
  });

  it('rejects a folder that does not exist', async () => {
    ok(await service.call('createStudy', { path: path.join(dir, 'x.rtcw') }));
    const r = await service.call('scanDicomFolder', { dir: path.join(dir, 'missing') });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('INVALID_INPUT');
  });
});
