// The identifier byte search itself (./identifierSearch.ts): a digits-only needle inside a keyed hash
// is chance, not a leak; standing alone (quoted, between binary bytes, UTF-16) it is found.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { findIdentifiers } from './identifierSearch';

it('finds a birth date standing alone in any encoding, not one inside a 64-digit hash', () => {
  const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rtcw-needles-')), 'study.bin');
  const write = (b: Buffer) => (fs.writeFileSync(f, b), findIdentifiers([f], ['19630224', 'Lehmann']));
  const hash = 'e75de2ffe7d7c17372f570f79379d7d5c2ce1b74b83c254ef0231963022497fc';
  expect(write(Buffer.from(`"${hash}"`))).toEqual([]);
  expect(write(Buffer.from(`"${hash}"`, 'utf16le'))).toEqual([]);
  expect(write(Buffer.from(`"e75de2ffe7d7c17372f570f79379d7d5c2ce1b74b83c254ef0231a2b3c19630224"`))).toEqual([]);
  expect(write(Buffer.from('"19630224"'))).toHaveLength(1);
  expect(write(Buffer.from('x19630224'))).toHaveLength(1);
  expect(write(Buffer.from('a19630224b'))).toHaveLength(1);
  expect(write(Buffer.concat([Buffer.from([0x01]), Buffer.from('19630224'), Buffer.from([0x02])]))).toHaveLength(1);
  expect(write(Buffer.from('"19630224"', 'utf16le')).length).toBeGreaterThan(0);
  expect(write(Buffer.from('xLehmannx'))).toHaveLength(1);
});
