// A small DICOM writer for synthetic test fixtures (PS3.5 encoding, PS3.10 file format), so the
// scanner is tested on encodings and naming conventions the shared cohort does not use: implicit
// VR (little and big endian), big endian, deflated, undefined-length sequences and items, no
// preamble/meta or a meta missing elements, and RT objects named the way other sites name them.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { deflateRawSync } from 'node:zlib';

export type Value = string | number[] | Uint8Array | Item[];
export type Item = Element[];
export type Element = [tag: number, vr: string, value: Value];

export type Encoding = 'explicitLE' | 'implicitLE' | 'explicitBE' | 'implicitBE' | 'deflated';

const TS: Record<Encoding, string> = {
  explicitLE: '1.2.840.10008.1.2.1',
  implicitLE: '1.2.840.10008.1.2',
  explicitBE: '1.2.840.10008.1.2.2',
  // No standard UID exists for implicit VR big endian; GE's private one is what such files carry.
  implicitBE: '1.2.840.113619.5.2',
  deflated: '1.2.840.10008.1.2.1.99',
};

/**
 * How sequences and items are delimited: every one with its length, every one with undefined
 * length and delimitation items (PS3.5 7.5), or alternating by nesting depth (the top-level
 * sequences undefined, their items' sequences defined, …; items the other way round).
 */
export type SequenceLengths = 'defined' | 'undefined' | 'alternate';
const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);

class Out {
  private chunks: Uint8Array[] = [];
  length = 0;
  constructor(private readonly bigEndian: boolean) {}
  bytes(b: Uint8Array) {
    this.chunks.push(b);
    this.length += b.length;
  }
  u16(v: number) {
    const b = new Uint8Array(2);
    new DataView(b.buffer).setUint16(0, v, !this.bigEndian);
    this.bytes(b);
  }
  u32(v: number) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v, !this.bigEndian);
    this.bytes(b);
  }
  ascii(s: string) {
    this.bytes(Uint8Array.from(Buffer.from(s, 'latin1')));
  }
  concat(): Uint8Array {
    return Buffer.concat(this.chunks);
  }
}

function valueBytes(vr: string, value: Value, bigEndian: boolean): Uint8Array {
  if (value instanceof Uint8Array) return value.length % 2 ? Buffer.concat([value, Buffer.alloc(1)]) : value;
  if (Array.isArray(value) && (vr === 'US' || vr === 'UL')) {
    const size = vr === 'US' ? 2 : 4;
    const b = new Uint8Array(size * value.length);
    const dv = new DataView(b.buffer);
    (value as number[]).forEach((v, i) => (size === 2 ? dv.setUint16(i * 2, v, !bigEndian) : dv.setUint32(i * 4, v, !bigEndian)));
    return b;
  }
  const text = Buffer.from(value as string, vr === 'PN' || vr === 'LO' || vr === 'SH' ? 'utf8' : 'latin1');
  if (text.length % 2 === 0) return text;
  return Buffer.concat([text, Buffer.from([vr === 'UI' || vr === 'OB' ? 0 : 0x20])]);
}

function writeElements(out: Out, elements: Element[], explicit: boolean, bigEndian: boolean, lengths: SequenceLengths = 'defined', depth = 0): void {
  const undefinedAt = (d: number) => lengths === 'undefined' || (lengths === 'alternate' && d % 2 === 0);
  for (const [tag, vr, value] of [...elements].sort((a, b) => a[0] - b[0])) {
    out.u16(tag >>> 16);
    out.u16(tag & 0xffff);
    let body: Uint8Array;
    const undefinedSequence = vr === 'SQ' && undefinedAt(depth);
    if (vr === 'SQ') {
      const sq = new Out(bigEndian);
      for (const item of value as Item[]) {
        const inner = new Out(bigEndian);
        writeElements(inner, item, explicit, bigEndian, lengths, depth + 1);
        const undefinedItem = undefinedAt(depth + 1);
        sq.u16(0xfffe);
        sq.u16(0xe000);
        sq.u32(undefinedItem ? 0xffffffff : inner.length);
        sq.bytes(inner.concat());
        if (undefinedItem) {
          sq.u16(0xfffe);
          sq.u16(0xe00d);
          sq.u32(0);
        }
      }
      if (undefinedSequence) {
        sq.u16(0xfffe);
        sq.u16(0xe0dd);
        sq.u32(0);
      }
      body = sq.concat();
    } else body = valueBytes(vr, value, bigEndian);
    const length = undefinedSequence ? 0xffffffff : body.length;
    if (explicit) {
      out.ascii(vr);
      if (LONG_VRS.has(vr)) {
        out.u16(0);
        out.u32(length);
      } else out.u16(length);
    } else out.u32(length);
    out.bytes(body);
  }
}

export interface WriteOptions {
  encoding?: Encoding;
  /** Omit the 128-byte preamble, 'DICM' and the file meta (a raw data set). */
  noMeta?: boolean;
  /** File meta elements to leave out, e.g. 0x00020010 (Transfer Syntax UID). */
  omitMeta?: number[];
  sequenceLengths?: SequenceLengths;
}

/** Encodes a data set as a DICOM file (Part 10 unless noMeta). */
export function encodeDicom(dataSet: Element[], options: WriteOptions = {}): Uint8Array {
  const encoding = options.encoding ?? 'explicitLE';
  const bigEndian = encoding === 'explicitBE' || encoding === 'implicitBE';
  const body = new Out(bigEndian);
  writeElements(body, dataSet, encoding !== 'implicitLE' && encoding !== 'implicitBE', bigEndian, options.sequenceLengths);
  let data = body.concat();
  if (options.noMeta) return data;
  if (encoding === 'deflated') data = deflateRawSync(data);
  const sopClass = dataSet.find((e) => e[0] === 0x00080016)?.[2] as string;
  const sopInstance = dataSet.find((e) => e[0] === 0x00080018)?.[2] as string;
  const omitted = new Set(options.omitMeta ?? []);
  const metaElements: Element[] = [
    [0x00020001, 'OB', Uint8Array.from([0, 1])],
    [0x00020002, 'UI', sopClass],
    [0x00020003, 'UI', sopInstance],
    [0x00020010, 'UI', TS[encoding]],
    [0x00020012, 'UI', '1.2.826.0.1.3680043.10.999.1'],
  ];
  const metaBody = new Out(false);
  writeElements(
    metaBody,
    metaElements.filter((e) => !omitted.has(e[0])),
    true,
    false,
  );
  const meta = new Out(false);
  meta.bytes(new Uint8Array(128));
  meta.ascii('DICM');
  if (!omitted.has(0x00020000)) writeElements(meta, [[0x00020000, 'UL', [metaBody.length]]], true, false);
  meta.bytes(metaBody.concat());
  return Buffer.concat([meta.concat(), data]);
}

export function writeDicom(path: string, dataSet: Element[], options: WriteOptions = {}): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, encodeDicom(dataSet, options));
}

// ——— a synthetic RT patient ———

let uidCounter = 0;
export function uid(): string {
  uidCounter++;
  return `1.2.826.0.1.3680043.10.999.${process.pid}.${uidCounter}`;
}

export const SOP = {
  ct: '1.2.840.10008.5.1.4.1.1.2',
  mr: '1.2.840.10008.5.1.4.1.1.4',
  pet: '1.2.840.10008.5.1.4.1.1.128',
  plan: '1.2.840.10008.5.1.4.1.1.481.5',
  struct: '1.2.840.10008.5.1.4.1.1.481.3',
  record: '1.2.840.10008.5.1.4.1.1.481.4',
};

export interface SyntheticPatient {
  patientId: string;
  name: string;
  birthDate: string; // YYYYMMDD
  sex: 'M' | 'F';
  /** Specific Character Set, e.g. 'ISO_IR 100' or 'ISO_IR 192'. */
  charset?: string;
}

function patientElements(p: SyntheticPatient, studyUid: string, seriesUid: string, date: string, modality: string, sopClass: string, sopUid: string): Element[] {
  const e: Element[] = [
    [0x00080016, 'UI', sopClass],
    [0x00080018, 'UI', sopUid],
    [0x00080020, 'DA', date],
    [0x00080050, 'SH', `ACC${p.patientId}`],
    [0x00080060, 'CS', modality],
    [0x00080080, 'LO', 'Synthetic Hospital'],
    [0x00100010, 'PN', p.name],
    [0x00100020, 'LO', p.patientId],
    [0x00100030, 'DA', p.birthDate],
    [0x00100040, 'CS', p.sex],
    [0x0020000d, 'UI', studyUid],
    [0x0020000e, 'UI', seriesUid],
    [0x00200011, 'IS', '1'],
  ];
  if (p.charset) e.push([0x00080005, 'CS', p.charset]);
  return e;
}

export interface ImageSeriesSpec {
  modality: 'CT' | 'MR' | 'PT';
  date: string; // YYYYMMDD
  count: number;
  /** Bytes of (zero) pixel data per image; 0 for none. */
  pixelBytes?: number;
  studyUid?: string;
}

export function imageSeries(p: SyntheticPatient, spec: ImageSeriesSpec): Array<{ uid: string; dataSet: Element[] }> {
  const studyUid = spec.studyUid ?? uid();
  const seriesUid = uid();
  const sopClass = spec.modality === 'CT' ? SOP.ct : spec.modality === 'MR' ? SOP.mr : SOP.pet;
  return Array.from({ length: spec.count }, (_, i) => {
    const sop = uid();
    const e = patientElements(p, studyUid, seriesUid, spec.date, spec.modality, sopClass, sop);
    e.push([0x00200013, 'IS', String(i + 1)], [0x00280010, 'US', [512]], [0x00280011, 'US', [512]], [0x00280100, 'US', [16]]);
    if (spec.pixelBytes) e.push([0x7fe00010, 'OW', new Uint8Array(spec.pixelBytes)]);
    return { uid: sop, dataSet: e };
  });
}

export interface TargetSpec {
  roiName: string;
  /** Dose reference description (defaults to the ROI name). */
  description?: string;
  doseGy: number;
  /** BeamDose per beam (default: two beams sharing d). */
  beamDoses?: number[];
  interpretedType?: string;
  /** Leave TargetPrescriptionDose out (an incomplete export). */
  noPrescription?: boolean;
}

/** A fraction group of its own (sequential boost in one plan); default: one group of all targets. */
export interface FractionGroupSpec {
  fractions: number;
  /** This group's dose to each target (Gy, same order as targets); 0 = the group does not treat it. */
  targetDosesGy: number[];
  /** Write the group's TargetPrescriptionDose in its ReferencedDoseReferenceSequence (else only beam doses). */
  ownPrescription?: boolean;
}

/** One beam delivery of a session (explicit sessions). */
export interface BeamDeliverySpec {
  /** Beam number in the plan. */
  beam: number;
  /** TreatmentTerminationStatus; default NORMAL. */
  status?: string;
  /** Share of the beam's meterset delivered in this item (default 1, or 0.4 when interrupted). */
  share?: number;
  /** Written as a CONTINUATION of an interrupted beam (make-up session). */
  continuation?: boolean;
}

export interface SessionSpec {
  date: string; // YYYYMMDD
  fractionGroup?: number;
  fraction: number;
  /** Default: every beam of the group, NORMAL. */
  beams?: BeamDeliverySpec[];
}

export interface CourseSpec {
  planDate: string; // YYYYMMDD
  label: string;
  name?: string;
  fractions: number;
  targets: TargetSpec[];
  machineModel: string;
  machineName?: string;
  approval?: string;
  /** Treatment dates (one session per date, fraction numbers from fractionStart); empty = no records. */
  treatmentDates: string[];
  /** First CurrentFractionNumber of treatmentDates (a re-plan continuing the count); default 1. */
  fractionStart?: number;
  /** Explicit sessions (interrupted beams, make-up sessions, several groups); replaces treatmentDates. */
  sessions?: SessionSpec[];
  /** One record per session (ARIA) or one record per beam delivery (MOSAIQ-style). */
  recordsPer?: 'session' | 'beam';
  fractionGroups?: FractionGroupSpec[];
  /** Reuse this structure set (a re-plan on the same contours); default a new one. */
  structureSetUid?: string;
  extraRois?: string[];
}

export interface CourseObjects {
  plan: { uid: string; dataSet: Element[] };
  struct: { uid: string; dataSet: Element[] };
  records: Array<{ uid: string; dataSet: Element[] }>;
}

export function rtCourse(p: SyntheticPatient, c: CourseSpec): CourseObjects {
  const studyUid = uid();
  const structUid = c.structureSetUid ?? uid();
  const planUid = uid();
  const rois: Array<{ number: number; name: string; type: string }> = [
    { number: 1, name: 'BODY', type: 'EXTERNAL' },
    { number: 2, name: 'SpinalCord', type: 'ORGAN' },
    ...(c.extraRois ?? []).map((name, i) => ({ number: 3 + i, name, type: 'ORGAN' })),
  ];
  const targetRoiNumbers = c.targets.map((t, i) => {
    const number = 10 + i;
    rois.push({ number, name: t.roiName, type: t.interpretedType ?? 'PTV' });
    return number;
  });
  const struct = patientElements(p, studyUid, uid(), c.planDate, 'RTSTRUCT', SOP.struct, structUid);
  struct.push(
    [0x30060002, 'SH', 'RS'],
    [0x30060008, 'DA', c.planDate],
    [0x30060020, 'SQ', rois.map((r) => [[0x30060022, 'IS', String(r.number)], [0x30060026, 'LO', r.name]] as Item)],
    [
      0x30060080,
      'SQ',
      rois.map((r) => [[0x30060082, 'IS', String(r.number)], [0x30060084, 'IS', String(r.number)], [0x300600a4, 'CS', r.type]] as Item),
    ],
  );
  const groupSpecs: FractionGroupSpec[] = c.fractionGroups ?? [{ fractions: c.fractions, targetDosesGy: c.targets.map((t) => t.doseGy), ownPrescription: false }];
  const beams: Item[] = [];
  const groupItems: Item[] = [];
  /** Beam numbers and metersets of each group (for the records). */
  const groupBeams: Array<Array<{ number: number; meterset: number; name: string }>> = [];
  let beamNumber = 0;
  groupSpecs.forEach((g, gi) => {
    const beamRefs: Item[] = [];
    const listed: Array<{ number: number; meterset: number; name: string }> = [];
    c.targets.forEach((t, k) => {
      const groupDose = g.targetDosesGy[k] ?? 0;
      if (!(groupDose > 0)) return;
      const d = groupDose / g.fractions;
      const doses = (!c.fractionGroups && t.beamDoses) || [d * 0.6, d * 0.4];
      doses.forEach((dose, j) => {
        beamNumber++;
        const name = `G${gi + 1}B${k + 1}_${j + 1}`;
        beams.push([
          [0x00081090, 'LO', c.machineModel],
          [0x300a00b2, 'SH', c.machineName ?? 'M1'],
          [0x300a00c0, 'IS', String(beamNumber)],
          [0x300a00c2, 'LO', name],
          [0x300a00ce, 'CS', 'TREATMENT'],
          [0x300a0111, 'SQ', [[[0x300a0112, 'IS', '0'], [0x300a012c, 'DS', `0\\0\\${-100 * k}`]]]],
        ]);
        const meterset = Math.round(dose * 10000) / 100;
        beamRefs.push([[0x300a0084, 'DS', dose.toFixed(4)], [0x300a0086, 'DS', String(meterset)], [0x300c0006, 'IS', String(beamNumber)]]);
        listed.push({ number: beamNumber, meterset, name });
      });
    });
    groupBeams.push(listed);
    const doseRefs: Item[] = [];
    if (c.fractionGroups) {
      c.targets.forEach((_, k) => {
        if (!((g.targetDosesGy[k] ?? 0) > 0)) return;
        const item: Item = [[0x300c0051, 'IS', String(k + 1)]];
        if (g.ownPrescription) item.push([0x300a0026, 'DS', String(g.targetDosesGy[k])]);
        doseRefs.push(item);
      });
    }
    groupItems.push([
      [0x300a0071, 'IS', String(gi + 1)],
      [0x300a0078, 'IS', String(g.fractions)],
      [0x300a0080, 'IS', String(listed.length)],
      [0x300c0004, 'SQ', beamRefs],
      ...(doseRefs.length ? ([[0x300c0050, 'SQ', doseRefs]] as Item) : []),
    ]);
  });
  const plan = patientElements(p, studyUid, uid(), c.planDate, 'RTPLAN', SOP.plan, planUid);
  plan.push(
    [0x00081090, 'LO', 'SynthTPS'],
    [0x300a0002, 'SH', c.label],
    [0x300a0003, 'LO', c.name ?? c.label],
    [0x300a0006, 'DA', c.planDate],
    [
      0x300a0010,
      'SQ',
      [
        ...c.targets.map(
          (t, i) =>
            [
              [0x30060084, 'IS', String(targetRoiNumbers[i])],
              [0x300a0012, 'IS', String(i + 1)],
              [0x300a0016, 'LO', t.description ?? t.roiName],
              [0x300a0020, 'CS', 'TARGET'],
              ...(t.noPrescription ? [] : ([[0x300a0026, 'DS', String(t.doseGy)]] as Item)),
            ] as Item,
        ),
        [
          [0x30060084, 'IS', '2'],
          [0x300a0012, 'IS', String(c.targets.length + 1)],
          [0x300a0016, 'LO', 'SpinalCord'],
          [0x300a0020, 'CS', 'ORGAN_AT_RISK'],
        ],
      ],
    ],
    [0x300a0070, 'SQ', groupItems],
    [0x300a00b0, 'SQ', beams],
    [0x300c0060, 'SQ', [[[0x00081150, 'UI', SOP.struct], [0x00081155, 'UI', structUid]]]],
    [0x300e0002, 'CS', c.approval ?? 'APPROVED'],
  );
  const start = c.fractionStart ?? 1;
  const sessions: SessionSpec[] = c.sessions ?? c.treatmentDates.map((date, i) => ({ date, fraction: start + i }));
  const recordSeries = uid();
  const records: Array<{ uid: string; dataSet: Element[] }> = [];
  for (const session of sessions) {
    const group = session.fractionGroup ?? 1;
    const planned = groupBeams[group - 1] ?? [];
    const deliveries: BeamDeliverySpec[] = session.beams ?? planned.map((b) => ({ beam: b.number }));
    const items: Item[] = deliveries.map((d) => {
      const b = planned.find((x) => x.number === d.beam) ?? { number: d.beam, meterset: 100, name: `B${d.beam}` };
      const status = d.status ?? 'NORMAL';
      const share = d.share ?? (status === 'NORMAL' ? 1 : 0.4);
      const delivered = Math.round(b.meterset * share * 100) / 100;
      return [
        [0x30080022, 'IS', String(session.fraction)],
        [0x3008002a, 'CS', status],
        [0x3008002c, 'CS', 'VERIFIED'],
        [0x30080032, 'DS', String(b.meterset)],
        [0x30080036, 'DS', String(delivered)],
        [0x30080040, 'SQ', [[[0x30080024, 'DA', session.date], [0x30080042, 'DS', '0'], [0x30080044, 'DS', '0']]]],
        [0x300a00c2, 'LO', b.name],
        [0x300a00ce, 'CS', d.continuation ? 'CONTINUATION' : 'TREATMENT'],
        [0x300c0006, 'IS', String(b.number)],
      ];
    });
    const perRecord = c.recordsPer === 'beam' ? items.map((item) => [item]) : [items];
    for (const beamItems of perRecord) {
      const sop = uid();
      const r = patientElements(p, studyUid, recordSeries, c.planDate, 'RTRECORD', SOP.record, sop);
      r.push(
        [0x30080020, 'SQ', beamItems],
        [0x30080250, 'DA', session.date],
        [0x300a0206, 'SQ', [[[0x00081090, 'LO', c.machineModel], [0x300a00b2, 'SH', c.machineName ?? 'M1']]]],
        [0x300c0002, 'SQ', [[[0x00081150, 'UI', SOP.plan], [0x00081155, 'UI', planUid]]]],
        [0x300c0022, 'IS', String(group)],
      );
      records.push({ uid: sop, dataSet: r });
    }
  }
  return { plan: { uid: planUid, dataSet: plan }, struct: { uid: structUid, dataSet: struct }, records };
}

export function writeAll(dir: string, objects: Array<{ uid: string; dataSet: Element[] }>, name: (o: { uid: string }, i: number) => string, options: WriteOptions = {}): void {
  objects.forEach((o, i) => writeDicom(join(dir, name(o, i)), o.dataSet, options));
}

/** YYYYMMDD shifted by days. */
export function shiftDate(yyyymmdd: string, days: number): string {
  const t = Date.UTC(Number(yyyymmdd.slice(0, 4)), Number(yyyymmdd.slice(4, 6)) - 1, Number(yyyymmdd.slice(6, 8))) + days * 86_400_000;
  return new Date(t).toISOString().slice(0, 10).replace(/-/g, '');
}
