// Low-level reading of one DICOM file's header: file meta, transfer syntax, and the data set up to
// Pixel Data (7FE0,0010), as dicom-parser DataSet objects (whose value accessors the extraction in
// headerParser.ts uses).
//
// Why not dicom-parser's own parseDicom (measured and explained in test/bench/dicomParse.bench.ts):
// it recurses once per nesting level (a file with sequences nested 10,000 deep overflowed the
// stack), has no Implicit VR Big Endian, refuses a meta header without (0002,0010), and in
// Implicit VR decides whether an element is a sequence by peeking into its value (reading past
// short elements at the end of the file, which was reported as truncation). This reader walks the
// data set with an explicit stack, takes the VR of implicit-VR elements from the DICOM data
// dictionary (dataDictionary.ts), detects the transfer syntax from the data set when the meta
// header lacks it or contradicts the data (as DCMTK does), and says what is wrong when it stops:
// "truncated" only when the file really ends inside an element.
import { inflateRawSync } from 'node:zlib';
import dicomParser from 'dicom-parser';
import type { ByteArrayParser, DataSet, Element } from 'dicom-parser';
import { dictionaryVr } from './dataDictionary';

export const TRANSFER_SYNTAX = {
  implicitLE: '1.2.840.10008.1.2',
  explicitLE: '1.2.840.10008.1.2.1',
  explicitBE: '1.2.840.10008.1.2.2',
  deflated: '1.2.840.10008.1.2.1.99',
  jpipDeflated: '1.2.840.10008.1.2.4.95',
} as const;

/** How a data set is encoded. Implicit VR Big Endian has no standard UID (GE's private one exists). */
interface Encoding {
  explicit: boolean;
  little: boolean;
}

export type ReadResult =
  | {
      kind: 'dataset';
      /** Top-level data set (file meta elements merged in, as dicom-parser does). */
      dataSet: DataSet;
      /** The transfer syntax the data set was read with ('' for implicit VR big endian, which has no UID). */
      transferSyntaxUid: string;
      warnings: string[];
    }
  | { kind: 'skipped'; reason: string };

const PIXEL_DATA = 0x7fe00010;
const ITEM = 0xfffee000;
const ITEM_DELIMITER = 0xfffee00d;
const SEQUENCE_DELIMITER = 0xfffee0dd;
const UNDEFINED = 0xffffffff;

// Explicit VRs with a 4-byte length (PS3.5 Table 7.1-1); the rest have a 2-byte length.
const LONG_VRS = ['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV'];
const SHORT_VRS = ['AE', 'AS', 'AT', 'CS', 'DA', 'DS', 'DT', 'FD', 'FL', 'IS', 'LO', 'LT', 'PN', 'SH', 'SL', 'SS', 'ST', 'TM', 'UI', 'UL', 'US'];
/** 0 = not a VR, 1 = 2-byte length, 2 = 4-byte length; indexed by the two VR bytes. */
const VR_KIND = new Uint8Array(65536);
for (const vr of SHORT_VRS) VR_KIND[(vr.charCodeAt(0) << 8) | vr.charCodeAt(1)] = 1;
for (const vr of LONG_VRS) VR_KIND[(vr.charCodeAt(0) << 8) | vr.charCodeAt(1)] = 2;

/** Thrown inside the walk: the bytes at hand end before the header does. */
class EndOfBytes {
  constructor(readonly what: string) {}
}
/** Thrown inside the walk: the structure is inconsistent (a person-readable reason). */
class Malformed {
  constructor(readonly reason: string) {}
}

export function tagLabel(tag: number): string {
  const hex = (tag >>> 0).toString(16).toUpperCase().padStart(8, '0');
  return `(${hex.slice(0, 4)},${hex.slice(4)})`;
}

// dicom-parser keys elements as 'xggggeeee'; the strings are cached (a data set repeats few tags).
const tagKeys = new Map<number, string>();
function tagKey(tag: number): string {
  let key = tagKeys.get(tag);
  if (key === undefined) {
    key = `x${(tag >>> 0).toString(16).padStart(8, '0')}`;
    if (tagKeys.size < 50_000) tagKeys.set(tag, key);
  }
  return key;
}

function newDataSet(parser: ByteArrayParser, byteArray: Uint8Array): DataSet {
  const Ctor = (dicomParser as unknown as { DataSet: new (p: ByteArrayParser, b: Uint8Array, e: Record<string, Element>) => DataSet }).DataSet;
  const ds = new Ctor(parser, byteArray, {});
  ds.warnings = [];
  return ds;
}

function u16(b: Uint8Array, p: number, little: boolean): number {
  return little ? b[p] | (b[p + 1] << 8) : (b[p] << 8) | b[p + 1];
}

function u32(b: Uint8Array, p: number, little: boolean): number {
  return little
    ? (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16)) + b[p + 3] * 0x1000000
    : b[p] * 0x1000000 + ((b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]);
}

function tagAt(b: Uint8Array, p: number, little: boolean): number {
  return (u16(b, p, little) * 0x10000 + u16(b, p + 2, little)) >>> 0;
}

function isVrAt(b: Uint8Array, p: number): boolean {
  return p + 2 <= b.length && VR_KIND[(b[p] << 8) | b[p + 1]] !== 0;
}

// ——— the data set walk ———

/**
 * Where a plausible element header follows `from` (within 64 KB): a tag after `after` with a VR
 * (explicit) or a dictionary entry (implicit) and a length that fits, or an item delimiter.
 * -1 when none (the bytes look like the rest of one value).
 */
function nextElementAfter(b: Uint8Array, from: number, after: number, e: Encoding): number {
  const last = Math.min(b.length - 8, from + 65536);
  for (let q = from; q <= last; q += 2) {
    const tag = tagAt(b, q, e.little);
    if (tag === ITEM_DELIMITER || tag === SEQUENCE_DELIMITER) {
      if (u32(b, q + 4, e.little) === 0) return q;
      continue;
    }
    if (tag <= after || tag >>> 16 < after >>> 16) continue;
    if (e.explicit) {
      const kind = VR_KIND[(b[q + 4] << 8) | b[q + 5]];
      if (kind === 0) continue;
      const len = kind === 2 ? (q + 12 <= b.length ? u32(b, q + 8, e.little) : UNDEFINED) : u16(b, q + 6, e.little);
      if (len === UNDEFINED || q + (kind === 2 ? 12 : 8) + len <= b.length) return q;
    } else if (dictionaryVr(tag) !== undefined) {
      const len = u32(b, q + 4, e.little);
      if (len === UNDEFINED || q + 8 + len <= b.length) return q;
    }
  }
  return -1;
}

/** A data set being filled: the top level or one sequence item. */
interface DataSetFrame {
  kind: 'dataset';
  dataSet: DataSet;
  /** End offset for a defined length; undefined until a delimiter (or the end of the bytes at top level). */
  end: number | undefined;
  encoding: Encoding;
  /** The sequence this item belongs to (null at top level). */
  sequence: SequenceFrame | null;
}

/** A sequence (or encapsulated fragments) whose items are being read. */
interface SequenceFrame {
  kind: 'sequence';
  element: Element;
  tag: number;
  end: number | undefined;
  encoding: Encoding;
  /** Items are raw byte fragments (encapsulated data, undefined-length OB/OW), not data sets. */
  fragments: boolean;
}

interface WalkResult {
  dataSet: DataSet;
  /** Pixel Data element when the walk stopped there. */
  pixelData: Element | null;
}

/**
 * Reads a data set from `start` with the given encoding, iteratively (nesting depth costs heap,
 * not stack). Throws EndOfBytes when the bytes end inside the data set and Malformed when lengths
 * or delimiters contradict each other.
 */
function walkDataSet(bytes: Uint8Array, start: number, encoding: Encoding, top: DataSet, complete: boolean, warnings: string[]): WalkResult {
  const length = bytes.length;
  const parsers = { little: dicomParser.littleEndianByteArrayParser, big: dicomParser.bigEndianByteArrayParser };
  const stack: Array<DataSetFrame | SequenceFrame> = [{ kind: 'dataset', dataSet: top, end: undefined, encoding, sequence: null }];
  let p = start;
  let lastTag = 0;
  const need = (n: number, what: () => string) => {
    if (p + n > length) throw new EndOfBytes(what());
  };
  for (;;) {
    const frame = stack[stack.length - 1];
    if (frame.kind === 'sequence') {
      if (frame.end !== undefined && p >= frame.end) {
        // Lengths that disagree (an item running past its sequence): read on, as DCMTK does.
        if (p > frame.end) warnings.push(`an item of sequence ${tagLabel(frame.tag)} runs past the sequence's declared length`);
        stack.pop();
        continue;
      }
      need(8, () => `inside sequence ${tagLabel(frame.tag)}`);
      const little = frame.encoding.little;
      const tag = tagAt(bytes, p, little);
      const itemLength = u32(bytes, p + 4, little);
      p += 8;
      if (tag === SEQUENCE_DELIMITER) {
        stack.pop();
        continue;
      }
      if (tag !== ITEM) {
        throw new Malformed(
          `sequence ${tagLabel(frame.tag)} holds ${tagLabel(tag)} at byte ${p - 8} where an item (FFFE,E000) or the sequence end must be`,
        );
      }
      const undefinedLength = itemLength === UNDEFINED;
      let itemEnd = undefinedLength ? undefined : p + itemLength;
      if (itemEnd !== undefined && frame.end !== undefined && itemEnd > frame.end) {
        // The item claims more than its sequence holds: read it up to the sequence's end, as DCMTK does.
        warnings.push(`an item of sequence ${tagLabel(frame.tag)} declares ${itemLength} bytes, more than the sequence holds`);
        itemEnd = frame.end;
      }
      if (frame.fragments) {
        // Encapsulated fragments: only their lengths matter (always defined, PS3.5 A.4).
        if (undefinedLength) throw new Malformed(`a fragment of ${tagLabel(frame.tag)} has an undefined length`);
        need(itemLength, () => `inside a fragment of ${tagLabel(frame.tag)}`);
        p += itemLength;
        continue;
      }
      const dataSet = newDataSet(frame.encoding.little ? parsers.little : parsers.big, bytes);
      (frame.element.items as Element[]).push({
        tag: 'xfffee000',
        length: itemLength,
        dataOffset: p,
        hadUndefinedLength: undefinedLength || undefined,
        dataSet,
      });
      stack.push({ kind: 'dataset', dataSet, end: itemEnd, encoding: frame.encoding, sequence: frame });
      continue;
    }

    // A data set (top level or item).
    if (frame.end !== undefined && p >= frame.end) {
      if (p > frame.end) warnings.push(`an element in an item of ${tagLabel(frame.sequence?.tag ?? 0)} runs past the item's declared length`);
      stack.pop();
      continue;
    }
    if (frame.sequence === null && p >= length) return { dataSet: top, pixelData: null };
    need(8, () =>
      p >= length && frame.sequence
        ? `inside an item of sequence ${tagLabel(frame.sequence.tag)}`
        : `inside the element after ${tagLabel(lastTag)}`,
    );
    const { explicit, little } = frame.encoding;
    const tag = tagAt(bytes, p, little);
    if (tag === ITEM_DELIMITER || tag === SEQUENCE_DELIMITER) {
      p += 8;
      if (frame.sequence) {
        // A delimiter ends the item even when the item declared a length (DCMTK does the same).
        if (frame.end !== undefined) warnings.push(`an item of sequence ${tagLabel(frame.sequence.tag)} with a declared length ends with a delimiter`);
        stack.pop();
        // A sequence delimiter closing an item (its item delimiter missing) closes both.
        if (tag === SEQUENCE_DELIMITER && frame.sequence.end === undefined) stack.pop();
      }
      // At the top level a stray delimiter carries nothing: skipped, as DCMTK does.
      continue;
    }
    if (tag === ITEM) {
      if (!frame.sequence) throw new Malformed(`an item (FFFE,E000) appears outside any sequence at byte ${p}`);
      // The next item starts before this one's declared end: this one ended early.
      warnings.push(`an item of sequence ${tagLabel(frame.sequence.tag)} is shorter than its declared length`);
      stack.pop();
      continue;
    }
    let vr: string | undefined;
    let valueLength: number;
    let dataOffset: number;
    if (explicit) {
      const vrCode = (bytes[p + 4] << 8) | bytes[p + 5];
      vr = String.fromCharCode(bytes[p + 4], bytes[p + 5]);
      if (VR_KIND[vrCode] === 2) {
        need(12, () => `inside the header of ${tagLabel(tag)}`);
        valueLength = u32(bytes, p + 8, little);
        dataOffset = p + 12;
      } else {
        // A non-standard VR is read with a 2-byte length (as DCMTK's default for unknown VRs).
        valueLength = u16(bytes, p + 6, little);
        dataOffset = p + 8;
      }
    } else {
      vr = dictionaryVr(tag);
      valueLength = u32(bytes, p + 4, little);
      dataOffset = p + 8;
    }
    lastTag = tag;
    const undefinedLength = valueLength === UNDEFINED;
    const element: Element = { tag: tagKey(tag), vr, length: undefinedLength ? 0 : valueLength, dataOffset };
    if (undefinedLength) element.hadUndefinedLength = true;
    frame.dataSet.elements[element.tag] = element;
    if (tag === PIXEL_DATA && frame.sequence === null) return { dataSet: top, pixelData: element };

    // Implicit VR: a dictionary SQ, or any undefined-length element the dictionary does not know
    // (private sequences), is a sequence. Explicit VR: SQ, and UN of undefined length, whose
    // content is Implicit VR Little Endian (CP-246).
    const isSequence = vr === 'SQ' || (undefinedLength && (explicit ? vr === 'UN' : vr === undefined || vr === 'UN'));
    if (isSequence) {
      element.items = [];
      const itemEncoding = explicit && vr === 'UN' ? { explicit: false, little: true } : frame.encoding;
      let end = undefinedLength ? undefined : dataOffset + valueLength;
      if (end !== undefined && frame.end !== undefined && end > frame.end) {
        warnings.push(`sequence ${tagLabel(tag)} declares ${valueLength} bytes, more than its enclosing item holds`);
        end = frame.end;
      }
      p = dataOffset;
      stack.push({ kind: 'sequence', element, tag, end, encoding: itemEncoding, fragments: false });
      continue;
    }
    if (undefinedLength) {
      // Encapsulated pixel data in an item (icons) or another undefined-length value: fragments.
      p = dataOffset;
      stack.push({ kind: 'sequence', element, tag, end: undefined, encoding: frame.encoding, fragments: true });
      continue;
    }
    if (frame.end !== undefined && dataOffset + valueLength > frame.end) {
      warnings.push(`${tagLabel(tag)} declares ${valueLength} bytes, more than its enclosing item of ${tagLabel(frame.sequence?.tag ?? 0)} holds`);
    }
    if (dataOffset + valueLength > length) {
      // Past the end of the bytes: a cut file, or a damaged length field in a whole one. An element
      // header further on (before where the value claims to end) shows the length is damaged.
      const next = complete ? nextElementAfter(bytes, dataOffset, tag, frame.encoding) : -1;
      if (next >= 0) {
        throw new Malformed(`${tagLabel(tag)} declares ${valueLength} bytes, but the next element starts ${next - dataOffset} bytes on (a damaged length)`);
      }
    }
    p = dataOffset;
    need(valueLength, () => `inside ${tagLabel(tag)}, which declares ${valueLength} bytes where ${Math.max(0, length - dataOffset)} remain`);
    p += valueLength;
  }
}

// ——— file meta and transfer syntax ———

function hasDicmPrefix(b: Uint8Array): boolean {
  return b.length >= 132 && b[128] === 0x44 && b[129] === 0x49 && b[130] === 0x43 && b[131] === 0x4d;
}

/**
 * Reads the file meta group (0002,xxxx) from `start` into `into`; returns where it ends: at the
 * end its group length (0002,0000) gives (even past an element whose tag was damaged), else at the
 * first element of another group. Always Explicit VR Little Endian (PS3.10 7.1); as in DCMTK a
 * non-standard VR has a 2-byte length, and an element written in implicit VR is tolerated.
 */
function readMeta(bytes: Uint8Array, start: number, into: DataSet, warnings: string[], complete: boolean): number {
  let p = start;
  let groupEnd = start;
  while (p + 8 <= bytes.length && (p < groupEnd || u16(bytes, p, true) === 0x0002)) {
    const tag = tagAt(bytes, p, true);
    let valueLength: number;
    let dataOffset: number;
    let vr: string | undefined;
    // Implicit VR shows a 4-byte length whose high half is zero; anything else is a VR (maybe damaged).
    const implicitLength = bytes[p + 6] === 0 && bytes[p + 7] === 0 && p + 8 + u32(bytes, p + 4, true) <= bytes.length;
    if (isVrAt(bytes, p + 4) || !implicitLength) {
      vr = String.fromCharCode(bytes[p + 4], bytes[p + 5]);
      if (VR_KIND[(bytes[p + 4] << 8) | bytes[p + 5]] === 2) {
        if (p + 12 > bytes.length) throw new EndOfBytes(`inside the header of file meta element ${tagLabel(tag)}`);
        valueLength = u32(bytes, p + 8, true);
        dataOffset = p + 12;
      } else {
        valueLength = u16(bytes, p + 6, true);
        dataOffset = p + 8;
      }
    } else {
      if (!warnings.includes('file meta written in implicit VR')) warnings.push('file meta written in implicit VR');
      valueLength = u32(bytes, p + 4, true);
      dataOffset = p + 8;
    }
    if (valueLength === UNDEFINED) throw new Malformed(`file meta element ${tagLabel(tag)} has an undefined length`);
    if (dataOffset + valueLength > bytes.length) {
      const next = complete ? nextElementAfter(bytes, dataOffset, tag, { explicit: true, little: true }) : -1;
      if (next >= 0) {
        throw new Malformed(`file meta element ${tagLabel(tag)} declares ${valueLength} bytes, but the next element starts ${next - dataOffset} bytes on (a damaged length)`);
      }
      throw new EndOfBytes(`inside file meta element ${tagLabel(tag)}, which declares ${valueLength} bytes where ${bytes.length - dataOffset} remain`);
    }
    if (tag === 0x00020000 && valueLength === 4 && p === start) groupEnd = dataOffset + 4 + u32(bytes, dataOffset, true);
    if (tag >>> 16 === 0x0002) {
      const key = tagKey(tag);
      into.elements[key] = { tag: key, vr, length: valueLength, dataOffset };
    } else warnings.push(`file meta holds ${tagLabel(tag)}, not a file meta element: ignored`);
    p = dataOffset + valueLength;
  }
  return p;
}

function metaString(ds: DataSet, tag: string): string {
  const e = ds.elements[tag];
  if (!e || e.length === 0) return '';
  return (ds.string(tag) ?? '').replace(/[\0 ]+$/, '').trim();
}

/** The encoding a transfer syntax UID names, or null when it is not a standard one. */
function encodingOf(ts: string): { encoding: Encoding; deflated: boolean } | null {
  if (ts === TRANSFER_SYNTAX.implicitLE) return { encoding: { explicit: false, little: true }, deflated: false };
  if (ts === TRANSFER_SYNTAX.explicitBE) return { encoding: { explicit: true, little: false }, deflated: false };
  if (ts === TRANSFER_SYNTAX.deflated || ts === TRANSFER_SYNTAX.jpipDeflated) return { encoding: { explicit: true, little: true }, deflated: true };
  // Every other standard transfer syntax (compressed pixel data included) is Explicit VR Little Endian.
  if (ts.startsWith('1.2.840.10008.1.2.')) return { encoding: { explicit: true, little: true }, deflated: false };
  return null;
}

/**
 * Whether the first element at `p` reads sensibly in encoding `e` (PS3.5 7.1): a group number a
 * data set can hold, a VR where explicit VR has one (and none where implicit VR has a length),
 * and an implicit length that fits in the file.
 */
function plausible(b: Uint8Array, p: number, e: Encoding, fileSize: number): boolean {
  if (p + 8 > b.length) return false;
  const vr = isVrAt(b, p + 4);
  // A VR where explicit VR has one is evidence enough (the tag itself may be damaged).
  if (e.explicit) return vr;
  const group = u16(b, p, e.little);
  if (group === 0 || group > 0x7fe0) return false;
  if (vr) return false;
  const length = u32(b, p + 4, e.little);
  return length === UNDEFINED || p + 8 + length <= fileSize;
}

/**
 * The encoding of the data set at `p`, judged from its first element. Little endian unless the
 * group reads as a small number (data sets start with group 0008 or so) only in big endian.
 * `strict` (files without a DICM prefix or meta) also demands a group a data set starts with.
 */
function detectEncoding(b: Uint8Array, p: number, strict: boolean, fileSize: number): Encoding | null {
  if (p + 8 > b.length) return null;
  const groupLE = u16(b, p, true);
  const groupBE = u16(b, p, false);
  const preferLittle = !(groupBE <= 0x00ff && groupLE > 0x00ff);
  for (const little of preferLittle ? [true, false] : [false, true]) {
    const group = little ? groupLE : groupBE;
    if (strict && (group % 2 !== 0 || group < 0x0002 || group > 0x0010)) continue;
    for (const explicit of [true, false]) {
      const e = { explicit, little };
      if (plausible(b, p, e, fileSize)) return e;
    }
  }
  return null;
}

function encodingName(e: Encoding): string {
  return `${e.explicit ? 'explicit' : 'implicit'} VR ${e.little ? 'little' : 'big'} endian`;
}

function transferSyntaxFor(e: Encoding): string {
  if (e.explicit) return e.little ? TRANSFER_SYNTAX.explicitLE : TRANSFER_SYNTAX.explicitBE;
  return e.little ? TRANSFER_SYNTAX.implicitLE : '';
}

/**
 * Reads the header of a DICOM file held (in whole or from its start) in `bytes`. Returns
 * 'need-more' when `bytes` is shorter than the file and the header continues past it.
 */
export function readDataSet(bytes: Uint8Array, fileSize: number): ReadResult | 'need-more' {
  const complete = bytes.length >= fileSize;
  const warnings: string[] = [];
  try {
    const result = readDataSetOrThrow(bytes, fileSize, warnings);
    // A hostile file can repeat one oddity thousands of times: each kind is said once, ten at most.
    if (result !== 'need-more' && result.kind === 'dataset') result.warnings = [...new Set(warnings)].slice(0, 10);
    return result;
  } catch (error) {
    if (error instanceof EndOfBytes) {
      if (!complete) return 'need-more';
      return { kind: 'skipped', reason: `truncated: the file ends ${error.what}` };
    }
    if (error instanceof Malformed) return { kind: 'skipped', reason: `malformed: ${error.reason}` };
    // Anything else is a bug in this reader, not a property of the file: say so plainly.
    return { kind: 'skipped', reason: 'malformed: the header has a structure this reader does not follow' };
  }
}

function readDataSetOrThrow(bytes: Uint8Array, fileSize: number, warnings: string[]): ReadResult | 'need-more' {
  const complete = bytes.length >= fileSize;
  const little = dicomParser.littleEndianByteArrayParser;
  let top = newDataSet(little, bytes);
  let p: number;
  const part10 = hasDicmPrefix(bytes);
  if (part10) p = readMeta(bytes, 132, top, warnings, complete);
  else if (bytes.length >= 8 && u16(bytes, 0, true) === 0x0002 && isVrAt(bytes, 4)) {
    // File meta without the 128-byte preamble and 'DICM'.
    p = readMeta(bytes, 0, top, warnings, complete);
  } else p = 0;
  const hadMeta = p > 0;
  if (!complete && p + 8 > bytes.length) throw new EndOfBytes('inside the file meta');

  const declared = metaString(top, 'x00020010');
  const known = declared ? encodingOf(declared) : null;
  let encoding: Encoding;
  let deflated = false;
  let transferSyntaxUid: string;
  if (known && !known.deflated) {
    encoding = known.encoding;
    transferSyntaxUid = declared;
    // The meta header can contradict the data set (implicit data labelled explicit, or the
    // reverse); DCMTK then reads what the data set shows, and so does this reader.
    const seen = plausible(bytes, p, encoding, fileSize) ? null : detectEncoding(bytes, p, false, fileSize);
    if (seen && (seen.explicit !== encoding.explicit || seen.little !== encoding.little)) {
      warnings.push(`transfer syntax ${declared} in the file meta, but the data set is ${encodingName(seen)}: read as such`);
      encoding = seen;
      transferSyntaxUid = transferSyntaxFor(seen);
    }
  } else if (known?.deflated) {
    if (!complete) throw new EndOfBytes('inside the deflated data set');
    encoding = known.encoding;
    deflated = true;
    transferSyntaxUid = declared;
  } else {
    const seen = detectEncoding(bytes, p, !part10 && !hadMeta, fileSize);
    if (!seen) {
      if (p >= bytes.length && hadMeta && complete) return { kind: 'dataset', dataSet: top, transferSyntaxUid: '', warnings };
      if (!part10 && !hadMeta) {
        return {
          kind: 'skipped',
          reason: bytes.length < 132 && complete ? 'not DICOM: too short and no recognisable data set' : 'not DICOM: no DICM prefix and no recognisable data set',
        };
      }
      return { kind: 'skipped', reason: 'malformed: the data set after the file meta starts with no recognisable element' };
    }
    encoding = seen;
    transferSyntaxUid = transferSyntaxFor(seen);
    if (hadMeta) {
      warnings.push(
        declared
          ? `unknown transfer syntax ${declared} in the file meta: the data set reads as ${encodingName(seen)}`
          : `file meta lacks Transfer Syntax UID (0002,0010): the data set reads as ${encodingName(seen)}`,
      );
    }
  }

  let data = bytes;
  if (deflated) {
    let inflated: Buffer;
    try {
      inflated = inflateRawSync(bytes.subarray(p));
    } catch (error) {
      return { kind: 'skipped', reason: `malformed: the deflated data set does not inflate (${(error as Error).message})` };
    }
    // One array (meta + inflated data set) so every element's offset refers to the same bytes.
    data = new Uint8Array(p + inflated.length);
    data.set(bytes.subarray(0, p), 0);
    data.set(inflated, p);
    const metaElements = top.elements;
    top = newDataSet(little, data);
    top.elements = metaElements;
  } else if (!encoding.little) {
    const metaElements = top.elements;
    top = newDataSet(dicomParser.bigEndianByteArrayParser, bytes);
    top.elements = metaElements;
  }

  const { pixelData } = walkDataSet(data, p, encoding, top, complete, warnings);
  if (!pixelData && !complete) return 'need-more';
  // Pixel data is not read, but its declared length must fit in the file (else it was cut off).
  if (pixelData && !pixelData.hadUndefinedLength && !deflated && pixelData.dataOffset + pixelData.length > fileSize) {
    return { kind: 'skipped', reason: `truncated: pixel data (7FE0,0010) declares ${pixelData.length} bytes, the file ends early` };
  }
  return { kind: 'dataset', dataSet: top, transferSyntaxUid, warnings };
}
