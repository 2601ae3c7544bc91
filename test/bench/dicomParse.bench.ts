// Choice of DICOM header reader (issue 10 "Parsing parity with DCMTK"): the same files, held in
// memory, read up to Pixel Data by
//   - dicom-parser's parseDicom as the scanner used it before (no data dictionary),
//   - dicom-parser's parseDicom with a vrCallback backed by the dcmjs data dictionary,
//   - dcmjs's DicomMessage.readFile (a parser with a dictionary),
//   - electron/services/dicom/dataSetReader.ts (iterative, dcmjs dictionary), which the scan uses.
// Reports per reader: µs per file (median of 5 passes), files read, and the time to load the
// dictionary. Files: cohort-a, the pymedphys RT files, the pydicom samples, and four generated
// variants (implicit VR LE with mixed lengths, implicit VR BE, a meta without (0002,0010), and
// sequences nested 10,000 deep).
// Run: npx tsx test/bench/dicomParse.bench.ts
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import type { ParseDicomOptions } from 'dicom-parser';

const fixtures = fileURLToPath(new URL('../fixtures/dicom/', import.meta.url));

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
}

function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

async function main() {
  const t0 = performance.now();
  const { dictionary } = await import('dcmjs/dictionary');
  const dictionaryImportMs = performance.now() - t0;
  const t1 = performance.now();
  const { dictionaryVr, dictionarySize } = await import('../../electron/services/dicom/dataDictionary');
  dictionaryVr(0x30080020);
  const dictionaryBuildMs = performance.now() - t1;
  const t2 = performance.now();
  const dcmjs = (await import('dcmjs')).default as unknown as {
    data: { DicomMessage: { readFile(buffer: ArrayBuffer, options: object): { dict: Record<string, unknown> } } };
  };
  const dcmjsImportMs = performance.now() - t2;
  // dcmjs logs every oddity it meets through loglevel; silenced so the output stays one JSON document.
  (dcmjs as unknown as { log: { setLevel(level: string): void } }).log.setLevel('silent');
  const dicomParser = (await import('dicom-parser')).default;
  const { readDataSet } = await import('../../electron/services/dicom/dataSetReader');

  const sets = {
    'cohort-a': walk(join(fixtures, 'cohort-a')),
    'real-pymedphys': walk(join(fixtures, 'real-pymedphys')).filter((f) => f.endsWith('.dcm') || !f.includes('.')),
    'pydicom-samples': walk(join(fixtures, 'pydicom-samples')).filter((f) => !f.endsWith('.txt')),
  };
  const vrCallback = (tag: string) => {
    const vr = dictionaryVr(parseInt(tag.slice(1), 16) >>> 0);
    return vr === 'SQ' ? 'SQ' : vr === undefined ? undefined : vr;
  };
  const sopInstance = (ds: { string(tag: string): string | undefined }) => ds.string('x00080018');
  // Raw data sets (no preamble/meta) get the transfer syntax the scanner used to sniff for them.
  const rawSyntax = (bytes: Uint8Array) =>
    bytes.length > 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d
      ? undefined
      : /^[A-Z]{2}$/.test(String.fromCharCode(bytes[4], bytes[5]))
        ? '1.2.840.10008.1.2.1'
        : '1.2.840.10008.1.2';
  const readers: Record<string, (bytes: Uint8Array) => boolean> = {
    'dicom-parser (no dictionary)': (bytes) => {
      const ds = dicomParser.parseDicom(bytes, { untilTag: 'x7fe00010', TransferSyntaxUID: rawSyntax(bytes) } as ParseDicomOptions);
      return Boolean(sopInstance(ds)) && !ds.warnings.some((w) => /eof/i.test(w));
    },
    'dicom-parser + vrCallback (dcmjs dictionary)': (bytes) => {
      const ds = dicomParser.parseDicom(bytes, { untilTag: 'x7fe00010', vrCallback, TransferSyntaxUID: rawSyntax(bytes) } as ParseDicomOptions);
      return Boolean(sopInstance(ds)) && !ds.warnings.some((w) => /eof/i.test(w));
    },
    'dcmjs DicomMessage.readFile': (bytes) => {
      const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
      const message = dcmjs.data.DicomMessage.readFile(buffer, { untilTag: '7FE00010', ignoreErrors: true });
      return '00080018' in message.dict;
    },
    'dataSetReader (this project)': (bytes) => {
      const r = readDataSet(bytes, bytes.length);
      return r !== 'need-more' && r.kind === 'dataset' && Boolean(sopInstance(r.dataSet));
    },
  };
  // Generated: the variants the issue names (see test/unit/dicom/encodings.test.ts for their checks).
  const { encodeDicom, rtCourse } = await import('../unit/dicom/dicomWriter');
  const course = rtCourse(
    { patientId: 'B1', name: 'BENCH^ONE', birthDate: '19600101', sex: 'F' },
    { planDate: '20240101', label: 'L1', fractions: 5, targets: [{ roiName: 'PTV_L1', doseGy: 20 }], machineModel: 'TrueBeam', treatmentDates: ['20240102'] },
  );
  const record = course.records[0].dataSet;
  const nested = (depth: number) => {
    // (0009,1010) private sequences nested `depth` deep, implicit VR, undefined lengths.
    const open = [0x09, 0x00, 0x10, 0x10, 0xff, 0xff, 0xff, 0xff, 0xfe, 0xff, 0x00, 0xe0, 0xff, 0xff, 0xff, 0xff];
    const close = [0xfe, 0xff, 0x0d, 0xe0, 0, 0, 0, 0, 0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0];
    const body = encodeDicom(record, { encoding: 'implicitLE', noMeta: true });
    const head = encodeDicom(record.filter((e) => e[0] >>> 16 === 0x0008), { encoding: 'implicitLE', noMeta: true }).length;
    return Buffer.concat([body.subarray(0, head), Buffer.from(Array.from({ length: depth }, () => open).flat()), Buffer.from(Array.from({ length: depth }, () => close).flat()), body.subarray(head)]);
  };
  const generated: Uint8Array[] = [
    encodeDicom(record, { encoding: 'implicitLE', sequenceLengths: 'alternate' }),
    encodeDicom(record, { encoding: 'implicitBE', noMeta: true, sequenceLengths: 'undefined' }),
    encodeDicom(record, { encoding: 'implicitLE', omitMeta: [0x00020010] }),
    nested(10_000),
  ];
  const results: Record<string, Record<string, { files: number; read: number; microsecondsPerFile: number }>> = {};
  for (const [setName, files] of [...Object.entries(sets), ['generated: implicit LE mixed lengths, implicit BE, meta without TS, 10,000-deep nesting', []] as const]) {
    const data = files.length ? files.map((f) => new Uint8Array(readFileSync(f))) : generated;
    for (const [name, read] of Object.entries(readers)) {
      let ok = 0;
      const times: number[] = [];
      for (let pass = 0; pass < 5; pass++) {
        ok = 0;
        const s = performance.now();
        for (const bytes of data) {
          try {
            if (read(bytes)) ok++;
          } catch {
            // counted as not read
          }
        }
        times.push(performance.now() - s);
      }
      times.sort((a, b) => a - b);
      (results[name] ??= {})[setName] = { files: data.length, read: ok, microsecondsPerFile: round((times[2] * 1000) / data.length) };
    }
  }
  process.stdout.write(
    `${JSON.stringify(
      {
        benchmark: 'dicomParse',
        node: process.version,
        dictionary: {
          entries: Object.keys(dictionary).length,
          standardTagsKept: dictionarySize(),
          importMs: round(dictionaryImportMs),
          buildTagToVrMapMs: round(dictionaryBuildMs),
          dcmjsWholePackageImportMs: round(dcmjsImportMs),
        },
        readers: results,
      },
      null,
      2,
    )}\n`,
  );
}

await main();
