// Which spreadsheet columns hold a hospital patient ID (issue 11). One list for the spreadsheet
// wizard (which offers linking by hospital ID for such a column) and the import (which refuses to
// store such a column in clear as a pseudonym — the mistake that put MRNs into the cohort grid).

const squash = (header: string) => header.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Headers that are a hospital's patient ID (MRN, PatientID, Patient ID, …), compared squashed. */
const HOSPITAL_ID_HEADERS = new Set([
  'mrn', 'medicalrecordnumber', 'medicalrecordno', 'patientid', 'patid', 'pid', 'hospitalid', 'hospitalnumber',
  'kisid', 'patientennummer', 'patnr', 'fallnummer', 'sourcepatientid',
]);

/** Whether `header` names a hospital patient ID column ("MRN", "Patient ID", "PatientID", "pat_nr", …). */
export function isHospitalIdHeader(header: string): boolean {
  const s = squash(header);
  return HOSPITAL_ID_HEADERS.has(s) || /(^|[^a-z])mrn([^a-z]|$)/i.test(header) || s.startsWith('mrn');
}

/**
 * The column a sheet most likely keys its rows by hospital ID: a hospital-ID header, else a REDCap
 * `record_id` (often the MRN at a site's own REDCap); '' when none.
 */
export function hospitalIdCandidate(headers: readonly string[]): string {
  return headers.find(isHospitalIdHeader) ?? headers.find((h) => squash(h) === 'recordid') ?? '';
}
