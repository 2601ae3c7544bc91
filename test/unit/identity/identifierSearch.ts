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
  const forms = [...new Set(needles)].filter((n) => n.length > 0).flatMap((n) => needleForms(n).map((f) => ({ needle: n, ...f })));
  const raw = [...rawNeedles].map((bytes, i) => ({ needle: `raw #${i}`, form: 'bytes', bytes }));
  for (const file of files) {
    const data = fs.readFileSync(file);
    for (const f of [...forms, ...raw]) if (data.includes(f.bytes)) found.push(`${path.basename(file)}: ${f.needle} (${f.form})`);
  }
  return found;
}
