// Header parsing of real-world variants (pydicom's test files, test/fixtures/dicom/pydicom-samples):
// every file is parsed or skipped with a reason, never a crash or hang; encodings and character
// sets decode as pydicom decodes them.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { readDicomFile } from '../../../electron/services/dicom/headerParser';
import { encodeDicom, imageSeries } from './dicomWriter';
import { scanFolderReadOnly } from '../../../electron/services/dicom/dicomScan';

const samples = fileURLToPath(new URL('../../fixtures/dicom/pydicom-samples/', import.meta.url));

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
}

function header(file: string) {
  const outcome = readDicomFile(join(samples, file));
  if (outcome.kind !== 'dicom') throw new Error(`${file} skipped: ${outcome.reason}`);
  return outcome.header;
}

describe('pydicom samples', () => {
  it('parses or skips every file with a reason', () => {
    const files = walk(samples);
    expect(files.length).toBeGreaterThan(35);
    for (const f of files) {
      const outcome = readDicomFile(f);
      if (outcome.kind === 'skipped') expect(outcome.reason.length, f).toBeGreaterThan(5);
      else expect(outcome.header.sopInstanceUid, f).toMatch(/^[0-9.]+$/);
    }
  });

  it('reads the same MR in explicit little endian, big endian and implicit VR', () => {
    const le = header('MR_small.dcm');
    const be = header('MR_small_bigendian.dcm');
    const implicit = header('MR_small_implicit.dcm');
    expect(be.transferSyntaxUid).toBe('1.2.840.10008.1.2.2');
    expect(implicit.transferSyntaxUid).toBe('1.2.840.10008.1.2');
    for (const h of [be, implicit]) {
      expect(h.sopInstanceUid).toBe(le.sopInstanceUid);
      expect(h.patientName).toBe(le.patientName);
      expect(h.studyDate).toBe(le.studyDate);
      expect(h.modality).toBe('MR');
    }
  });

  it('inflates deflated data sets and reads raw data sets without preamble or meta', () => {
    expect(header('image_dfl.dcm').transferSyntaxUid).toBe('1.2.840.10008.1.2.1.99');
    expect(header('image_dfl.dcm').modality).toBe('OT');
    expect(header('ExplVR_BigEndNoMeta.dcm').transferSyntaxUid).toBe('1.2.840.10008.1.2.2');
    expect(header('ExplVR_LitEndNoMeta.dcm').transferSyntaxUid).toBe('1.2.840.10008.1.2.1');
    expect(header('ExplVR_BigEndNoMeta.dcm').plan?.planningSystem).toBe('XiO');
  });

  it('skips truncated files with a reason', () => {
    for (const f of ['MR_truncated.dcm', 'rtplan_truncated.dcm']) {
      const outcome = readDicomFile(join(samples, f));
      expect(outcome.kind, f).toBe('skipped');
      if (outcome.kind === 'skipped') expect(outcome.reason).toMatch(/truncated|malformed/);
    }
    const text = readDicomFile(join(samples, 'README.txt'));
    expect(text).toMatchObject({ kind: 'skipped', reason: expect.stringMatching(/not DICOM/) });
  });

  it('reads RT plan and structure set content from implicit VR sequences', () => {
    const plan = header('rtplan.dcm').plan;
    expect(plan?.approvalStatus).toBe('UNAPPROVED');
    expect(plan?.fractionGroups[0].fractionsPlanned).toBeGreaterThan(0);
    expect(plan?.beams.length).toBeGreaterThan(0);
    const ss = header('rtstruct.dcm').structureSet;
    expect(ss?.rois.map((r) => r.name)).toContain('patient');
  });

  it('decodes every Specific Character Set sample', () => {
    const expected: Record<string, string> = {
      'chrArab.dcm': 'قباني^لنزار',
      'chrFren.dcm': 'Buc^Jérôme',
      'chrFrenMulti.dcm': 'Buc^Jérôme',
      'chrGerm.dcm': 'Äneas^Rüdiger',
      'chrGreek.dcm': 'Διονυσιος',
      'chrH31.dcm': 'Yamada^Tarou=山田^太郎=やまだ^たろう',
      'chrH32.dcm': 'ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう',
      'chrHbrw.dcm': 'שרון^דבורה',
      'chrI2.dcm': 'Hong^Gildong=洪^吉洞=홍^길동',
      'chrJapMulti.dcm': 'やまだ^たろう',
      'chrJapMultiExplicitIR6.dcm': 'やまだ^たろう',
      'chrKoreanMulti.dcm': '김희중',
      'chrRuss.dcm': 'Люкceмбypг',
      'chrX1.dcm': 'Wang^XiaoDong=王^小東=',
      'chrX2.dcm': 'Wang^XiaoDong=王^小东=',
    };
    for (const [file, name] of Object.entries(expected)) expect(header(`charset/${file}`).patientName, file).toBe(name);
    // Every charset file parses (the SQ-encoding ones have no patient name at top level).
    for (const f of readdirSync(join(samples, 'charset')).filter((n) => n.endsWith('.dcm'))) {
      expect(readDicomFile(join(samples, 'charset', f)).kind, f).toBe('dicom');
    }
  });

  it('scans the whole folder without crash or hang, counting every file', async () => {
    const result = await scanFolderReadOnly(samples, { workers: 1 });
    const files = walk(samples);
    expect(result.files.total).toBe(files.length);
    expect(result.files.dicom + result.files.skipped.length).toBe(files.length);
    expect(result.files.skipped.every((s) => s.reason.length > 0)).toBe(true);
    // rtplan.dcm is UNAPPROVED and its structure set is not among the samples: listed, flagged.
    const plan = result.lesions.find((l) => l.planLabel === 'Plan1');
    expect(plan?.needsReview).toBe(true);
    expect(plan?.reviewReasons.join(' ')).toMatch(/UNAPPROVED/);
  });

  it('reads headers longer than the first chunk and stops at pixel data', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rtcw-dicom-chunks-'));
    try {
      const patient = { patientId: 'CHUNK1', name: 'CHUNK^TEST', birthDate: '19700101', sex: 'F' as const };
      for (const privateBytes of [0, 20_000, 300_000]) {
        const [image] = imageSeries(patient, { modality: 'CT', date: '20200101', count: 1, pixelBytes: 512 * 1024 });
        // A long private element before pixel data pushes it past the first (16 KB) and second (128 KB) reads.
        if (privateBytes) image.dataSet.push([0x00291010, 'OB', new Uint8Array(privateBytes)]);
        const file = join(dir, `ct-${privateBytes}`);
        writeFileSync(file, encodeDicom(image.dataSet));
        const outcome = readDicomFile(file);
        expect(outcome.kind, String(privateBytes)).toBe('dicom');
        if (outcome.kind === 'dicom') expect(outcome.header.sopInstanceUid).toBe(image.uid);
        // Cut inside the pixel data: the header is complete but the file is truncated.
        writeFileSync(`${file}-cut`, encodeDicom(image.dataSet).subarray(0, privateBytes + 4000));
        expect(readDicomFile(`${file}-cut`)).toMatchObject({ kind: 'skipped', reason: expect.stringMatching(/truncated/) });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
