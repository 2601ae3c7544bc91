// Malformed input of any kind gets a reason, never an exception or a hang: every prefix length and
// random byte corruptions of real files (RT plan, structure set, record, CT, implicit VR plan and
// structure set); every skip reason says what is wrong with the file.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseDicomBytes } from '../../../electron/services/dicom/headerParser';
import { mulberry32 } from '../../fixtures/seededRandom';

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
  ['implicit structure set, nested undefined lengths', readFileSync(`${fixtures}real-pymedphys/protyping_auto-segmentation_Test`)],
];

function check(bytes: Uint8Array, label: string): 'dicom' | 'skipped' {
  let outcome;
  try {
    outcome = parseDicomBytes(bytes, bytes.length);
  } catch (error) {
    throw new Error(`${label}: threw ${String(error)}`);
  }
  expect(outcome, label).not.toBe('need-more');
  if (outcome === 'need-more') return 'skipped';
  if (outcome.kind === 'skipped') {
    // A reason a person understands: what is wrong with the file, never an internal error's text.
    expect(outcome.reason, label).toMatch(/^(truncated: |malformed: |not DICOM: |DICOM without SOP Instance UID)/);
    expect(outcome.reason, label).not.toMatch(/Error|undefined|is not a function|dicomParser|call stack/);
  }
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
    const rand = mulberry32(20261129);
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
