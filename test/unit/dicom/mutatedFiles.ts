// Deterministic byte-corrupted copies of real fixture files (a seeded PRNG over fixed inputs), so a
// list of what DCMTK reads of them can be made once (test/fixtures/dicom/make-dcmtk-mutations.ts)
// and checked at test time without DCMTK (dcmtkParity.test.ts).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mulberry32 } from '../../fixtures/seededRandom';

const fixtures = fileURLToPath(new URL('../../fixtures/dicom/', import.meta.url));

function walk(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
}

/** Two copies of every third cohort-a file and of every pymedphys RT file, 1–4 bytes changed in each. */
export function mutatedFiles(): Array<{ name: string; bytes: Uint8Array }> {
  const sources = [
    ...walk(join(fixtures, 'cohort-a')).filter((_, i) => i % 3 === 0),
    ...walk(join(fixtures, 'real-pymedphys')).filter((f) => !/\.(txt|tsv)$/.test(f)),
  ];
  const rand = mulberry32(20261203);
  const out: Array<{ name: string; bytes: Uint8Array }> = [];
  for (const file of sources) {
    const original = readFileSync(file);
    for (let k = 0; k < 2; k++) {
      const bytes = Uint8Array.from(original);
      const flips = 1 + Math.floor(rand() * 4);
      // Within the first 20 KB: the header, where a damaged byte changes how the file reads.
      for (let j = 0; j < flips; j++) bytes[132 + Math.floor(rand() * Math.min(bytes.length - 132, 20_000))] = Math.floor(rand() * 256);
      out.push({ name: `m${String(out.length).padStart(4, '0')}.dcm`, bytes });
    }
  }
  return out;
}
