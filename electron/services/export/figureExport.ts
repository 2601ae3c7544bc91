// Figure export: the same ECharts option the app shows, rendered by ECharts' server-side SVG renderer,
// then SVG → vector PDF (PDFKit + svg-to-pdfkit, bundled font embedded), SVG → PNG (resvg with the
// bundled font, flattened on white, pHYs dpi) and PNG → LZW TIFF (sharp, resolution recorded).
// Every file carries the provenance (version, analysis spec hash, dataset fingerprint).
import { writeFileSync } from 'node:fs';
import { deflateSync, crc32 } from 'node:zlib';
import { Resvg } from '@resvg/resvg-js';
import * as echarts from 'echarts';
import PDFDocument from 'pdfkit';
import sharp from 'sharp';
import SVGtoPDF from 'svg-to-pdfkit';
import type { ChartFigure } from '../../../shared/charts/stepCurveFigure';
import { FIGURE_FONT_FAMILY, pixelsForMm } from '../../../shared/charts/journalStyle';
import { centralBaselineEm, fontFiles, useFigureFontForEcharts } from './figureFont';
import { provenanceSvgMetadata, provenanceText, provenanceXmp, type Provenance } from './provenance';

export type FigureFormat = 'svg' | 'pdf' | 'png' | 'tiff';
export const FIGURE_FORMATS: readonly FigureFormat[] = ['svg', 'pdf', 'png', 'tiff'];
export const FIGURE_DPI = [300, 600, 1200] as const;

/** Option units per point used for export: large, so zrender's half-unit line snapping is invisible. */
export const EXPORT_SCALE = 10;

const round = (v: number, d = 3) => Number(v.toFixed(d));

/**
 * zrender writes text with dominant-baseline="central", which Illustrator and Office ignore (the text
 * would drop by a third of an em when the figure is edited). Move every such text to the alphabetic
 * baseline with the bundled font's metrics: same rendering everywhere, editable anywhere.
 */
export function alphabeticBaselines(svg: string): string {
  const k = centralBaselineEm();
  return svg.replace(/<text\b([^>]*)>/g, (whole, attrs: string) => {
    if (!/dominant-baseline="central"/.test(attrs)) return whole;
    const size = Number(/font-size:\s*([\d.]+)px/.exec(attrs)?.[1] ?? NaN);
    if (!Number.isFinite(size)) return whole;
    const y0 = Number(/\sy="(-?[\d.e+-]+)"/.exec(attrs)?.[1] ?? 0);
    const y = round(y0 + k * size, 4);
    let next = attrs.replace(/\s*dominant-baseline="central"/, '');
    next = /\sy="[^"]*"/.test(next) ? next.replace(/\sy="[^"]*"/, ` y="${y}"`) : `${next} y="${y}"`;
    return `<text${next}>`;
  });
}

/**
 * Standalone SVG of the figure, sized in millimetres (viewBox in option units), with provenance in
 * <metadata>. Text stays text (editable in Illustrator/Inkscape).
 */
export function renderFigureSvg(figure: ChartFigure, provenance: Provenance): string {
  useFigureFontForEcharts();
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: figure.width, height: figure.height });
  try {
    chart.setOption(figure.option);
    const raw = alphabeticBaselines(chart.renderToSVGString());
    return raw
      // Hover styles and hydration attributes are for interactive SSR pages, not for a figure file.
      .replace(/<style\s*><!\[CDATA\[[^\]]*?:hover[\s\S]*?\]\]>\s*<\/style>\n?/g, '')
      .replace(/ ecmeta_[a-z_]+="[^"]*"/g, '')
      .replace(/^<svg width="[^"]*" height="[^"]*"/, `<svg width="${round(figure.widthMm)}mm" height="${round(figure.heightMm)}mm"`)
      .replace(/^(<svg[^>]*>)/, `<?xml version="1.0" encoding="UTF-8"?>\n$1\n${provenanceSvgMetadata(provenance)}`);
  } finally {
    chart.dispose();
  }
}

/** Figure size in PDF points. */
function sizePt(figure: ChartFigure): [number, number] {
  return [(figure.widthMm / 25.4) * 72, (figure.heightMm / 25.4) * 72];
}

/** Vector PDF, page = figure size, font embedded (subset), no raster images. */
export function svgToPdf(svg: string, figure: ChartFigure, provenance: Provenance): Promise<Buffer> {
  const [w, h] = sizePt(figure);
  const doc = new PDFDocument({
    size: [w, h],
    margin: 0,
    autoFirstPage: true,
    info: {
      Title: 'Figure',
      Creator: `${provenance.software} ${provenance.appVersion}`,
      Producer: `${provenance.software} ${provenance.appVersion} (PDFKit)`,
      Subject: provenanceText(provenance),
      Keywords: `appVersion=${provenance.appVersion}; analysisSpecHash=${provenance.analysisSpecHash}; datasetFingerprint=${provenance.datasetFingerprint}`,
    },
  });
  doc.registerFont('FigureRegular', fontFiles.regular());
  doc.registerFont('FigureBold', fontFiles.bold());
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  SVGtoPDF(doc, svg, 0, 0, {
    width: w,
    height: h,
    assumePt: true,
    preserveAspectRatio: 'none',
    fontCallback: (_family: string, bold: boolean) => (bold ? 'FigureBold' : 'FigureRegular'),
  });
  doc.end();
  return done;
}

/** Raster of the SVG at `dpi`, width = mm / 25.4 × dpi, flattened on white (RGB, no alpha). */
export async function svgToRaster(svg: string, figure: ChartFigure, dpi: number): Promise<{ data: Buffer; width: number; height: number }> {
  const width = pixelsForMm(figure.widthMm, dpi);
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'width', value: width },
    background: '#ffffff',
    font: {
      // resvg is native and cannot read inside app.asar: the fonts are unpacked beside it.
      fontFiles: [fontFiles.regular(), fontFiles.bold()].map((f) => f.replace(/app\.asar([\\/])/, 'app.asar.unpacked$1')),
      loadSystemFonts: false,
      defaultFontFamily: FIGURE_FONT_FAMILY,
      sansSerifFamily: FIGURE_FONT_FAMILY,
    },
    shapeRendering: 2,
    textRendering: 1,
  });
  const rendered = resvg.render();
  const png = rendered.asPng();
  const { data, info } = await sharp(png).flatten({ background: '#ffffff' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

function pngChunk(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), body])) >>> 0, 0);
  return Buffer.concat([head, body, crc]);
}

/** Replaces/sets the PNG's pHYs (pixels per metre) and adds tEXt + iTXt (XMP) provenance chunks. */
export function stampPng(png: Buffer, dpi: number, provenance: Provenance): Buffer {
  const parts: Buffer[] = [png.subarray(0, 8)];
  const ppm = Math.round(dpi / 0.0254);
  const phys = Buffer.alloc(9);
  phys.writeUInt32BE(ppm, 0);
  phys.writeUInt32BE(ppm, 4);
  phys.writeUInt8(1, 8); // unit: metre
  let pos = 8;
  while (pos < png.length) {
    const len = png.readUInt32BE(pos);
    const type = png.toString('latin1', pos + 4, pos + 8);
    const chunk = png.subarray(pos, pos + 12 + len);
    pos += 12 + len;
    if (type === 'pHYs' || type === 'tEXt' || type === 'iTXt' || type === 'zTXt') continue;
    if (type === 'IDAT' && !parts.some((p) => p.toString('latin1', 4, 8) === 'pHYs')) {
      parts.push(pngChunk('pHYs', phys));
      parts.push(pngChunk('tEXt', Buffer.from(`Software\u0000${provenance.software} ${provenance.appVersion}`, 'latin1')));
      parts.push(pngChunk('tEXt', Buffer.from(`Description\u0000${provenanceText(provenance)}`, 'latin1')));
      const xmp = Buffer.from(provenanceXmp(provenance), 'utf8');
      // iTXt: keyword, 0, compression flag 1 (zlib), method 0, language "", 0, translated "", 0, text.
      parts.push(pngChunk('iTXt', Buffer.concat([Buffer.from('XML:com.adobe.xmp\u0000\u0001\u0000\u0000\u0000', 'latin1'), deflateSync(xmp)])));
    }
    parts.push(chunk);
  }
  return Buffer.concat(parts);
}

export async function rasterToPng(raster: { data: Buffer; width: number; height: number }, dpi: number, provenance: Provenance): Promise<Buffer> {
  const png = await sharp(raster.data, { raw: { width: raster.width, height: raster.height, channels: 3 } })
    .png({ compressionLevel: 9, adaptiveFiltering: true })
    .toBuffer();
  return stampPng(png, dpi, provenance);
}

/**
 * Sets the TIFF's ImageDescription (tag 270) in the first IFD: libvips does not write it, so the
 * directory is rewritten at the end of the file with the tag added (every existing value stays where
 * it is, so all offsets remain valid) and the header points to it.
 */
export function setTiffImageDescription(tiff: Buffer, description: string): Buffer {
  const le = tiff.toString('latin1', 0, 2) === 'II';
  const u16 = (o: number) => (le ? tiff.readUInt16LE(o) : tiff.readUInt16BE(o));
  const u32 = (o: number) => (le ? tiff.readUInt32LE(o) : tiff.readUInt32BE(o));
  const ifd = u32(4);
  const count = u16(ifd);
  const entries: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const e = tiff.subarray(ifd + 2 + i * 12, ifd + 14 + i * 12);
    if (u16(ifd + 2 + i * 12) !== 270) entries.push(Buffer.from(e));
  }
  const nextIfd = u32(ifd + 2 + count * 12);
  const text = Buffer.from(`${description.replace(/[^\x20-\x7e]/g, '?')}\0`, 'latin1');
  const textAt = tiff.length + (tiff.length % 2);
  const dirAt = textAt + text.length + ((textAt + text.length) % 2);
  const entry = Buffer.alloc(12);
  const w16 = (b: Buffer, v: number, o: number) => (le ? b.writeUInt16LE(v, o) : b.writeUInt16BE(v, o));
  const w32 = (b: Buffer, v: number, o: number) => (le ? b.writeUInt32LE(v, o) : b.writeUInt32BE(v, o));
  w16(entry, 270, 0);
  w16(entry, 2, 2); // ASCII
  w32(entry, text.length, 4);
  w32(entry, textAt, 8);
  entries.push(entry);
  const tagOf = (e: Buffer) => (le ? e.readUInt16LE(0) : e.readUInt16BE(0));
  entries.sort((a, b) => tagOf(a) - tagOf(b));
  const dir = Buffer.alloc(2 + entries.length * 12 + 4);
  w16(dir, entries.length, 0);
  entries.forEach((e, i) => e.copy(dir, 2 + i * 12));
  w32(dir, nextIfd, 2 + entries.length * 12);
  const out = Buffer.concat([tiff, Buffer.alloc(textAt - tiff.length), text, Buffer.alloc(dirAt - textAt - text.length), dir]);
  w32(out, dirAt, 4);
  return out;
}

/**
 * LZW-compressed RGB TIFF with X/YResolution = dpi (sharp takes pixels per mm); provenance in the
 * ImageDescription tag and an XMP packet.
 */
export async function rasterToTiff(raster: { data: Buffer; width: number; height: number }, dpi: number, provenance: Provenance): Promise<Buffer> {
  const tiff = await sharp(raster.data, { raw: { width: raster.width, height: raster.height, channels: 3 } })
    .withXmp(provenanceXmp(provenance))
    .tiff({ compression: 'lzw', predictor: 'horizontal', xres: dpi / 25.4, yres: dpi / 25.4, resolutionUnit: 'inch' })
    .toBuffer();
  return setTiffImageDescription(tiff, provenanceText(provenance));
}

export interface FigureFileOptions {
  format: FigureFormat;
  dpi?: number;
}

export interface ExportedFigure {
  data: Buffer;
  format: FigureFormat;
  /** Raster formats: pixel size and the dpi recorded in the file. */
  widthPx?: number;
  heightPx?: number;
  dpi?: number;
}

/** The figure as file bytes in the requested format. */
export async function exportFigure(figure: ChartFigure, provenance: Provenance, options: FigureFileOptions): Promise<ExportedFigure> {
  const svg = renderFigureSvg(figure, provenance);
  const dpi = options.dpi ?? 600;
  const { format } = options;
  if (format === 'svg') return { data: Buffer.from(svg, 'utf8'), format };
  if (format === 'pdf') return { data: await svgToPdf(svg, figure, provenance), format };
  const raster = await svgToRaster(svg, figure, dpi);
  const data = format === 'png' ? await rasterToPng(raster, dpi, provenance) : await rasterToTiff(raster, dpi, provenance);
  return { data, format, widthPx: raster.width, heightPx: raster.height, dpi };
}

export async function writeFigureFile(path: string, figure: ChartFigure, provenance: Provenance, options: FigureFileOptions): Promise<ExportedFigure> {
  const exported = await exportFigure(figure, provenance, options);
  writeFileSync(path, exported.data);
  return exported;
}

export function figureFormatFromPath(path: string): FigureFormat | null {
  const m = /\.(svg|pdf|png|tiff?)$/i.exec(path);
  if (!m) return null;
  const ext = m[1].toLowerCase();
  return ext === 'tif' ? 'tiff' : (ext as FigureFormat);
}
