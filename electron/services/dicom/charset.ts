// Specific Character Set (0008,0005) decoding of text values (PS3.3 C.12.1.1.2, PS3.5 6.1).
// Single-byte and UTF-8/GB18030 sets decode with TextDecoder. ISO 2022 code extensions
// (Japanese IR 13/87/159, Korean IR 149, Chinese IR 58, and the ISO 8859 parts as G1) are split at
// escape sequences; each run is decoded with the set designated to G0 (bytes < 0x80) or G1 (≥ 0x80).
// As PS3.5 6.1.2.5.3 requires, designations return to the initial set at the value delimiters
// (CR, LF, FF, TAB, '\\', and for PN '^' and '=').

type Decode = (bytes: Uint8Array) => string;

const decoders = new Map<string, TextDecoder>();
function textDecoder(label: string): TextDecoder {
  let d = decoders.get(label);
  if (!d) {
    d = new TextDecoder(label, { fatal: false });
    decoders.set(label, d);
  }
  return d;
}

// WHATWG maps the 'iso-8859-1' label to windows-1252; DICOM's ISO_IR 100 is true Latin-1.
const latin1: Decode = (b) => {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
  return s;
};
const ascii: Decode = latin1;
// JIS X 0201: ASCII-like G0 (romaji) and half-width katakana 0xA1–0xDF (U+FF61…).
const jisX0201: Decode = (b) => {
  let s = '';
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    s += c >= 0xa1 && c <= 0xdf ? String.fromCharCode(0xff61 + c - 0xa1) : String.fromCharCode(c);
  }
  return s;
};
const viaLabel =
  (label: string): Decode =>
  (b) =>
    textDecoder(label).decode(b);
// A 94×94 set designated to G0 (7-bit bytes) decoded through its EUC form (each byte + 0x80).
const sevenBitViaEuc =
  (label: string, prefix?: number): Decode =>
  (b) => {
    const out: number[] = [];
    for (let i = 0; i + 1 < b.length; i += 2) {
      if (prefix !== undefined) out.push(prefix);
      out.push(b[i] | 0x80, b[i + 1] | 0x80);
    }
    return textDecoder(label).decode(Uint8Array.from(out));
  };

/** Defined terms without code extensions → decoder of the whole value. */
const singleSets: Record<string, Decode> = {
  '': ascii,
  ISO_IR_6: ascii,
  'ISO_IR 6': ascii,
  'ISO_IR 100': latin1,
  'ISO_IR 101': viaLabel('iso-8859-2'),
  'ISO_IR 109': viaLabel('iso-8859-3'),
  'ISO_IR 110': viaLabel('iso-8859-4'),
  'ISO_IR 144': viaLabel('iso-8859-5'),
  'ISO_IR 127': viaLabel('iso-8859-6'),
  'ISO_IR 126': viaLabel('iso-8859-7'),
  'ISO_IR 138': viaLabel('iso-8859-8'),
  'ISO_IR 148': viaLabel('iso-8859-9'),
  'ISO_IR 203': viaLabel('iso-8859-15'),
  'ISO_IR 166': viaLabel('windows-874'),
  'ISO_IR 13': jisX0201,
  'ISO_IR 192': viaLabel('utf-8'),
  GB18030: viaLabel('gb18030'),
  GBK: viaLabel('gbk'),
};

/** ISO 2022 defined term → the set it designates by default (G0 for IR 6/13-romaji; G1 otherwise). */
const extensionDefaults: Record<string, { g0?: Decode; g1?: Decode }> = {
  'ISO 2022 IR 6': { g0: ascii },
  'ISO 2022 IR 13': { g0: ascii, g1: jisX0201 },
  'ISO 2022 IR 87': { g0: ascii },
  'ISO 2022 IR 159': { g0: ascii },
  'ISO 2022 IR 149': { g0: ascii },
  'ISO 2022 IR 58': { g0: ascii },
  'ISO 2022 IR 100': { g0: ascii, g1: latin1 },
  'ISO 2022 IR 101': { g0: ascii, g1: viaLabel('iso-8859-2') },
  'ISO 2022 IR 109': { g0: ascii, g1: viaLabel('iso-8859-3') },
  'ISO 2022 IR 110': { g0: ascii, g1: viaLabel('iso-8859-4') },
  'ISO 2022 IR 144': { g0: ascii, g1: viaLabel('iso-8859-5') },
  'ISO 2022 IR 127': { g0: ascii, g1: viaLabel('iso-8859-6') },
  'ISO 2022 IR 126': { g0: ascii, g1: viaLabel('iso-8859-7') },
  'ISO 2022 IR 138': { g0: ascii, g1: viaLabel('iso-8859-8') },
  'ISO 2022 IR 148': { g0: ascii, g1: viaLabel('iso-8859-9') },
  'ISO 2022 IR 203': { g0: ascii, g1: viaLabel('iso-8859-15') },
  'ISO 2022 IR 166': { g0: ascii, g1: viaLabel('windows-874') },
};

const jisX0208 = sevenBitViaEuc('euc-jp');
const jisX0212 = sevenBitViaEuc('euc-jp', 0x8f);
const multiByteG0 = new Set<Decode>([jisX0208, jisX0212]);

// Escape sequences (PS3.3 Table C.12-3/4) → which G set they designate and its decoder.
const escapes: Array<{ seq: number[]; g: 0 | 1; decode: Decode }> = [
  { seq: [0x28, 0x42], g: 0, decode: ascii }, // ESC ( B  ISO 646 / ASCII
  { seq: [0x28, 0x4a], g: 0, decode: ascii }, // ESC ( J  JIS X 0201 romaji
  { seq: [0x29, 0x49], g: 1, decode: jisX0201 }, // ESC ) I  JIS X 0201 katakana
  { seq: [0x24, 0x42], g: 0, decode: jisX0208 }, // ESC $ B  JIS X 0208
  { seq: [0x24, 0x28, 0x44], g: 0, decode: jisX0212 }, // ESC $ ( D  JIS X 0212
  { seq: [0x24, 0x29, 0x43], g: 1, decode: viaLabel('euc-kr') }, // ESC $ ) C  KS X 1001
  { seq: [0x24, 0x29, 0x41], g: 1, decode: viaLabel('gbk') }, // ESC $ ) A  GB 2312
  { seq: [0x2d, 0x41], g: 1, decode: latin1 }, // ESC - A  ISO 8859-1
  { seq: [0x2d, 0x42], g: 1, decode: viaLabel('iso-8859-2') },
  { seq: [0x2d, 0x43], g: 1, decode: viaLabel('iso-8859-3') },
  { seq: [0x2d, 0x44], g: 1, decode: viaLabel('iso-8859-4') },
  { seq: [0x2d, 0x4c], g: 1, decode: viaLabel('iso-8859-5') },
  { seq: [0x2d, 0x47], g: 1, decode: viaLabel('iso-8859-6') },
  { seq: [0x2d, 0x46], g: 1, decode: viaLabel('iso-8859-7') },
  { seq: [0x2d, 0x48], g: 1, decode: viaLabel('iso-8859-8') },
  { seq: [0x2d, 0x4d], g: 1, decode: viaLabel('iso-8859-9') },
  { seq: [0x2d, 0x62], g: 1, decode: viaLabel('iso-8859-15') },
  { seq: [0x2d, 0x54], g: 1, decode: viaLabel('windows-874') },
];

function normaliseTerm(term: string): string {
  return term.trim().toUpperCase().replace(/^ISO_IR_/, 'ISO_IR ').replace(/^ISO IR /, 'ISO_IR ');
}

/** The Specific Character Set value (backslash-separated terms) as a list of defined terms. */
export function parseCharacterSets(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value.split('\\').map(normaliseTerm);
}

/** Whether the terms are all understood; unknown terms fall back to Latin-1 (reported by the caller). */
export function unknownCharacterSets(terms: string[]): string[] {
  return terms.filter((t) => t !== '' && !(t in singleSets) && !(t in extensionDefaults));
}

/**
 * Decodes one text value's bytes (without padding removal) under the given Specific Character Set
 * terms. `isPersonName` adds '^' and '=' to the delimiters that reset ISO 2022 designations.
 */
export function decodeDicomText(bytes: Uint8Array, terms: string[], isPersonName = false): string {
  const first = terms[0] ?? '';
  const usesExtensions = terms.some((t) => t.startsWith('ISO 2022'));
  if (!usesExtensions) {
    if (terms.length > 1 && first === '' && terms[1]) return (singleSets[terms[1]] ?? latin1)(bytes);
    return (singleSets[first] ?? latin1)(bytes);
  }
  const initial = extensionDefaults[first] ?? extensionDefaults['ISO 2022 IR 6'];
  const initialG0 = initial.g0 ?? ascii;
  // G1 of the initial set; with IR 192/GB18030 as first term (invalid with extensions) fall back to it.
  const initialG1 = initial.g1 ?? singleSets[first] ?? latin1;
  let g0 = initialG0;
  let g1 = initialG1;
  let out = '';
  let run: number[] = [];
  let runSet: 0 | 1 = 0;
  const flush = () => {
    if (run.length) out += (runSet === 0 ? g0 : g1)(Uint8Array.from(run));
    run = [];
  };
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (c === 0x1b) {
      const esc = escapes.find((e) => e.seq.every((s, k) => bytes[i + 1 + k] === s));
      flush();
      if (esc) {
        if (esc.g === 0) g0 = esc.decode;
        else g1 = esc.decode;
        i += esc.seq.length;
      }
      continue;
    }
    // Inside a 94×94 G0 set (JIS X 0208/0212) these bytes are halves of characters, not delimiters.
    const delimiter =
      !multiByteG0.has(g0) &&
      (c === 0x0d || c === 0x0a || c === 0x0c || c === 0x09 || c === 0x5c || (isPersonName && (c === 0x5e || c === 0x3d)));
    if (delimiter) {
      flush();
      out += String.fromCharCode(c);
      g0 = initialG0;
      g1 = initialG1;
      continue;
    }
    const set: 0 | 1 = c < 0x80 ? 0 : 1;
    // A G0 multi-byte set (JIS X 0208) covers 7-bit bytes, so keep those runs whole.
    if (set !== runSet) flush();
    runSet = set;
    run.push(c);
  }
  flush();
  return out;
}
