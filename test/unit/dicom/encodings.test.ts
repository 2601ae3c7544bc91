// The same RT objects in every encoding the scanner meets (issue 10, parsing): implicit VR little
// and big endian, explicit VR both byte orders, deflated, undefined-length and mixed-length
// sequences and items, no meta, a meta without (0002,0010) — every field the scanner extracts must
// equal what it extracts from the explicit VR little endian, defined-length file. The treatment
// record nests sequences three deep (beams → control points → beam limiting devices) and ends
// with a 2-byte value, as record-and-verify exports do; before the data dictionary was used such
// implicit VR records were skipped as "truncated". Also: sequences nested 10,000 deep, and skip
// reasons a person understands.
import { describe, expect, it } from 'vitest';
import { parseDicomBytes } from '../../../electron/services/dicom/headerParser';
import type { InstanceHeader } from '../../../electron/services/dicom/dicomRecord';
import { encodeDicom, rtCourse, SOP, uid, type Element, type Encoding, type Item, type SequenceLengths, type WriteOptions } from './dicomWriter';

const patient = { patientId: 'ENC1', name: 'Müller^Jürgen', birthDate: '19580312', sex: 'M' as const, charset: 'ISO_IR 192' };

/** A treatment record shaped like a record-and-verify export: two beams, nested control points. */
function deliveredRecord(planUid: string, fraction: number, date: string): Element[] {
  const controlPoint = (index: number, x: number): Item => [
    [0x30080024, 'DA', date],
    [0x30080025, 'TM', `10${String(index).padStart(2, '0')}00`],
    [0x300a0112, 'IS', String(index)],
    [
      0x300a011a,
      'SQ',
      [
        [[0x300a00b8, 'CS', 'ASYMX'], [0x300a011c, 'DS', `-${x}\\${x}`]],
        [[0x300a00b8, 'CS', 'ASYMY'], [0x300a011c, 'DS', `-${x + 1}\\${x + 1}`]],
      ],
    ],
  ];
  const beam = (number: number, status: string): Item => [
    [0x30080022, 'IS', String(fraction)],
    [0x3008002a, 'CS', status],
    [0x30080030, 'SQ', [[[0x30080072, 'IS', '1'], [0x30080076, 'DS', '4.0']]]],
    [0x30080040, 'SQ', [controlPoint(0, 30 + number), controlPoint(1, 31 + number)]],
    [0x300c0006, 'IS', String(number)],
  ];
  return [
    [0x00080005, 'CS', 'ISO_IR 192'],
    [0x00080016, 'UI', SOP.record],
    [0x00080018, 'UI', uid()],
    [0x00080020, 'DA', date],
    [0x00080060, 'CS', 'RTRECORD'],
    [0x00100010, 'PN', patient.name],
    [0x00100020, 'LO', patient.patientId],
    [0x00100030, 'DA', patient.birthDate],
    [0x00100040, 'CS', patient.sex],
    [0x0020000d, 'UI', uid()],
    [0x0020000e, 'UI', uid()],
    [0x00200011, 'IS', '3'],
    [0x30080020, 'SQ', [beam(1, 'NORMAL'), beam(2, 'OPERATOR')]],
    [0x30080250, 'DA', date],
    [0x300a0206, 'SQ', [[[0x00080070, 'LO', 'Varian Medical Systems'], [0x00081090, 'LO', 'TrueBeam'], [0x300a00b2, 'SH', 'TB1']]]],
    // The file ends on a 2-byte value (Referenced Fraction Group Number).
    [0x300c0002, 'SQ', [[[0x00081150, 'UI', SOP.plan], [0x00081155, 'UI', planUid], [0x300c0022, 'IS', '1']]]],
  ];
}

const course = rtCourse(patient, {
  planDate: '20240102',
  label: 'T11-L1 SBRT',
  fractions: 3,
  targets: [{ roiName: 'PTV_T11_L1', doseGy: 24 }],
  machineModel: 'TrueBeam',
  treatmentDates: [],
});
const objects: Array<[string, Element[]]> = [
  ['treatment record', deliveredRecord(course.plan.uid, 2, '20240110')],
  ['plan', course.plan.dataSet],
  ['structure set', course.struct.dataSet],
];

function parse(bytes: Uint8Array): InstanceHeader {
  const outcome = parseDicomBytes(bytes, bytes.length);
  if (outcome === 'need-more') throw new Error('need-more on a whole file');
  if (outcome.kind !== 'dicom') throw new Error(`skipped: ${outcome.reason}`);
  return outcome.header;
}

/** What the scanner extracts, less how the file was encoded. */
function content(h: InstanceHeader): Omit<InstanceHeader, 'transferSyntaxUid' | 'warnings'> {
  const { transferSyntaxUid: _ts, warnings: _w, ...rest } = h;
  return rest;
}

const variants: Array<[string, WriteOptions, string]> = [];
for (const encoding of ['implicitLE', 'implicitBE', 'explicitLE', 'explicitBE', 'deflated'] as Encoding[]) {
  for (const sequenceLengths of ['defined', 'undefined', 'alternate'] as SequenceLengths[]) {
    if (encoding === 'explicitLE' && sequenceLengths === 'defined') continue;
    const ts = { implicitLE: '1.2.840.10008.1.2', implicitBE: '', explicitLE: '1.2.840.10008.1.2.1', explicitBE: '1.2.840.10008.1.2.2', deflated: '1.2.840.10008.1.2.1.99' }[encoding];
    variants.push([`${encoding}, ${sequenceLengths} lengths`, { encoding, sequenceLengths }, ts]);
  }
}
variants.push(
  ['implicitLE without file meta', { encoding: 'implicitLE', noMeta: true, sequenceLengths: 'alternate' }, '1.2.840.10008.1.2'],
  ['implicitBE without file meta', { encoding: 'implicitBE', noMeta: true, sequenceLengths: 'undefined' }, ''],
  ['implicitLE, meta without (0002,0010)', { encoding: 'implicitLE', omitMeta: [0x00020010], sequenceLengths: 'alternate' }, '1.2.840.10008.1.2'],
  ['implicitBE, meta without (0002,0010)', { encoding: 'implicitBE', omitMeta: [0x00020010], sequenceLengths: 'undefined' }, ''],
  ['explicitBE, meta without (0002,0010) or group length', { encoding: 'explicitBE', omitMeta: [0x00020010, 0x00020000] }, '1.2.840.10008.1.2.2'],
);

describe('one RT object, every encoding', () => {
  for (const [name, dataSet] of objects) {
    it(`extracts every field of the ${name} as from explicit VR little endian`, () => {
      const reference = parse(encodeDicom(dataSet, { encoding: 'explicitLE' }));
      expect(reference.transferSyntaxUid).toBe('1.2.840.10008.1.2.1');
      if (name === 'treatment record') {
        // The reference itself is right: what the record says.
        expect(reference.treatmentRecord).toEqual({
          date: '2024-01-10',
          planUid: course.plan.uid,
          fractionGroup: 1,
          machineName: 'TB1',
          model: 'TrueBeam',
          manufacturer: 'Varian Medical Systems',
          fractionNumbers: [2, 2],
          terminationStatuses: ['NORMAL', 'OPERATOR'],
          // Per-beam delivery (rtDelivery.ts counts fractions from these).
          beams: [1, 2].map((beamNumber, i) => ({
            beamNumber,
            fractionNumber: 2,
            termination: i === 0 ? 'NORMAL' : 'OPERATOR',
            deliveryType: '',
            specifiedMeterset: null,
            deliveredMeterset: null,
            date: '2024-01-10',
          })),
        });
        expect(reference.patientName).toBe('Müller^Jürgen');
      }
      for (const [variant, options, ts] of variants) {
        const header = parse(encodeDicom(dataSet, options));
        expect(content(header), variant).toEqual(content(reference));
        expect(header.transferSyntaxUid, variant).toBe(ts);
        if (options.omitMeta?.includes(0x00020010)) expect(header.warnings.join(' '), variant).toMatch(/lacks Transfer Syntax UID/);
      }
    });
  }

  it('reads implicit VR records whose meta claims explicit VR, and says so', () => {
    // The file meta of the explicit VR file in front of the implicit VR data set.
    const ds = objects[0][1];
    const explicitFile = encodeDicom(ds, { encoding: 'explicitLE' });
    const meta = explicitFile.subarray(0, explicitFile.length - encodeDicom(ds, { encoding: 'explicitLE', noMeta: true }).length);
    const bytes = Buffer.concat([meta, encodeDicom(ds, { encoding: 'implicitLE', noMeta: true, sequenceLengths: 'undefined' })]);
    const header = parse(bytes);
    expect(header.treatmentRecord?.fractionNumbers).toEqual([2, 2]);
    expect(header.transferSyntaxUid).toBe('1.2.840.10008.1.2');
    expect(header.warnings.join(' ')).toMatch(/data set is implicit VR little endian/);
  });
});

/** A data set with `depth` sequences nested in one another (private tag), built without recursion. */
function deeplyNested(depth: number, explicit: boolean): Uint8Array {
  const top = encodeDicom(objects[0][1], { encoding: explicit ? 'explicitLE' : 'implicitLE', noMeta: true });
  const tag = [0x09, 0x00, 0x10, 0x10]; // (0009,1010), a private sequence
  const u32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
  const parts: number[] = [];
  if (explicit) {
    // Defined lengths, computed from the inside out: each level is a 12-byte SQ header + 8-byte item header.
    const inner = [0x09, 0x00, 0x20, 0x10, 0x4c, 0x4f, 0x02, 0x00, 0x41, 0x20]; // (0009,1020) LO "A "
    for (let level = 0; level < depth; level++) {
      const contentLength = inner.length + (depth - level - 1) * 20;
      parts.push(...tag, 0x53, 0x51, 0, 0, ...u32(contentLength + 8), 0xfe, 0xff, 0x00, 0xe0, ...u32(contentLength));
    }
    parts.push(...inner);
  } else {
    for (let level = 0; level < depth; level++) parts.push(...tag, ...u32(0xffffffff), 0xfe, 0xff, 0x00, 0xe0, ...u32(0xffffffff));
    parts.push(0x09, 0x00, 0x20, 0x10, 2, 0, 0, 0, 0x41, 0x20);
    for (let level = 0; level < depth; level++) parts.push(0xfe, 0xff, 0x0d, 0xe0, 0, 0, 0, 0, 0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0);
  }
  // Group 0009 sorts after group 0008 but before 0010: put the nest where it belongs in tag order.
  const bytes = Buffer.from(top);
  let at = 0;
  while (at < bytes.length && bytes.readUInt16LE(at) === 0x0008) {
    const long = explicit && ['SQ', 'OB', 'UN', 'UT', 'UC', 'UR'].includes(bytes.toString('latin1', at + 4, at + 6));
    const length = explicit ? (long ? bytes.readUInt32LE(at + 8) : bytes.readUInt16LE(at + 6)) : bytes.readUInt32LE(at + 4);
    at += (explicit ? (long ? 12 : 8) : 8) + length;
  }
  return Buffer.concat([bytes.subarray(0, at), Buffer.from(parts), bytes.subarray(at)]);
}

describe('hostile nesting', () => {
  for (const explicit of [false, true]) {
    it(`reads a record with private sequences nested 10,000 deep (${explicit ? 'explicit VR, defined' : 'implicit VR, undefined'} lengths)`, () => {
      const bytes = deeplyNested(10_000, explicit);
      const header = parse(bytes);
      expect(header.sopInstanceUid).toBe(objects[0][1].find((e) => e[0] === 0x00080018)?.[2]);
      expect(header.treatmentRecord?.fractionNumbers).toEqual([2, 2]);
      // Cut inside the nest: truncated, with a reason (no stack overflow on the way there either).
      const cut = parseDicomBytes(bytes.subarray(0, 60_000), 60_000);
      expect(cut).toMatchObject({ kind: 'skipped', reason: expect.stringMatching(/^truncated: the file ends inside/) });
    });
  }
});

describe('damage DCMTK reads through (checked by hand against dcmdump 3.6.7)', () => {
  const record = objects[0][1];
  const reference = () => content(parse(encodeDicom(record, { encoding: 'explicitLE' })));

  it('reads a file meta with a damaged VR (2-byte length, as for any non-standard VR)', () => {
    const bytes = Buffer.from(encodeDicom(record, { encoding: 'explicitLE' }));
    const at = bytes.indexOf(Buffer.from([0x02, 0x00, 0x02, 0x00, 0x55, 0x49])); // (0002,0002) UI
    bytes[at + 4] = 0x2c; // ',I'
    const header = parse(bytes);
    expect(content(header)).toEqual(reference());
  });

  it('reads past a damaged file meta tag to the end its group length gives, and detects the transfer syntax', () => {
    const bytes = Buffer.from(encodeDicom(record, { encoding: 'implicitLE', sequenceLengths: 'alternate' }));
    const at = bytes.indexOf(Buffer.from([0x02, 0x00, 0x10, 0x00, 0x55, 0x49])); // (0002,0010) UI
    bytes[at] = 0xd2; // (02D2,0010): not a meta element any more
    const header = parse(bytes);
    expect(content(header)).toEqual(reference());
    expect(header.transferSyntaxUid).toBe('1.2.840.10008.1.2');
    expect(header.warnings.join(' ')).toMatch(/lacks Transfer Syntax UID/);
  });

  it('reads an item whose declared length runs past its sequence, and an item ended by a delimiter', () => {
    // Implicit VR, defined lengths: the machine sequence's item claims 4 KB more than it has.
    const bytes = Buffer.from(encodeDicom(record, { encoding: 'implicitLE' }));
    const seq = bytes.indexOf(Buffer.from([0x0a, 0x30, 0x06, 0x02])); // (300A,0206)
    const itemLength = seq + 12;
    bytes.writeUInt32LE(bytes.readUInt32LE(itemLength) + 4096, itemLength);
    let header = parse(bytes);
    expect(content(header)).toEqual(reference());
    expect(header.warnings.join(' ')).toMatch(/\(300A,0206\) declares|more than the sequence holds/);
    // Undefined-length sequence, item with a (wrong, huge) length but closed by an item delimiter.
    const undefinedLengths = Buffer.from(encodeDicom(record, { encoding: 'implicitLE', sequenceLengths: 'undefined' }));
    const machine = undefinedLengths.indexOf(Buffer.from([0x0a, 0x30, 0x06, 0x02]));
    undefinedLengths.writeUInt32LE(0xff1111ff, machine + 12);
    header = parse(undefinedLengths);
    expect(content(header)).toEqual(reference());
  });
});
