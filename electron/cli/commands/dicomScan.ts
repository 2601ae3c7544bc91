// `rtcw dicom-scan --dir DIR [--imaging-window-days 60] [--alpha-beta 7]` (cli.md "DICOM").
// Reads, never writes: pseudonyms use a random per-run secret, so they differ between runs and
// from any study's (a study's pseudonyms come from its own secret at import).
import { CliError, type CliOptions } from '../options';
import { scanFolderReadOnly, ScanInputError } from '../../services/dicom/dicomScan';

export const allowedOptions = ['dir', 'imaging-window-days', 'alpha-beta'] as const;

export async function run(options: CliOptions) {
  const dir = options.requiredString('dir');
  const imagingWindowDays = options.number('imaging-window-days', 60);
  const alphaBetaGy = options.number('alpha-beta', 7);
  if (!Number.isInteger(imagingWindowDays) || imagingWindowDays < 0) {
    throw new CliError(`--imaging-window-days must be a whole number of days ≥ 0; got ${imagingWindowDays}`);
  }
  if (!(alphaBetaGy > 0)) throw new CliError(`--alpha-beta must be > 0 Gy; got ${alphaBetaGy}`);
  let result;
  try {
    result = await scanFolderReadOnly(dir, { imagingWindowDays, alphaBetaGy });
  } catch (error) {
    if (error instanceof ScanInputError) throw new CliError(error.message);
    throw error;
  }
  return {
    files: result.files,
    patients: result.patients,
    lesions: result.lesions.map((l) => ({
      sourcePatientId: l.sourcePatientId,
      levels: l.levels,
      location: l.location,
      totalDoseGy: l.totalDoseGy,
      fractionsPlanned: l.fractionsPlanned,
      fractionsDelivered: l.fractionsDelivered,
      dosePerFractionGy: l.dosePerFractionGy,
      bedGy: l.bedGy,
      eqd2Gy: l.eqd2Gy,
      sbrt: l.sbrt,
      rtStartDate: l.rtStartDate,
      rtEndDate: l.rtEndDate,
      machine: l.machine,
      preRtImaging: l.preRtImaging,
      planSopInstanceUid: l.planSopInstanceUid,
      planSopInstanceUids: l.planSopInstanceUids,
      // cli.md `dicom-scan`: the phase keys of the contract.
      phases: l.phases.map((p) => ({
        planSopInstanceUid: p.planSopInstanceUid,
        fractionGroup: p.fractionGroup,
        dosePerFractionGy: p.dosePerFractionGy,
        fractionsPlanned: p.fractionsPlanned,
        fractionsDelivered: p.fractionsDelivered,
      })),
      targetRoiName: l.targetRoiName,
      planLabel: l.planLabel,
      needsReview: l.needsReview,
      reviewReasons: l.reviewReasons,
    })),
  };
}
