// Study-level methods: the open study file, its counts, the recent list and the demo study.
import { z } from 'zod';
import { defineMethod, returns, type MethodRecord } from './contract';

export interface StudyCounts {
  patients: number;
  lesions: number;
  courses: number;
}

export interface StudyInfo {
  /** Absolute path of the study file (shown to the user on their own machine only). */
  path: string;
  /** File name without directory, for titles. */
  fileName: string;
  title: string;
  /** PRAGMA user_version after migrations. */
  schemaVersion: number;
  /** True for the built-in synthetic demo study. */
  synthetic: boolean;
  /** True for a de-identified shared copy (`shareStudyCopy`): identified imports are refused. */
  sharedCopy: boolean;
  /** Opened read-only (another program is writing it, or it is on read-only media): no edits. */
  readOnly: boolean;
  counts: StudyCounts;
  /**
   * What opening did that the user must be told (e.g. a migration removed patient identifiers and
   * rewrote or deleted the older backup copies next to the file). Empty when nothing.
   */
  notices: string[];
}

/** What `shareStudyCopy` wrote (electron/services/identity/studyShare.ts lists what a copy keeps). */
export interface SharedCopyResult {
  /** The written copy (absolute path). */
  path: string;
  patients: number;
  lesions: number;
  /** Tables whose rows were dropped (DICOM index, hospital-ID hashes, …). */
  emptiedTables: string[];
}

/** What `writeReidList` wrote: pseudonym ↔ hospital ID, for the site's chart review only. */
export interface ReidListResult {
  /** Where the list was written (absolute path; readable by its owner only). */
  path: string;
  /** Rows written: study patients found in the folder. */
  listed: number;
  /** Patients in the folder who are not in the study (not listed). */
  notInStudy: number;
  /** Study patients whose hospital ID was not found in the folder. */
  studyPatientsNotFound: number;
}

/** Result of exporting the study key (electron/services/identity/studyKey.ts). */
export interface StudyKeyExport {
  /** The study's random, non-identifying uid the key belongs to. */
  studyUid: string;
  /** Where the key file was written (mode 0600). */
  file: string;
}

export interface StudyKeyImport {
  studyUid: string;
  /** The workstation already held this key (importing again changes nothing). */
  alreadyPresent: boolean;
}

export interface RecentStudy {
  path: string;
  fileName: string;
  /** ISO timestamp of the last open. */
  openedAt: string;
  /** Whether the file still exists (checked when listing). */
  exists: boolean;
}

/**
 * `path` is honoured in web/harness mode only. In the desktop app the path comes from the native
 * dialog run by the main process; a given path is accepted only if it is in the recent list.
 */
const pathInput = z.object({ path: z.string().min(1).max(4096).optional() });

export const studyMethods = {
  createStudy: defineMethod({
    input: pathInput.extend({ title: z.string().trim().min(1).max(200).optional() }),
    result: returns<StudyInfo>(),
  }),
  /** `readOnly`: look at a study another program is writing (STUDY_LOCKED) or on read-only media. */
  openStudy: defineMethod({ input: pathInput.extend({ readOnly: z.boolean().optional() }), result: returns<StudyInfo>() }),
  /** Opens the synthetic demo study kept in the user-data directory, (re)building it when missing or `reset`. */
  openDemoStudy: defineMethod({ input: z.object({ reset: z.boolean().optional() }), result: returns<StudyInfo>() }),
  closeStudy: defineMethod({ input: z.object({}), result: returns<null>() }),
  /** The open study, or null. */
  currentStudy: defineMethod({ input: z.object({}), result: returns<StudyInfo | null>() }),
  studyCounts: defineMethod({ input: z.object({}), result: returns<StudyCounts>() }),
  recentStudies: defineMethod({ input: z.object({}), result: returns<RecentStudy[]>() }),
  forgetRecentStudy: defineMethod({ input: z.object({ path: z.string().min(1).max(4096) }), result: returns<RecentStudy[]>() }),
  /** Writes a de-identified copy of the open study to a NEW file (`out`: web/harness mode only). */
  shareStudyCopy: defineMethod({ input: z.object({ out: z.string().min(1).max(4096).optional() }), result: returns<SharedCopyResult>(), long: true }),
  /**
   * Re-reads the site's DICOM folder and writes pseudonym ↔ hospital ID to a new CSV (needs the
   * study key; nothing is stored in the study). `dir`/`out`: web/harness mode only.
   */
  writeReidList: defineMethod({
    input: z.object({ dir: z.string().min(1).max(4096).optional(), out: z.string().min(1).max(4096).optional() }),
    result: returns<ReidListResult>(),
    long: true,
  }),
  /**
   * Writes the open study's key to a file (0600) to move the study to another workstation of the
   * site. The key is kept outside the study; only linking new identified data needs it.
   */
  exportStudyKey: defineMethod({ input: pathInput, result: returns<StudyKeyExport>() }),
  /** Reads a key file exported for the open study (its uid and key check value must fit) into this workstation's key store. */
  importStudyKey: defineMethod({ input: pathInput, result: returns<StudyKeyImport>() }),
} satisfies MethodRecord;
