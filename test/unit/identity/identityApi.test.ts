// The issue-11 API methods through the real service (as both transports call it): a DICOM import
// and an MRN-keyed sheet via the API, then writeReidList (with progress) and shareStudyCopy; the
// shared copy, opened through the API, says so and refuses a DICOM scan.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiResponse } from '../../../shared/api/contract';
import type { ImportReport } from '../../../shared/api/cohort';
import type { DicomScanResult } from '../../../shared/api/dicom';
import type { ReidListResult, SharedCopyResult, StudyInfo } from '../../../shared/api/study';
import { createApiRuntime, type ApiService } from '../../../electron/services/api/index';
import { typedPathChooser } from '../../../electron/harness/server';
import { cohortDir, patientMapping, patientSheet, truth } from './linkageFixture';

let dir: string;
let service: ApiService;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtcw-identity-api-'));
  service = createApiRuntime({ userDataDir: path.join(dir, 'user-data'), choosePath: typedPathChooser(dir), logError: () => {} });
});
afterAll(() => {
  service.session.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

function ok<T>(response: ApiResponse): T {
  if (!response.ok) throw new Error(`${response.error.code}: ${response.error.message}`);
  return response.result as T;
}

describe('identity API (shareStudyCopy, writeReidList)', () => {
  it('links an MRN sheet, lists pseudonym ↔ MRN, and shares a copy that refuses DICOM', async () => {
    ok(await service.call('createStudy', { path: path.join(dir, 'site.rtcw') }));
    const scan = ok<DicomScanResult>(await service.call('scanDicomFolder', { dir: cohortDir }));
    ok(await service.call('commitDicomProposals', { proposalIds: scan.lesions.map((l) => l.proposalId), includeReviewed: true }));
    expect(ok<{ patients: number }>(await service.call('studyCounts', {})).patients).toBe(truth.patients.length);
    const sheet = path.join(dir, 'patients.csv');
    fs.writeFileSync(sheet, patientSheet());
    const report = ok<ImportReport>(await service.call('commitTableImport', { path: sheet, mapping: JSON.parse(patientMapping()) }));
    expect(report.rejected).toEqual([]);
    expect(report.sheets[0]).toMatchObject({ inserted: 0, updated: truth.patients.length });

    const progress: number[] = [];
    const list = ok<ReidListResult>(await service.call('writeReidList', { dir: cohortDir, out: path.join(dir, 'reid.csv') }, { onProgress: (p) => progress.push(p.pct) }));
    expect(list).toMatchObject({ listed: truth.patients.length, notInStudy: 0, studyPatientsNotFound: 0 });
    expect(progress.length).toBeGreaterThan(0);
    const csv = fs.readFileSync(list.path, 'utf8');
    for (const p of truth.patients) expect(csv).toMatch(new RegExp(`^P-[0-9a-f]{16},,${p.patientId}$`, 'm'));

    const copy = ok<SharedCopyResult>(await service.call('shareStudyCopy', { out: path.join(dir, 'shared.rtcw') }));
    expect(copy.patients).toBe(truth.patients.length);
    const info = ok<StudyInfo>(await service.call('openStudy', { path: copy.path }));
    expect(info.sharedCopy).toBe(true);
    const refused = await service.call('scanDicomFolder', { dir: cohortDir });
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.error.message).toMatch(/DICOM import is not possible in a shared \(de-identified\) copy/);
    const noList = await service.call('writeReidList', { dir: cohortDir, out: path.join(dir, 'reid-2.csv') });
    expect(noList.ok).toBe(false);
    expect(fs.existsSync(path.join(dir, 'reid-2.csv'))).toBe(false);
  });
});
