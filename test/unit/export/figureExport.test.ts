// Figure export checked with independent readers: poppler (pdffonts, pdfimages, pdfinfo, pdftotext),
// sharp's metadata reader, resvg's SVG parser and a strict XML tag checker; risk-table numbers
// against the KM engine; no source identifier in any exported file.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { Resvg } from '@resvg/resvg-js';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../electron/cli/main';
import { readCsvTable } from '../../../electron/services/analysis/csvTable';
import { EXPORT_SCALE, exportFigure, renderFigureSvg } from '../../../electron/services/export/figureExport';
import { measureFigureText } from '../../../electron/services/export/figureFont';
import { makeProvenance } from '../../../electron/services/export/provenance';
import { PRESETS, mmToPt } from '../../../shared/charts/journalStyle';
import { kaplanMeierChart } from '../../../shared/charts/kaplanMeierChart';
import { kaplanMeierByGroup, survivalAt } from '../../../shared/stats/kaplanMeier';

const FIXTURE = join(__dirname, '../../fixtures/export/cohort.csv');
let dir: string;

async function cli(args: string[]): Promise<{ code: number; json: Record<string, unknown>; stderr: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) } });
  return { code, json: code === 0 ? JSON.parse(out) : {}, stderr: err };
}

/** Well-formed XML: every tag closed in order, attributes quoted, one root. */
function assertWellFormedXml(xml: string): void {
  const body = xml
    .replace(/^<\?xml[^?]*\?>\s*/, '')
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, '');
  const stack: string[] = [];
  let roots = 0;
  const tag = /<(\/?)([A-Za-z_][\w:.-]*)((?:\s+[\w:.-]+\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>/g;
  let last = 0;
  for (let m = tag.exec(body); m; m = tag.exec(body)) {
    const between = body.slice(last, m.index);
    expect(between.includes('<'), `stray '<' before offset ${m.index}`).toBe(false);
    last = tag.lastIndex;
    const [, close, name, , selfClose] = m;
    if (close) expect(stack.pop(), `closing </${name}>`).toBe(name);
    else if (!selfClose) {
      if (stack.length === 0) roots++;
      stack.push(name);
    } else if (stack.length === 0) roots++;
  }
  expect(body.slice(last).trim()).toBe('');
  expect(stack).toEqual([]);
  expect(roots).toBe(1);
}

/** ASCII tags of the last TIFF read by tiffTags. */
const descriptions = new Map<number, string>();

/** Tags of the first IFD of a TIFF (SHORT, LONG and RATIONAL values), read straight from the bytes. */
function tiffTags(buf: Buffer): Map<number, number[]> {
  const le = buf.toString('latin1', 0, 2) === 'II';
  const u16 = (o: number) => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  expect(u16(2)).toBe(42);
  const ifd = u32(4);
  const tags = new Map<number, number[]>();
  for (let i = 0; i < u16(ifd); i++) {
    const e = ifd + 2 + i * 12;
    const [tag, type, count] = [u16(e), u16(e + 2), u32(e + 4)];
    if (type === 2) descriptions.set(tag, buf.toString('latin1', count > 4 ? u32(e + 8) : e + 8, (count > 4 ? u32(e + 8) : e + 8) + count - 1));
    if (count !== 1) continue;
    if (type === 3) tags.set(tag, [u16(e + 8)]);
    else if (type === 4) tags.set(tag, [u32(e + 8)]);
    else if (type === 5) {
      const off = u32(e + 8);
      tags.set(tag, [Math.round((u32(off) / u32(off + 4)) * 1000) / 1000]);
    }
  }
  return tags;
}

const IDENTIFIERS = (() => {
  const t = readCsvTable(FIXTURE);
  const f = t.select(['mrn', 'name', 'birthDate']);
  return [...f.strings('mrn'), ...f.strings('name'), ...f.strings('birthDate'), 'cohort.csv', FIXTURE];
})();

function leakedIdentifiers(bytes: Buffer): string[] {
  const latin = bytes.toString('latin1');
  return IDENTIFIERS.filter((id) => latin.includes(id));
}

describe('figure export (rtcw figure)', () => {
  const files: Record<string, string> = {};
  const results: Record<string, Record<string, unknown>> = {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rtcw-figure-'));
    const base = ['--data', FIXTURE, '--time', 'time'];
    const runs: Array<[string, string[]]> = [
      ['km.svg', ['km', ...base, '--event', 'event', '--group', 'targeted', '--ci']],
      ['km.pdf', ['km', ...base, '--event', 'event', '--group', 'targeted', '--risk-table', 'kmunicate']],
      ['km.png', ['km', ...base, '--event', 'event', '--group', 'targeted', '--dpi', '600']],
      ['km.tiff', ['km', ...base, '--event', 'event', '--group', 'targeted', '--dpi', '600']],
      ['km-double.pdf', ['km', ...base, '--event', 'event', '--group', 'ecog', '--preset', 'double', '--palette', 'grey']],
      ['cif.pdf', ['cif', ...base, '--status', 'status', '--group', 'targeted', '--ci']],
      ['cif.tiff', ['cif', ...base, '--status', 'status', '--group', 'targeted', '--dpi', '300']],
      ['forest.pdf', ['forest', ...base, '--event', 'event', '--covariates', 'targeted,ecog,age', '--factors', 'targeted,ecog']],
      ['forest.png', ['forest', ...base, '--event', 'event', '--covariates', 'targeted,ecog,age', '--factors', 'targeted,ecog', '--dpi', '300']],
      ['forest.svg', ['forest', ...base, '--event', 'event', '--covariates', 'targeted,ecog,age', '--factors', 'targeted,ecog']],
    ];
    for (const [name, args] of runs) {
      const out = join(dir, name);
      const r = await cli(['figure', ...args, '--out', out]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      files[name] = out;
      results[name] = r.json;
    }
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('PDF: vector only, font embedded, page = preset size', () => {
    for (const name of ['km.pdf', 'km-double.pdf', 'cif.pdf', 'forest.pdf']) {
      const fonts = execFileSync('pdffonts', [files[name]], { encoding: 'utf8' }).trim().split('\n').slice(2);
      expect(fonts.length, name).toBeGreaterThan(0);
      for (const line of fonts) {
        expect(line, name).toMatch(/LiberationSans/);
        // columns: name type encoding emb sub uni → emb must be "yes"
        expect(line.split(/\s+/).slice(-5, -2)[0], `${name}: ${line}`).toBe('yes');
      }
      const images = execFileSync('pdfimages', ['-list', files[name]], { encoding: 'utf8' }).trim().split('\n').slice(2);
      expect(images, name).toEqual([]);
      const info = execFileSync('pdfinfo', [files[name]], { encoding: 'utf8' });
      const [, w, h] = /Page size:\s+([\d.]+) x ([\d.]+) pts/.exec(info) ?? [];
      const widthMm = name.includes('double') ? 174 : 85;
      expect(Number(w)).toBeCloseTo(mmToPt(widthMm), 2);
      expect(Number(h)).toBeCloseTo(mmToPt(results[name].heightMm as number), 2);
      expect(info).toMatch(/datasetFingerprint=[0-9a-f]{64}/);
    }
  });

  it('TIFF: LZW, 600 dpi recorded, single column = 2008 px wide, RGB flattened', async () => {
    const meta = await sharp(files['km.tiff']).metadata();
    expect(meta.format).toBe('tiff');
    const tags = tiffTags(readFileSync(files['km.tiff']));
    expect(tags.get(259)).toEqual([5]); // Compression = LZW
    expect(tags.get(296)).toEqual([2]); // ResolutionUnit = inch
    expect(tags.get(282)).toEqual([600]); // XResolution
    expect(tags.get(283)).toEqual([600]); // YResolution
    expect(tags.get(256)).toEqual([2008]); // ImageWidth
    expect(descriptions.get(270)).toMatch(/^RT Cohort Workstation [\d.]+; analysis spec sha256:[0-9a-f]{64}; dataset sha256:[0-9a-f]{64}$/);
    const pixels = await sharp(files['km.tiff']).raw().toBuffer({ resolveWithObject: true });
    expect(pixels.info.width * pixels.info.height * 3).toBe(pixels.data.length);
    expect(Math.min(...pixels.data.subarray(0, 3 * 2008))).toBe(255); // top row: white background
    expect(meta.width).toBe(2008);
    expect(meta.density).toBe(600);
    expect(meta.resolutionUnit).toBe('inch');
    expect(meta.channels).toBe(3);
    expect(meta.hasAlpha).toBe(false);
    expect(Buffer.from(meta.xmp as Buffer).toString('utf8')).toMatch(/rtcw:analysisSpecHash="[0-9a-f]{64}"/);
    const meta300 = await sharp(files['cif.tiff']).metadata();
    expect(meta300.width).toBe(Math.round((85 / 25.4) * 300));
    expect(meta300.density).toBe(300);
  });

  it('PNG: 2008 px at 600 dpi, pHYs dpi and provenance text, no alpha', async () => {
    const meta = await sharp(files['km.png']).metadata();
    expect(meta.width).toBe(2008);
    expect(meta.density).toBe(600);
    expect(meta.hasAlpha).toBe(false);
    const png = readFileSync(files['km.png']);
    const chunks: Record<string, Buffer[]> = {};
    for (let p = 8; p < png.length; ) {
      const len = png.readUInt32BE(p);
      const type = png.toString('latin1', p + 4, p + 8);
      (chunks[type] ??= []).push(png.subarray(p + 8, p + 8 + len));
      p += 12 + len;
    }
    const text = chunks.tEXt.map((c) => c.toString('latin1')).join('\n');
    expect(text).toMatch(/Description\0RT Cohort Workstation [\d.]+; analysis spec sha256:[0-9a-f]{64}; dataset sha256:[0-9a-f]{64}/);
    const itxt = chunks.iTXt[0];
    const xmp = inflateSync(itxt.subarray(itxt.indexOf('\0\u0001\0\0\0', 0, 'latin1') + 5)).toString('utf8');
    expect(xmp).toContain(`rtcw:datasetFingerprint="${(results['km.png'].provenance as { datasetFingerprint: string }).datasetFingerprint}"`);
  });

  it('SVG: well-formed, parsed by resvg, sized in mm, text kept as text, provenance metadata', () => {
    for (const name of ['km.svg', 'forest.svg']) {
      const svg = readFileSync(files[name], 'utf8');
      assertWellFormedXml(svg);
      const r = new Resvg(svg, { font: { loadSystemFonts: false } });
      expect(r.width).toBeGreaterThan(0);
      expect(svg).toMatch(/<svg width="85mm" height="[\d.]+mm"/);
      expect(svg).toMatch(/<metadata><rtcw:provenance [^>]*analysisSpecHash="[0-9a-f]{64}"/);
      expect(svg).toMatch(/<text[^>]*>HR \(95% CI\)<\/text>|<text[^>]*>Number at risk \(patients\)<\/text>/);
      expect(svg).not.toMatch(/<image/);
    }
  });

  it('risk-table numbers equal the KM engine at every tick and sit under their tick labels', () => {
    const t = readCsvTable(FIXTURE);
    const f = t.select(['time', 'event', 'targeted']);
    const g = f.factor('targeted');
    const curves = kaplanMeierByGroup(f.time('time'), f.event('event'), g.codes, g.levels.length);
    const figure = kaplanMeierChart(
      { curves: curves.map((curve, i) => ({ label: g.levels[i], curve })), endpoint: 'Local control', riskTable: 'basic' },
      { preset: PRESETS.single, measureText: measureFigureText, scale: EXPORT_SCALE },
    );
    const table = figure.riskTable!;
    expect(table.ticks.length).toBeGreaterThanOrEqual(4);
    curves.forEach((curve, i) => {
      expect(table.rows[i].values).toEqual(survivalAt(curve, table.ticks).map((s) => s.nRisk));
    });
    // The CLI printed the same numbers.
    expect((results['km.png'].riskTable as typeof table).rows.map((r) => r.values)).toEqual(table.rows.map((r) => r.values));

    // In the rendered SVG each count is centred exactly under its tick label.
    const svg = renderFigureSvg(figure, makeProvenance({}, {}));
    const texts = [...svg.matchAll(/<text[^>]*transform="translate\(([\d.]+) ([\d.]+)\)"[^>]*>([^<]*)<\/text>/g)].map((m) => ({
      x: Number(m[1]),
      y: Number(m[2]),
      text: m[3],
    }));
    const tableTitle = texts.find((x) => x.text.startsWith('Number at risk'))!;
    const labelY = Math.max(...texts.filter((x) => x.y < tableTitle.y && table.ticks.map(String).includes(x.text)).map((x) => x.y));
    const tickX = table.ticks.map((tick) => texts.find((x) => x.y === labelY && x.text === String(tick))!.x);
    const rowYs = [...new Set(texts.filter((x) => x.y > tableTitle.y).map((x) => x.y))].sort((a, b) => a - b);
    table.rows.forEach((row, i) => {
      const cells = texts.filter((x) => x.y === rowYs[i] && /^\d+$/.test(x.text)).sort((a, b) => a.x - b.x);
      expect(cells.map((c) => Number(c.text))).toEqual(row.values);
      cells.forEach((c, k) => expect(Math.abs(c.x - tickX[k])).toBeLessThan(0.5));
    });
  });

  it('writes no identifier, name, birth date or path of the source data into any file', () => {
    for (const [name, path] of Object.entries(files)) {
      const bytes = readFileSync(path);
      expect(leakedIdentifiers(bytes), name).toEqual([]);
      if (name.endsWith('.pdf')) {
        const text = execFileSync('pdftotext', [path, '-'], { encoding: 'utf8' });
        expect(IDENTIFIERS.filter((id) => text.includes(id)), name).toEqual([]);
        expect(text).toMatch(/Time \(months\)|Hazard ratio/);
      }
    }
  });

  it('rejects bad options with exit code 2 and a one-line message', async () => {
    const bad = await cli(['figure', 'km', '--data', FIXTURE, '--time', 'time', '--event', 'event', '--out', join(dir, 'x.png'), '--dpi', '500']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--dpi must be one of 300, 600, 1200/);
    const id = await cli(['figure', 'km', '--data', FIXTURE, '--time', 'time', '--event', 'event', '--group', 'mrn', '--out', join(dir, 'x.svg')]);
    expect(id.code).toBe(2);
    expect(id.stderr).toMatch(/--group mrn has 160 distinct values/);
    const ext = await cli(['figure', 'km', '--data', FIXTURE, '--time', 'time', '--event', 'event', '--out', join(dir, 'x.jpg')]);
    expect(ext.code).toBe(2);
    expect(ext.stderr).toMatch(/--out must end in/);
  });

  it('honours --x-max, --x-step, --time-unit, --risk-table none and --dpi 1200 from the command line', async () => {
    const out = join(dir, 'km-axis.svg');
    const r = await cli(['figure', 'km', '--data', FIXTURE, '--time', 'time', '--event', 'event', '--group', 'targeted', '--x-max', '24', '--x-step', '3', '--time-unit', 'weeks', '--out', out]);
    expect(r.code).toBe(0);
    expect((r.json.riskTable as { ticks: number[] }).ticks).toEqual([0, 3, 6, 9, 12, 15, 18, 21, 24]);
    const svg = readFileSync(out, 'utf8');
    expect(svg).toContain('Time (weeks)');
    expect(svg).toContain('Number at risk');
    // The HR annotation names its reference group (second group vs first, as coxph on a 0/1 group).
    expect(svg).toMatch(/HR [0-9.]+ \(95% CI [^)]*\)/);
    expect(svg).toContain('None vs Concurrent');
    const none = await cli(['figure', 'cif', '--data', FIXTURE, '--time', 'time', '--status', 'status', '--risk-table', 'none', '--preset', 'double', '--dpi', '1200', '--out', join(dir, 'cif-none.tiff')]);
    expect(none.code).toBe(0);
    expect(none.json.riskTable).toBeUndefined();
    expect(none.json.widthPx).toBe(8220);
  });

  it('exports the same option identically sized in every format (1200 dpi PNG = 4016 px)', async () => {
    const t = readCsvTable(FIXTURE);
    const f = t.select(['time', 'event']);
    const figure = kaplanMeierChart(
      { curves: [{ label: 'All', curve: kaplanMeierByGroup(f.time('time'), f.event('event'), new Int32Array(f.n), 1)[0] }], endpoint: 'Overall survival' },
      { preset: PRESETS.single, measureText: measureFigureText, scale: EXPORT_SCALE },
    );
    const png = await exportFigure(figure, makeProvenance({}, {}), { format: 'png', dpi: 1200 });
    expect(png.widthPx).toBe(4016);
    expect((await sharp(png.data).metadata()).density).toBe(1200);
  });
});
