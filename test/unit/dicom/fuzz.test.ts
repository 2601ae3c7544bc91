// Malformed input of any kind gets a reason, never an exception or a hang: every prefix length and
// random byte corruptions of real files (RT plan, structure set, record, CT, implicit VR plan).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseDicomBytes } from '../../../electron/services/dicom/headerParser';

const fixtures = fileURLToPath(new URL('../../fixtures/dicom/', import.meta.url));

function firstFile(dir: string): Buffer {
  return readFileSync(join(dir, readdirSync(dir).sort()[0]));
}

const patient = `${fixtures}cohort-a/H29712488/`;
const samples: Array<[string, Buffer]> = [
  ['plan', firstFile(`${patient}20120824_RTPLAN`)],
  ['struct', firstFile(`${patient}20120824_RTSTRUCT`)],
  ['record', firstFile(`${patient}20120824_RTRECORD`)],
  ['ct', firstFile(`${patient}20120824_CT`)],
  ['implicit plan', readFileSync(`${fixtures}pydicom-samples/rtplan.dcm`)],
];

/** Deterministic PRNG (mulberry32) so a failure reproduces. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function check(bytes: Uint8Array, label: string): 'dicom' | 'skipped' {
  let outcome;
  try {
    outcome = parseDicomBytes(bytes, bytes.length);
  } catch (error) {
    throw new Error(`${label}: threw ${String(error)}`);
  }
  expect(outcome, label).not.toBe('need-more');
  if (outcome === 'need-more') return 'skipped';
  if (outcome.kind === 'skipped') expect(outcome.reason.length, label).toBeGreaterThan(3);
  return outcome.kind;
}

describe('malformed files', () => {
  it('skips every truncation of real files with a reason (or parses what is complete)', () => {
    for (const [name, bytes] of samples) {
      const kinds = new Set<string>();
      for (let cut = 0; cut < bytes.length; cut += Math.max(1, Math.floor(bytes.length / 400))) {
        kinds.add(check(bytes.subarray(0, cut), `${name} cut at ${cut}`));
      }
      expect(kinds.has('skipped'), name).toBe(true);
      expect(check(bytes, `${name} whole`)).toBe('dicom');
    }
  });

  it('never throws or hangs on corrupted bytes', () => {
    const rand = random(20261129);
    for (const [name, bytes] of samples) {
      for (let round = 0; round < 150; round++) {
        const copy = Uint8Array.from(bytes);
        const flips = 1 + Math.floor(rand() * 8);
        for (let k = 0; k < flips; k++) copy[132 + Math.floor(rand() * (copy.length - 132))] = Math.floor(rand() * 256);
        check(copy, `${name} round ${round}`);
      }
    }
  });
});
