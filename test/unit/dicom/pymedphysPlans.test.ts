// Real RT plans from pymedphys' public test data (test/fixtures/dicom/real-pymedphys, copied from
// shared/data/dicom/real-pymedphys; Apache 2.0, origin in PROVENANCE.tsv): Monaco, Pinnacle,
// Eclipse, service-mode and research plans of non-spinal sites (breast, endometrium, brain, QA
// fields). None of them may become an unflagged spine lesion (issue 10 acceptance).
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { scanFolderReadOnly } from '../../../electron/services/dicom/dicomScan';
import type { DicomScanResult } from '../../../shared/api/dicom';

const dir = fileURLToPath(new URL('../../fixtures/dicom/real-pymedphys', import.meta.url));
// Distinct RT Plan SOP Instance UIDs among the folder's RTPLAN files, listed once with
// `dcmdump +P 0008,0060 +P 0008,0018` (33 plan files; 19 service-mode files share one UID).
const DISTINCT_PLANS = 15;

let result: DicomScanResult;
beforeAll(async () => {
  result = await scanFolderReadOnly(dir, { workers: 1 });
});

describe('pymedphys RT plans', () => {
  it('proposes something for every distinct plan, and flags every proposal', () => {
    const plans = new Set(result.lesions.map((l) => l.planSopInstanceUid));
    expect(plans.size).toBe(DISTINCT_PLANS);
    for (const l of result.lesions) {
      expect(l.needsReview, `${l.planLabel}: proposed unflagged`).toBe(true);
      expect(l.reviewReasons.length).toBeGreaterThan(0);
      // None of these sites names a vertebral level.
      expect(l.levels, `${l.planLabel}`).toEqual([]);
    }
  });

  it('says why: no vertebral level, and no treatment record for any of them', () => {
    for (const l of result.lesions) {
      const reasons = l.reviewReasons.join('; ');
      expect(reasons, `${l.planLabel}`).toMatch(/no vertebral level/);
      expect(reasons, `${l.planLabel}`).toMatch(/no treatment record/);
    }
  });
});
