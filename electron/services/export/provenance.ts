// Provenance stamped into every exported figure and table: which build, which analysis, which data.
// Only hashes and the version are recorded — never a patient identifier, file path or data value.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Provenance {
  software: string;
  appVersion: string;
  /** SHA-256 of the canonical JSON of the analysis specification (figure/table kind and options). */
  analysisSpecHash: string;
  /** SHA-256 over the analysed columns' values (after missing-value removal), in row order. */
  datasetFingerprint: string;
  /** The analysis filters in words (shared/api/analysis describeFilter), when there are any (issue 16). */
  filters?: string;
}

let version: string | null = null;

export function appVersion(): string {
  if (version === null) {
    try {
      const here = dirname(fileURLToPath(import.meta.url));
      version = (JSON.parse(readFileSync(resolve(here, '../../../package.json'), 'utf8')) as { version: string }).version;
    } catch {
      version = 'unknown';
    }
  }
  return version;
}

/** JSON with object keys sorted at every level, so equal specifications hash equally. */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (ArrayBuffer.isView(value)) return canonicalJson(Array.from(value as unknown as ArrayLike<number>));
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function analysisSpecHash(spec: unknown): string {
  return createHash('sha256').update(canonicalJson(spec)).digest('hex');
}

/** Fingerprint of the analysed data: column names and values in row order. */
export function datasetFingerprint(columns: Record<string, ArrayLike<number | string | null>>): string {
  const hash = createHash('sha256');
  for (const name of Object.keys(columns).sort()) {
    hash.update(`${name}\u0000`);
    const col = columns[name];
    for (let i = 0; i < col.length; i++) hash.update(`${col[i] === null ? 'NA' : String(col[i])}\u0001`);
    hash.update('\u0002');
  }
  return hash.digest('hex');
}

export function makeProvenance(spec: unknown, columns: Record<string, ArrayLike<number | string | null>>): Provenance {
  return {
    software: 'RT Cohort Workstation',
    appVersion: appVersion(),
    analysisSpecHash: analysisSpecHash(spec),
    datasetFingerprint: datasetFingerprint(columns),
  };
}

/** One-line human-readable form (PNG text chunk, TIFF ImageDescription, DOCX/XLSX properties). */
export function provenanceText(p: Provenance): string {
  return `${p.software} ${p.appVersion}; analysis spec sha256:${p.analysisSpecHash}; dataset sha256:${p.datasetFingerprint}${p.filters ? `; filters: ${p.filters}` : ''}`;
}

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** XMP packet (Dublin Core + a small rtcw namespace) for TIFF/PNG/PDF. */
export function provenanceXmp(p: Provenance): string {
  return (
    `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>` +
    `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">` +
    `<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/" ` +
    `xmlns:rtcw="https://rtcw.invalid/ns/provenance/1.0/" xmp:CreatorTool="${xmlEscape(`${p.software} ${p.appVersion}`)}" ` +
    `rtcw:appVersion="${xmlEscape(p.appVersion)}" rtcw:analysisSpecHash="${p.analysisSpecHash}" rtcw:datasetFingerprint="${p.datasetFingerprint}">` +
    `<dc:description><rdf:Alt><rdf:li xml:lang="x-default">${xmlEscape(provenanceText(p))}</rdf:li></rdf:Alt></dc:description>` +
    `</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>`
  );
}

/** SVG <metadata> element with the same fields. */
export function provenanceSvgMetadata(p: Provenance): string {
  return (
    `<metadata><rtcw:provenance xmlns:rtcw="https://rtcw.invalid/ns/provenance/1.0/" ` +
    `software="${xmlEscape(p.software)}" appVersion="${xmlEscape(p.appVersion)}" ` +
    `analysisSpecHash="${p.analysisSpecHash}" datasetFingerprint="${p.datasetFingerprint}"` +
    `${p.filters ? ` filters="${xmlEscape(p.filters)}"` : ''}/></metadata>`
  );
}
