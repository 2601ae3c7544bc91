// Header-only reading of one DICOM file. The file head is read in one chunk; reading stops at
// Pixel Data (7FE0,0010). Only when the header does not fit in the chunk (RT objects have no pixel
// data and can be long) is more of the file read. The bytes are walked by dataSetReader.ts (file
// meta, transfer syntax detection, iterative data set reading, skip reasons); this file extracts
// what the index and the RT derivation need from the resulting dicom-parser data sets.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { DataSet, Element } from 'dicom-parser';
import { decodeDicomText, parseCharacterSets, unknownCharacterSets } from './charset';
import { readDataSet } from './dataSetReader';
import {
  SOP_CLASS,
  type DoseReference,
  type FileOutcome,
  type ParseOutcome,
  type FractionGroup,
  type InstanceHeader,
  type PlanBeam,
  type PlanContent,
  type SessionBeam,
  type SkippedIdentity,
  type StructureSetContent,
  type TreatmentRecordContent,
} from './dicomRecord';

// Image headers are typically 1–20 KB; a first read of 16 KB covers most, then 128 KB, then the file.
const FIRST_CHUNK = 16 * 1024;
const SECOND_CHUNK = 128 * 1024;

/** Reusable per-thread buffer for the first chunk (parse results are extracted before reuse). */
let chunkBuffer: Buffer | null = null;

export function readDicomFile(path: string): FileOutcome {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    return { kind: 'skipped', reason: unreadable(error), size: 0, mtimeMs: 0 };
  }
  let size = 0;
  let mtimeMs = 0;
  try {
    const stat = fstatSync(fd);
    size = stat.size;
    mtimeMs = stat.mtimeMs;
    if (size === 0) return { kind: 'skipped', reason: 'empty file (0 bytes)', size, mtimeMs };
    chunkBuffer ??= Buffer.allocUnsafe(SECOND_CHUNK);
    let length = Math.min(size, FIRST_CHUNK);
    for (;;) {
      const buffer = length <= SECOND_CHUNK ? chunkBuffer : Buffer.allocUnsafe(length);
      const n = readSync(fd, buffer, 0, length, 0);
      // A file that shrank since fstat is judged on what could be read.
      const outcome = parseDicomBytes(buffer.subarray(0, n), n < length ? n : size);
      if (outcome !== 'need-more') return { ...outcome, size, mtimeMs };
      if (length >= size) return { kind: 'skipped', reason: 'truncated: header continues past end of file', size, mtimeMs };
      length = length < SECOND_CHUNK ? Math.min(size, SECOND_CHUNK) : size;
    }
  } catch (error) {
    return { kind: 'skipped', reason: unreadable(error), size, mtimeMs };
  } finally {
    closeSync(fd);
  }
}

/** Why a file could not be read, in words (the system's code in brackets for support). */
function unreadable(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const words: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    ENOENT: 'the file disappeared during the scan',
    EISDIR: 'it is a folder',
    EIO: 'the disk reported a read error',
    ELOOP: 'a symbolic link points to itself',
    ERR_FS_FILE_TOO_LARGE: 'the file is too large to read into memory',
  };
  return `unreadable: ${words[code] ?? 'the file could not be read'}${code ? ` (${code})` : ''}`;
}

/**
 * Parses the head of a file. Returns 'need-more' when `bytes` is shorter than the file and the
 * header was not finished within it.
 */
export function parseDicomBytes(bytes: Uint8Array, fileSize: number): ParseOutcome | 'need-more' {
  const read = readDataSet(bytes, fileSize);
  if (read === 'need-more') return read;
  if (read.kind === 'skipped') return { ...read, identity: skippedIdentity(bytes) };
  let outcome: ParseOutcome;
  try {
    outcome = extractHeader(read.dataSet, read.transferSyntaxUid);
  } catch {
    // The reader checked every length, so this is a value the extraction could not interpret.
    return { kind: 'skipped', reason: 'malformed: a value in the header could not be interpreted' };
  }
  if (outcome.kind === 'dicom') {
    outcome.header.warnings.unshift(...read.warnings);
    // For the index (dicomIndex.ts, damaged copies): the UIDs as written, a NUL inside a value
    // (not padding) kept visible so a damaged UID does not pass for a shorter valid one, and the
    // meta's copy of the UID when it disagrees with the data set's.
    const header = outcome.header;
    const written = uidAsWritten(read.dataSet, 'x00080018');
    if (written) header.sopInstanceUid = written;
    const meta = uidAsWritten(read.dataSet, 'x00020003');
    if (meta && written && meta !== written) header.mediaStorageSopInstanceUid = meta;
  }
  return outcome;
}

/** A UID value without its padding; a NUL inside the value becomes U+FFFD (not a UID character). */
function uidAsWritten(ds: DataSet, tag: string): string {
  const e = ds.elements[tag];
  if (!e || e.length === 0) return '';
  let end = e.dataOffset + e.length;
  while (end > e.dataOffset && (ds.byteArray[end - 1] === 0 || ds.byteArray[end - 1] === 0x20)) end--;
  let start = e.dataOffset;
  while (start < end && ds.byteArray[start] === 0x20) start++;
  let out = '';
  for (let i = start; i < end; i++) out += ds.byteArray[i] === 0 ? '\ufffd' : String.fromCharCode(ds.byteArray[i]);
  return out;
}

// ——— value access ———

interface Context {
  charsets: string[];
}

function rawString(ds: DataSet, tag: string): string {
  const v = ds.string(tag);
  return v === undefined ? '' : v;
}

/** Text value decoded with the character set in force (the item's own, else the parent's). */
function text(ds: DataSet, tag: string, ctx: Context, personName = false): string {
  const e = ds.elements[tag];
  if (!e || e.length === 0 || e.hadUndefinedLength) return '';
  const bytes = ds.byteArray.subarray(e.dataOffset, e.dataOffset + e.length);
  let plain = true;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] >= 0x80 || bytes[i] === 0x1b) {
      plain = false;
      break;
    }
  }
  const raw = plain ? rawString(ds, tag) : decodeDicomText(bytes, ctx.charsets, personName);
  // Trailing spaces/NULs are padding (PS3.5 6.2); leading spaces are kept only for ST/LT/UT.
  return raw.replace(/[\s\0]+$/, '').replace(/^ +/, '');
}

function num(ds: DataSet, tag: string): number | null {
  const e = ds.elements[tag];
  if (!e || e.length === 0) return null;
  const v = ds.string(tag);
  if (v === undefined || v.trim() === '') return null;
  const n = Number(v.trim());
  return Number.isFinite(n) ? n : null;
}

function isoDate(ds: DataSet, tag: string): string | null {
  const e = ds.elements[tag];
  if (!e || e.length < 8) return null;
  const v = rawString(ds, tag).trim();
  // DA is YYYYMMDD; ACR-NEMA 'YYYY.MM.DD' still occurs in old exports.
  const m = /^(\d{4})\.?(\d{2})\.?(\d{2})$/.exec(v);
  if (!m) return null;
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > new Date(Date.UTC(Number(m[1]), month, 0)).getUTCDate()) return null;
  return `${m[1]}-${m[2]}-${m[3]}`;
}

function items(ds: DataSet, tag: string): DataSet[] {
  const e: Element | undefined = ds.elements[tag];
  if (!e || !e.items) return [];
  const out: DataSet[] = [];
  for (const item of e.items) if (item.dataSet) out.push(item.dataSet);
  return out;
}

function itemContext(ds: DataSet, parent: Context): Context {
  return ds.elements.x00080005 ? { charsets: parseCharacterSets(ds.string('x00080005')) } : parent;
}

// ——— extraction ———

/**
 * Whose a skipped file is and what it was, when the reader gave up (rtDerivation.ts flags that
 * patient's proposals). The reader stops at the first bad element, usually well after the patient
 * module, so the first little-endian PatientID (0010,0020) and SOP UIDs in the bytes are looked up
 * directly — explicit VR ('LO'/'UI' + 2-byte length) or implicit VR (4-byte length). Used only to
 * add a review reason, never to derive a value.
 */
export function skippedIdentity(bytes: Uint8Array): SkippedIdentity | undefined {
  const patientId = findValue(bytes, 0x0010, 0x0020, 'LO', 64);
  if (!patientId || !PRINTABLE.test(patientId)) return undefined;
  const issuer = findValue(bytes, 0x0010, 0x0021, 'LO', 64);
  return {
    patientId,
    issuerOfPatientId: PRINTABLE.test(issuer) ? issuer : '',
    sopClassUid: firstValidUid(findValue(bytes, 0x0008, 0x0016, 'UI', 64), findValue(bytes, 0x0002, 0x0002, 'UI', 64)),
    // Possibly damaged: dicomIndex.ts matches it to an indexed instance of the patient, exactly or nearly.
    sopInstanceUid: firstValidUid(findValue(bytes, 0x0008, 0x0018, 'UI', 64), findValue(bytes, 0x0002, 0x0003, 'UI', 64)),
  };
}

const PRINTABLE = /^[\x20-\x7e]*$/;
const VALID_UID = /^[0-9]+(\.[0-9]+)*$/;

/** The first valid UID of the candidates, else the first non-empty one (a damaged UID still identifies). */
function firstValidUid(...candidates: string[]): string {
  return candidates.find((c) => VALID_UID.test(c)) ?? candidates.find((c) => c !== '') ?? '';
}

/** The first little-endian element (group, element) with a plausible value, as latin1 text ('' if none). */
function findValue(bytes: Uint8Array, group: number, element: number, vr: string, maxLength: number): string {
  const g0 = group & 0xff;
  const g1 = group >> 8;
  const e0 = element & 0xff;
  const e1 = element >> 8;
  for (let i = 0; i + 8 <= bytes.length; i++) {
    if (bytes[i] !== g0 || bytes[i + 1] !== g1 || bytes[i + 2] !== e0 || bytes[i + 3] !== e1) continue;
    let length: number;
    if (bytes[i + 4] === vr.charCodeAt(0) && bytes[i + 5] === vr.charCodeAt(1)) length = bytes[i + 6] | (bytes[i + 7] << 8);
    else if (bytes[i + 6] === 0 && bytes[i + 7] === 0) length = bytes[i + 4] | (bytes[i + 5] << 8);
    else continue;
    const start = i + 8;
    if (length === 0 || length > maxLength || start + length > bytes.length) continue;
    const value = String.fromCharCode(...bytes.subarray(start, start + length)).replace(/[ \0]+$/, '').trim();
    if (value) return value;
  }
  return '';
}

function extractHeader(ds: DataSet, transferSyntaxUid: string): ParseOutcome {
  const sopClassUid = rawString(ds, 'x00080016') || rawString(ds, 'x00020002');
  if (sopClassUid === SOP_CLASS.mediaDirectory) return { kind: 'skipped', reason: 'DICOMDIR (media directory), not an instance' };
  const sopInstanceUid = rawString(ds, 'x00080018') || rawString(ds, 'x00020003');
  if (!sopInstanceUid) return { kind: 'skipped', reason: 'DICOM without SOP Instance UID (0008,0018)' };
  const warnings: string[] = [];
  const charsetValue = ds.elements.x00080005 ? (ds.string('x00080005') ?? '') : '';
  const ctx: Context = { charsets: parseCharacterSets(charsetValue) };
  const unknown = unknownCharacterSets(ctx.charsets);
  if (unknown.length) warnings.push(`unknown Specific Character Set ${unknown.join('\\')}: decoded as Latin-1`);
  const header: InstanceHeader = {
    sopInstanceUid: sopInstanceUid.trim(),
    sopClassUid: sopClassUid.trim(),
    transferSyntaxUid,
    modality: rawString(ds, 'x00080060').trim().toUpperCase(),
    patientId: text(ds, 'x00100020', ctx),
    issuerOfPatientId: text(ds, 'x00100021', ctx),
    patientName: text(ds, 'x00100010', ctx, true),
    birthDate: isoDate(ds, 'x00100030'),
    sex: rawString(ds, 'x00100040').trim().toUpperCase(),
    studyInstanceUid: rawString(ds, 'x0020000d').trim(),
    studyDate: isoDate(ds, 'x00080020'),
    seriesInstanceUid: rawString(ds, 'x0020000e').trim(),
    seriesDate: isoDate(ds, 'x00080021'),
    seriesNumber: num(ds, 'x00200011'),
    warnings,
  };
  const sop = header.sopClassUid;
  if (sop === SOP_CLASS.rtPlan || sop === SOP_CLASS.ionPlan || header.modality === 'RTPLAN') header.plan = extractPlan(ds, ctx);
  else if (sop === SOP_CLASS.rtStruct || header.modality === 'RTSTRUCT') header.structureSet = extractStructureSet(ds, ctx);
  else if (sop === SOP_CLASS.rtBeamsRecord || sop === SOP_CLASS.rtIonBeamsRecord) header.treatmentRecord = extractRecord(ds, ctx);
  return { kind: 'dicom', header };
}

function extractPlan(ds: DataSet, ctx: Context): PlanContent {
  const doseReferences: DoseReference[] = items(ds, 'x300a0010').map((item) => {
    const c = itemContext(item, ctx);
    return {
      number: num(item, 'x300a0012'),
      roiNumber: num(item, 'x30060084'),
      description: text(item, 'x300a0016', c),
      type: rawString(item, 'x300a0020').trim().toUpperCase(),
      structureType: rawString(item, 'x300a0014').trim().toUpperCase(),
      prescriptionDoseGy: num(item, 'x300a0026'),
    };
  });
  const fractionGroups: FractionGroup[] = items(ds, 'x300a0070').map((item) => {
    const doseRefs = items(item, 'x300c0050');
    const prescriptionsGy: FractionGroup['prescriptionsGy'] = [];
    for (const r of doseRefs) {
      const ref = num(r, 'x300c0051');
      const dose = num(r, 'x300a0026');
      if (ref !== null && dose !== null) prescriptionsGy.push({ doseReferenceNumber: ref, doseGy: dose });
    }
    return {
      number: num(item, 'x300a0071'),
      fractionsPlanned: num(item, 'x300a0078'),
      beamDoses: items(item, 'x300c0004').map((b) => ({ beamNumber: num(b, 'x300c0006'), doseGy: num(b, 'x300a0084'), meterset: num(b, 'x300a0086') })),
      doseReferenceNumbers: doseRefs.map((r) => num(r, 'x300c0051')).filter((n): n is number => n !== null),
      prescriptionsGy,
    };
  });
  // Ion plans keep beams in IonBeamSequence (300A,03A2).
  const beamItems = items(ds, 'x300a00b0').length ? items(ds, 'x300a00b0') : items(ds, 'x300a03a2');
  const beams: PlanBeam[] = beamItems.map((item) => {
    const c = itemContext(item, ctx);
    const firstControlPoint = items(item, 'x300a0111')[0] ?? items(item, 'x300a03a8')[0];
    return {
      number: num(item, 'x300a00c0'),
      name: text(item, 'x300a00c2', c),
      machineName: text(item, 'x300a00b2', c),
      manufacturer: text(item, 'x00080070', c),
      model: text(item, 'x00081090', c),
      deliveryType: rawString(item, 'x300a00ce').trim().toUpperCase(),
      isocenter: firstControlPoint ? rawString(firstControlPoint, 'x300a012c').trim() || null : null,
    };
  });
  const structureSetRef = items(ds, 'x300c0060')[0];
  return {
    label: text(ds, 'x300a0002', ctx),
    name: text(ds, 'x300a0003', ctx),
    description: text(ds, 'x300a0004', ctx),
    date: isoDate(ds, 'x300a0006'),
    approvalStatus: rawString(ds, 'x300e0002').trim().toUpperCase(),
    intent: rawString(ds, 'x300a000a').trim().toUpperCase(),
    planningSystem: text(ds, 'x00081090', ctx),
    structureSetUid: structureSetRef ? rawString(structureSetRef, 'x00081155').trim() || null : null,
    doseReferences,
    fractionGroups,
    beams,
  };
}

function extractStructureSet(ds: DataSet, ctx: Context): StructureSetContent {
  const types = new Map<number, string>();
  for (const obs of items(ds, 'x30060080')) {
    const roi = num(obs, 'x30060084');
    if (roi !== null) types.set(roi, rawString(obs, 'x300600a4').trim().toUpperCase());
  }
  return {
    label: text(ds, 'x30060002', ctx),
    date: isoDate(ds, 'x30060008'),
    rois: items(ds, 'x30060020').map((item) => {
      const number = num(item, 'x30060022');
      return {
        number,
        name: text(item, 'x30060026', itemContext(item, ctx)),
        interpretedType: number === null ? '' : (types.get(number) ?? ''),
      };
    }),
  };
}

function extractRecord(ds: DataSet, ctx: Context): TreatmentRecordContent {
  // Ion records keep the session's beams in TreatmentSessionIonBeamSequence (3008,0021).
  const session = items(ds, 'x30080020').length ? items(ds, 'x30080020') : items(ds, 'x30080021');
  const machine = items(ds, 'x300a0206')[0];
  const plan = items(ds, 'x300c0002')[0];
  const beams: SessionBeam[] = session.map((b) => {
    const cp = items(b, 'x30080040')[0] ?? items(b, 'x30080041')[0];
    return {
      beamNumber: num(b, 'x300c0006'),
      fractionNumber: num(b, 'x30080022'),
      termination: rawString(b, 'x3008002a').trim().toUpperCase(),
      deliveryType: rawString(b, 'x300a00ce').trim().toUpperCase(),
      specifiedMeterset: num(b, 'x30080032'),
      deliveredMeterset: num(b, 'x30080036'),
      date: cp ? isoDate(cp, 'x30080024') : null,
    };
  });
  // TreatmentDate (3008,0250) is type 2; fall back to the first control point delivery date.
  const date = isoDate(ds, 'x30080250') ?? beams.find((b) => b.date)?.date ?? null;
  return {
    date,
    planUid: plan ? rawString(plan, 'x00081155').trim() || null : null,
    // PS3.3 C.8.8.21 puts ReferencedFractionGroupNumber beside the plan reference; some systems nest it.
    fractionGroup: num(ds, 'x300c0022') ?? (plan ? num(plan, 'x300c0022') : null),
    machineName: machine ? text(machine, 'x300a00b2', ctx) : '',
    model: machine ? text(machine, 'x00081090', ctx) : '',
    manufacturer: machine ? text(machine, 'x00080070', ctx) : '',
    fractionNumbers: beams.map((b) => b.fractionNumber).filter((n): n is number => n !== null),
    terminationStatuses: beams.map((b) => b.termination),
    beams,
  };
}
