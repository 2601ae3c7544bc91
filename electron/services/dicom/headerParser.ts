// Header-only reading of one DICOM file on top of dicom-parser.
// The file head is read in one chunk; parsing stops at Pixel Data (7FE0,0010). Only when the header
// does not fit in the chunk (RT objects have no pixel data and can be long) is the whole file read.
// Part-10 files, raw data sets without preamble/meta (transfer syntax sniffed from the first
// element), big endian, implicit VR and deflated data sets are handled; anything else is skipped
// with a reason that names what was wrong.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import dicomParser from 'dicom-parser';
import type { DataSet, Element } from 'dicom-parser';
import { decodeDicomText, parseCharacterSets, unknownCharacterSets } from './charset';
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
const PIXEL_DATA = 'x7fe00010';
const TS = {
  implicitLE: '1.2.840.10008.1.2',
  explicitLE: '1.2.840.10008.1.2.1',
  explicitBE: '1.2.840.10008.1.2.2',
  deflated: '1.2.840.10008.1.2.1.99',
};
const VRS = new Set(
  'AE AS AT CS DA DS DT FD FL IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV'.split(' '),
);

/** Thrown inside parsing when the chunk ended before the header did (re-read the whole file). */
class NeedWholeFile extends Error {}

/** Reusable per-thread buffer for the first chunk (parse results are extracted before reuse). */
let chunkBuffer: Buffer | null = null;

export function readDicomFile(path: string): FileOutcome {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    return { kind: 'skipped', reason: `unreadable: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, size: 0, mtimeMs: 0 };
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
    return { kind: 'skipped', reason: `unreadable: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, size, mtimeMs };
  } finally {
    closeSync(fd);
  }
}

function hasDicmPrefix(b: Uint8Array): boolean {
  return b.length >= 132 && b[128] === 0x44 && b[129] === 0x49 && b[130] === 0x43 && b[131] === 0x4d;
}

function isVr(b: Uint8Array, at: number): boolean {
  return VRS.has(String.fromCharCode(b[at], b[at + 1]));
}

/**
 * A data set without the Part-10 preamble: guess the transfer syntax from its first element
 * (PS3.5 A.1: group numbers are small and even; explicit VR shows two upper-case letters).
 */
function sniffRawDataSet(b: Uint8Array): { transferSyntax: string; hasMeta: boolean } | null {
  if (b.length < 8) return null;
  const groupLE = b[0] | (b[1] << 8);
  const groupBE = (b[0] << 8) | b[1];
  const plausible = (g: number) => g % 2 === 0 && g >= 0x0002 && g <= 0x0010;
  if (groupLE === 0x0002 && isVr(b, 4)) return { transferSyntax: TS.explicitLE, hasMeta: true };
  if (plausible(groupLE) && isVr(b, 4)) return { transferSyntax: TS.explicitLE, hasMeta: false };
  if (plausible(groupBE) && groupBE !== groupLE && isVr(b, 4)) return { transferSyntax: TS.explicitBE, hasMeta: false };
  if (plausible(groupLE)) {
    const length = (b[4] | (b[5] << 8) | (b[6] << 16)) + b[7] * 2 ** 24;
    if (length === 0xffffffff || length < 1 << 20) return { transferSyntax: TS.implicitLE, hasMeta: false };
  }
  return null;
}

/**
 * Parses the head of a file. Returns 'need-more' when `bytes` is shorter than the file and the
 * header was not finished within it.
 */
export function parseDicomBytes(bytes: Uint8Array, fileSize: number): ParseOutcome | 'need-more' {
  const complete = bytes.length >= fileSize;
  let input = bytes;
  let rawTransferSyntax: string | undefined;
  if (!hasDicmPrefix(bytes)) {
    const sniff = sniffRawDataSet(bytes);
    if (!sniff) {
      return {
        kind: 'skipped',
        reason: fileSize < 132 ? 'not DICOM: too short and no recognisable data set' : 'not DICOM: no DICM prefix and no recognisable data set',
      };
    }
    if (sniff.hasMeta) {
      // File meta without the 128-byte preamble: give dicom-parser the preamble it expects.
      input = new Uint8Array(bytes.length + 132);
      input.set([0x44, 0x49, 0x43, 0x4d], 128);
      input.set(bytes, 132);
    } else rawTransferSyntax = sniff.transferSyntax;
  }
  let dataSet: DataSet;
  try {
    dataSet = dicomParser.parseDicom(input, {
      untilTag: PIXEL_DATA,
      TransferSyntaxUID: rawTransferSyntax,
      inflater: (array: Uint8Array, position: number) => {
        if (!complete) throw new NeedWholeFile();
        const inflated = inflateRawSync(array.subarray(position));
        const full = new Uint8Array(position + inflated.length);
        full.set(array.subarray(0, position), 0);
        full.set(inflated, position);
        return full;
      },
    } as dicomParser.ParseDicomOptions);
  } catch (error) {
    if (!complete) return 'need-more';
    if (error instanceof NeedWholeFile) return 'need-more';
    const message = describeError(error);
    const identity = skippedIdentity((error as { dataSet?: DataSet } | null)?.dataSet);
    // dicom-parser reports running off the end of the buffer in a few phrasings.
    if (/beyond|past end|buffer overread|eof|out of range|end of buffer|Offset is outside/i.test(message)) {
      return { kind: 'skipped', reason: `truncated or malformed: ${message}`, identity };
    }
    return { kind: 'skipped', reason: `malformed: ${message}`, identity };
  }
  const pixel = dataSet.elements[PIXEL_DATA];
  const parsedLength = dataSet.byteArray.length;
  if (!pixel && !complete) return 'need-more';
  const overrun = findOverrun(dataSet, parsedLength);
  if (overrun) {
    if (!complete) return 'need-more';
    return { kind: 'skipped', reason: `truncated: element (${overrun}) extends past end of file`, identity: skippedIdentity(dataSet) };
  }
  const eofWarning = dataSet.warnings.find((w) => /eof encountered/i.test(w));
  if (eofWarning) {
    if (!complete) return 'need-more';
    return { kind: 'skipped', reason: `truncated: ${eofWarning}`, identity: skippedIdentity(dataSet) };
  }
  if (pixel && !pixel.hadUndefinedLength && dataSet.byteArray === input) {
    // Pixel data is not read, but its declared length must fit in the file (else it was cut off).
    const end = pixel.dataOffset + pixel.length - (input.length - bytes.length);
    if (end > fileSize) {
      return { kind: 'skipped', reason: `truncated: pixel data (7FE0,0010) declares ${pixel.length} bytes, file ends early` };
    }
  }
  try {
    return extractHeader(dataSet, rawTransferSyntax);
  } catch (error) {
    return { kind: 'skipped', reason: `malformed: ${describeError(error)}` };
  }
}

function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  if (error && typeof error === 'object' && 'exception' in error) return String((error as { exception: unknown }).exception);
  return String(error);
}

function tagLabel(tag: string): string {
  return `${tag.slice(1, 5)},${tag.slice(5, 9)}`.toUpperCase();
}

/** The first top-level element whose value runs past the bytes parsed (truncated file). */
function findOverrun(dataSet: DataSet, length: number): string | null {
  for (const key in dataSet.elements) {
    const e = dataSet.elements[key];
    if (key === PIXEL_DATA) continue;
    if (!e.hadUndefinedLength && e.dataOffset + e.length > length) return tagLabel(key);
  }
  return null;
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

/** Whose a skipped file is and what it was, from what was parsed before the error (or undefined). */
function skippedIdentity(ds: DataSet | undefined): SkippedIdentity | undefined {
  if (!ds?.elements) return undefined;
  try {
    const ctx: Context = { charsets: parseCharacterSets(ds.elements.x00080005 ? (ds.string('x00080005') ?? '') : '') };
    const patientId = text(ds, 'x00100020', ctx);
    if (!patientId) return undefined;
    return {
      patientId,
      issuerOfPatientId: text(ds, 'x00100021', ctx),
      sopClassUid: (rawString(ds, 'x00080016') || rawString(ds, 'x00020002')).trim(),
      sopInstanceUid: (rawString(ds, 'x00080018') || rawString(ds, 'x00020003')).trim(),
    };
  } catch {
    return undefined;
  }
}

function extractHeader(ds: DataSet, rawTransferSyntax: string | undefined): ParseOutcome {
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
    transferSyntaxUid: (rawString(ds, 'x00020010') || rawTransferSyntax || '').trim(),
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
