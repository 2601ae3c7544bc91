// A site's real week, made from test/fixtures/dicom/cohort-a: the DICOM export imported into a
// study, then the follow-up spreadsheets keyed by the hospital's MRN (the PatientID of the DICOM
// files) — a patient sheet (ECOG, histology, vital status, last follow-up) and an events sheet
// (local progression per lesion, found by MRN + levels + RT start). Values are derived from the
// truth file, so every expectation below is computed, not hard-coded.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../../electron/cli/main';
import { createApiRuntime } from '../../../electron/services/api/index';
import { typedPathChooser } from '../../../electron/harness/server';
import { addDays } from '../../../shared/domain/calendarDates';

export const dicomFixtures = fileURLToPath(new URL('../../fixtures/dicom/', import.meta.url));
export const cohortDir = path.join(dicomFixtures, 'cohort-a');

export interface TruthPatient {
  patientId: string;
  patientName: string;
  sex: string;
  birthDate: string;
  ageAtFirstRT: number;
  histology: string;
}
export interface TruthLesion {
  patientId: string;
  levels: string[];
  rtStartDate: string | null;
  planDate: string;
  referenceDate: string;
}
export const truth = JSON.parse(fs.readFileSync(path.join(dicomFixtures, 'cohort-a-truth.json'), 'utf8')) as {
  patients: TruthPatient[];
  lesions: TruthLesion[];
};

/** An MRN of the same shape as cohort-a's that no patient has. */
export const UNKNOWN_MRN = 'H99999999';

export async function runCli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) } });
  return { code, out, err };
}

export const ecogOf = (i: number) => i % 3;

/** patients.csv: MRN, ECOG, histology, vital status, last follow-up (one year after first RT). */
export function patientSheet(extraMrn?: string): string {
  const rows = truth.patients.map((p, i) => {
    const firstRt = truth.lesions.filter((l) => l.patientId === p.patientId).map((l) => l.referenceDate).sort()[0];
    return [p.patientId, ecogOf(i), p.histology, 'alive', addDays(firstRt, 365 + i)].join(',');
  });
  if (extraMrn) rows.push([extraMrn, 1, 'RCC', 'alive', '2016-01-01'].join(','));
  return ['MRN,ecog,histology,vital,last_fu', ...rows].join('\n') + '\n';
}

export const patientMapping = (createMissing = false) =>
  JSON.stringify({
    name: 'followup',
    sheets: [
      {
        entity: 'patient',
        ...(createMissing ? { createMissing: true } : {}),
        columns: { sourcePatientId: 'MRN', ecog: 'ecog', histology: 'histology', vitalStatus: 'vital', lastFollowupDate: 'last_fu' },
      },
    ],
  });

/** events.csv: a local progression 90 + i days after RT start for every other lesion. */
export function eventRows(): Array<{ id: string; mrn: string; levels: string; rtStart: string; date: string }> {
  return truth.lesions
    .filter((_l, i) => i % 2 === 0)
    .map((l, i) => ({ id: `ev${i + 1}`, mrn: l.patientId, levels: l.levels.length > 1 ? `${l.levels[0]}-${l.levels[l.levels.length - 1]}` : l.levels[0], rtStart: l.referenceDate, date: addDays(l.referenceDate, 90 + i) }));
}

export function eventSheet(extra: string[] = []): string {
  return ['event_id,MRN,levels,rt_start,event,date', ...eventRows().map((e) => [e.id, e.mrn, e.levels, e.rtStart, 'local_progression', e.date].join(',')), ...extra].join('\n') + '\n';
}

export const eventMapping = JSON.stringify({
  name: 'followup-events',
  sheets: [
    {
      entity: 'event',
      key: 'event_id',
      rtStartDate: 'rt_start',
      columns: {
        patient: { column: 'MRN', by: 'sourcePatientId' },
        lesion: { column: 'levels', by: 'levels' },
        type: 'event',
        date: 'date',
      },
    },
  ],
});

/**
 * Imports every cohort-a proposal into the (existing) study — the reviewed ones too, as a site does
 * after its review (`study import-dicom` leaves courses without treatment records for review) — so
 * all 24 patients and 28 lesions are there to link to. Through the API service, with the key store
 * of `userDataDir` (the CLI's store when RTCW_USER_DATA is that folder).
 */
export async function importAllOfCohortA(studyPath: string, userDataDir: string): Promise<void> {
  const service = createApiRuntime({ userDataDir, choosePath: typedPathChooser(path.dirname(studyPath)), logError: () => {} });
  try {
    const ok = <T>(r: Awaited<ReturnType<typeof service.call>>): T => {
      if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
      return r.result as T;
    };
    ok(await service.call('openStudy', { path: studyPath }));
    const scan = ok<{ lesions: { proposalId: string }[] }>(await service.call('scanDicomFolder', { dir: cohortDir }));
    ok(await service.call('commitDicomProposals', { proposalIds: scan.lesions.map((l) => l.proposalId), includeReviewed: true }));
  } finally {
    service.session.dispose();
  }
}
