// A large DICOM folder for the service host's tests and benchmark: `patients` patients, each with
// a planning CT series and a course assembled from a plan and a re-plan continuing the fraction
// count, one treatment record per beam (the assembly test/bench/rtDerivation.bench.ts times).
// Real DICOM files written by ../dicom/dicomWriter.ts with fresh UIDs.
import { join } from 'node:path';
import { imageSeries, rtCourse, shiftDate, writeAll, type SyntheticPatient } from '../dicom/dicomWriter';

/** Writes the folder; returns how many files it holds. */
export function writeDicomCohortFolder(root: string, patients: number, options: { ctSlices?: number } = {}): number {
  const days = (from: string, n: number) => Array.from({ length: n }, (_, k) => shiftDate(from, k));
  let files = 0;
  for (let i = 0; i < patients; i++) {
    const p: SyntheticPatient = { patientId: `H${i}`, name: `HOST^P${i}`, birthDate: '19600101', sex: i % 2 ? 'F' : 'M' };
    const start = shiftDate('20150105', i * 7);
    const first = rtCourse(p, {
      label: 'T8',
      planDate: start,
      fractions: 10,
      machineModel: 'TrueBeam',
      targets: [{ roiName: 'PTV_T8', doseGy: 30 }],
      treatmentDates: days(shiftDate(start, 2), 5),
      recordsPer: 'beam',
    });
    const replan = rtCourse(p, {
      label: 'T8 re',
      planDate: shiftDate(start, 6),
      fractions: 5,
      machineModel: 'TrueBeam',
      targets: [{ roiName: 'PTV_T8', doseGy: 15 }],
      treatmentDates: days(shiftDate(start, 7), 5),
      fractionStart: 6,
      recordsPer: 'beam',
    });
    const ct = imageSeries(p, { modality: 'CT', date: shiftDate(start, -10), count: options.ctSlices ?? 4 });
    const objects = [...ct, first.plan, first.struct, ...first.records, replan.plan, replan.struct, ...replan.records];
    writeAll(join(root, p.patientId), objects, (o) => `${o.uid}.dcm`);
    files += objects.length;
  }
  return files;
}
