// RT course derivation benchmark (issue 10): many patients whose courses need the whole assembly —
// a re-plan continuing the fraction count and one record file per beam — scanned once into a
// scratch index, then deriveProposals (rtDerivation.ts + rtDelivery.ts) timed over the index
// (median of 5). Prints one JSON document.
// Run: npx tsx test/bench/rtDerivation.bench.ts [patients=200]
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openScratchIndex, readIndex } from '../../electron/services/dicom/dicomIndex';
import { indexFolder } from '../../electron/services/dicom/dicomScan';
import { deriveProposals } from '../../electron/services/dicom/rtDerivation';
import { rtCourse, shiftDate, writeAll, type SyntheticPatient } from '../unit/dicom/dicomWriter';

const patients = Number(process.argv[2] ?? 200);

async function main() {
  const root = mkdtempSync(join(tmpdir(), 'rtcw-bench-derive-'));
  try {
    let files = 0;
    for (let i = 0; i < patients; i++) {
      const p: SyntheticPatient = { patientId: `D${i}`, name: `BENCH^D${i}`, birthDate: '19600101', sex: i % 2 ? 'F' : 'M' };
      const start = shiftDate('20150105', i * 7);
      const days = (from: string, n: number) => Array.from({ length: n }, (_, k) => shiftDate(from, k));
      const first = rtCourse(p, { label: 'T8', planDate: start, fractions: 10, machineModel: 'TrueBeam', targets: [{ roiName: 'PTV_T8', doseGy: 30 }], treatmentDates: days(shiftDate(start, 2), 5), recordsPer: 'beam' });
      const replan = rtCourse(p, { label: 'T8 re', planDate: shiftDate(start, 6), fractions: 5, machineModel: 'TrueBeam', targets: [{ roiName: 'PTV_T8', doseGy: 15 }], treatmentDates: days(shiftDate(start, 7), 5), fractionStart: 6, recordsPer: 'beam' });
      const objects = [first.plan, first.struct, ...first.records, replan.plan, replan.struct, ...replan.records];
      writeAll(join(root, p.patientId), objects, (o) => `${o.uid}.dcm`);
      files += objects.length;
    }
    const db = openScratchIndex();
    await indexFolder(db, root, randomBytes(32), { workers: 2 });
    const index = readIndex(db);
    const times: number[] = [];
    let lesions = 0;
    for (let run = 0; run < 5; run++) {
      const t0 = performance.now();
      const result = deriveProposals(index);
      times.push(performance.now() - t0);
      lesions = result.lesions.length;
    }
    db.close();
    times.sort((a, b) => a - b);
    const median = times[2];
    process.stdout.write(
      `${JSON.stringify(
        {
          benchmark: 'rtDerivation',
          patients,
          files,
          rtInstances: index.rt.length,
          lesions,
          deriveMsMedian: Math.round(median * 10) / 10,
          coursesPerSecond: Math.round((lesions / median) * 1000),
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

void main();
