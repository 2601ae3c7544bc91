// Byte search for identifiers in files (issue 11 item 6): each needle in UTF-8 (= Latin-1 for
// ASCII), UTF-16LE and UTF-16BE, as written, in upper and in title case — SQLite stores text in the
// database's encoding, a WAL or backup holds raw pages, and nothing may be found in any of them.
import fs from 'node:fs';
import path from 'node:path';

function utf16be(text: string): Buffer {
  const le = Buffer.from(text, 'utf16le');
  for (let i = 0; i + 1 < le.length; i += 2) [le[i], le[i + 1]] = [le[i + 1], le[i]];
  return le;
}

/** Every byte form searched for one needle. */
export function needleForms(needle: string): Array<{ form: string; bytes: Buffer }> {
  // As written, upper case (DICOM PN and LO values) and title case ("Lehmann"); all lower case is
  // left out: short staff role words ("TECH", "RTT") are substrings of ordinary schema words.
  const title = needle.charAt(0).toUpperCase() + needle.slice(1).toLowerCase();
  const variants = [...new Set([needle, needle.toUpperCase(), title])];
  return variants.flatMap((v) => [
    { form: `utf8 "${v}"`, bytes: Buffer.from(v, 'utf8') },
    { form: `utf16le "${v}"`, bytes: Buffer.from(v, 'utf16le') },
    { form: `utf16be "${v}"`, bytes: utf16be(v) },
  ]);
}

/** The study file and every side file next to it that belongs to it (-wal, -shm, -journal, .bak). */
export function studyFiles(studyPath: string): string[] {
  const dir = path.dirname(studyPath);
  const base = path.basename(studyPath);
  return fs
    .readdirSync(dir)
    .filter((name) => name === base || name.startsWith(`${base}-`) || name.startsWith(`${base}.`))
    .map((name) => path.join(dir, name));
}

/** "file: needle (form)" for every needle found in any of the files; [] when clean. */
export function findIdentifiers(files: readonly string[], needles: Iterable<string>, rawNeedles: Iterable<Buffer> = []): string[] {
  const found: string[] = [];
  const forms = [...new Set(needles)]
    .filter((n) => n.length > 0)
    .flatMap((n) => needleForms(n).map((f) => ({ needle: n, ...f, digitsOnly: /^\d+$/.test(n) })));
  const raw = [...rawNeedles].map((bytes, i) => ({ needle: `raw #${i}`, form: 'bytes', bytes, digitsOnly: false }));
  for (const file of files) {
    const data = fs.readFileSync(file);
    for (const f of [...forms, ...raw]) {
      const hit = f.digitsOnly ? standsAlone(data, f.bytes) : data.includes(f.bytes);
      if (hit) found.push(`${path.basename(file)}: ${f.needle} (${f.form})`);
    }
  }
  return found;
}

const HEX = /[0-9a-fA-F]/;
/** Keyed hashes are written as 64 hex digits, keys and pseudonym parts as 16–32. */
const HASH_RUN = 16;

/**
 * A digits-only needle (a birth date 19630224, a numeric MRN) counts unless it lies inside a run of
 * 16 or more hex digits: the study holds thousands of 64-digit keyed hashes (random per study key),
 * in which any 8 given decimal digits turn up by chance about once in a few thousand studies — a
 * hash, not a leak. A stored date or ID stands alone, between quotes, separators or binary bytes.
 */
function standsAlone(data: Buffer, needle: Buffer): boolean {
  // UTF-16 forms: one character every two bytes, the zero byte first (BE) or second (LE).
  const wide = needle.length > 1 && (needle[0] === 0 || needle[1] === 0);
  const step = wide ? 2 : 1;
  const be = wide && needle[0] === 0;
  const charAt = (i: number): string => {
    if (i < 0 || i + step > data.length) return '';
    if (!wide) return String.fromCharCode(data[i]);
    const [hi, lo] = be ? [data[i], data[i + 1]] : [data[i + 1], data[i]];
    return hi === 0 ? String.fromCharCode(lo) : '';
  };
  for (let at = data.indexOf(needle); at !== -1; at = data.indexOf(needle, at + 1)) {
    let run = needle.length / step;
    for (let i = at - step; HEX.test(charAt(i)); i -= step) run++;
    for (let i = at + needle.length; HEX.test(charAt(i)); i += step) run++;
    if (run < HASH_RUN) return true;
  }
  return false;
}
