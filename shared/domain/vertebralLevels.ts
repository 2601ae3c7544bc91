// Vertebral levels: parsing, normalising, ordering, contiguity and location.
//
// Rules (product.md §1, cli.md "DICOM"):
// - Levels are C1–C7, T1–T12, L1–L5, S1–S5 in cranio-caudal order (no T13/L6, no coccyx).
// - Spellings accepted: case-insensitive, thoracic as T, Th or D (dorsal), optional zero padding
//   (T01), optional space ("T 12"). Canonical form: region letter + number ("T12").
// - A range "A-B" (also "A–B", "A/B", "A_B" between two levels, "l4-5" with the region left out on
//   the right) expands to every level between A and B inclusive. Adjacent mentions ("T9T10",
//   "C7_T1") are collected; the lesion is their union, listed cranio-caudally.
// - Contiguous levels (no gap in the order above) form ONE lesion; a gap is reported, not fixed.
// - Location = the region holding most of the levels; a tie goes to the MORE CAUDAL region
//   (C7-T1 → thoracic, T12-L1 → lumbar, L5-S1 → sacral).

export type SpineRegion = 'cervical' | 'thoracic' | 'lumbar' | 'sacral';

export const SPINE_REGIONS: readonly SpineRegion[] = ['cervical', 'thoracic', 'lumbar', 'sacral'];

const REGION_SPEC: ReadonlyArray<{ letter: 'C' | 'T' | 'L' | 'S'; region: SpineRegion; count: number }> = [
  { letter: 'C', region: 'cervical', count: 7 },
  { letter: 'T', region: 'thoracic', count: 12 },
  { letter: 'L', region: 'lumbar', count: 5 },
  { letter: 'S', region: 'sacral', count: 5 },
];

/** Every level, cranio-caudal: C1 … C7, T1 … T12, L1 … L5, S1 … S5 (29 levels). */
export const ALL_LEVELS: readonly string[] = REGION_SPEC.flatMap((r) =>
  Array.from({ length: r.count }, (_, i) => `${r.letter}${i + 1}`),
);

const LEVEL_INDEX = new Map(ALL_LEVELS.map((l, i) => [l, i]));

/** Cranio-caudal ordinal of a canonical level (C1 = 0 … S5 = 28), or -1. */
export function levelIndex(level: string): number {
  return LEVEL_INDEX.get(level) ?? -1;
}

export function regionOfLevel(level: string): SpineRegion {
  const spec = REGION_SPEC.find((r) => r.letter === level[0]);
  if (!spec || levelIndex(level) < 0) throw new Error(`not a vertebral level: ${level}`);
  return spec.region;
}

function regionLetter(prefix: string): 'C' | 'T' | 'L' | 'S' | null {
  const p = prefix.toUpperCase();
  // German vertebral body names: HWK/BWK/LWK/SWK (Hals-/Brust-/Lenden-/Sakralwirbelkörper).
  if (p === 'C' || p === 'HWK') return 'C';
  if (p === 'T' || p === 'TH' || p === 'D' || p === 'BWK') return 'T';
  if (p === 'L' || p === 'LWK') return 'L';
  if (p === 'S' || p === 'SWK') return 'S';
  return null;
}

function makeLevel(letter: 'C' | 'T' | 'L' | 'S', num: number): string | null {
  const level = `${letter}${num}`;
  return LEVEL_INDEX.has(level) ? level : null;
}

/**
 * One level written any accepted way ("th12", "D12", "T012", "t 12") → canonical ("T12"),
 * or null when it is not a level (e.g. "T13", "L6", "X1").
 */
export function normaliseLevel(text: string): string | null {
  const m = /^\s*(hwk|bwk|lwk|swk|th|[ctdls])\s*0*(\d{1,2})\s*$/i.exec(text);
  if (!m) return null;
  const letter = regionLetter(m[1]);
  return letter ? makeLevel(letter, Number(m[2])) : null;
}

/** Every level from a to b inclusive, cranio-caudally (order of a and b does not matter). */
export function expandLevelRange(a: string, b: string): string[] {
  const i = levelIndex(a);
  const j = levelIndex(b);
  if (i < 0) throw new Error(`not a vertebral level: ${a}`);
  if (j < 0) throw new Error(`not a vertebral level: ${b}`);
  return ALL_LEVELS.slice(Math.min(i, j), Math.max(i, j) + 1);
}

/** Unique levels sorted cranio-caudally. */
export function sortLevels(levels: Iterable<string>): string[] {
  return [...new Set(levels)].sort((x, y) => levelIndex(x) - levelIndex(y));
}

/** True when the (sorted, unique) levels have no gap. An empty list is not contiguous. */
export function areLevelsContiguous(levels: readonly string[]): boolean {
  if (levels.length === 0) return false;
  const idx = sortLevels(levels).map(levelIndex);
  if (idx.some((i) => i < 0)) return false;
  return idx[idx.length - 1] - idx[0] === idx.length - 1;
}

export interface ParsedLevels {
  /** Canonical levels found, unique, cranio-caudal. */
  levels: string[];
  contiguous: boolean;
  /** A region named without levels ("PTV_Sacrum") — the exact levels are unknown. */
  regionOnly: SpineRegion | null;
  /** Mentions that looked like levels but are not (e.g. "T13", "L6"). */
  invalid: string[];
}

// A level mention: region prefix not glued to a preceding letter ("PTV" is not "V"…; "zPTV_T12"
// works), number, optionally a range to a second level with or without its region prefix.
// A following letter is allowed ("T9T10"); a following digit is not (greedy \d{1,2} takes it).
// A number followed by a unit is a margin or dose, not a level ("PTV_T12_3mm", "3D 8Gy"), and
// after "_" the second level needs its region letter ("PTV_C7_T1" is a range, "PTV_T12_2" is not).
const PREFIX = '(hwk|bwk|lwk|swk|th|[ctdls])';
const PREFIX_AHEAD = '(?:hwk|bwk|lwk|swk|th|[ctdls])';
const NOT_UNIT = '(?!\\d)(?!\\s*(?:mm|cm|gy|cgy|fx|%)(?![a-z]))';
const MENTION = new RegExp(
  `(?<![A-Za-z])${PREFIX}\\s?0*(\\d{1,2})${NOT_UNIT}` +
    `(?:(?:\\s*(?:-|–|—|\\/|to)\\s*|\\s*_\\s*(?=${PREFIX_AHEAD}\\s?\\d))(?:${PREFIX}\\s?)?0*(\\d{1,2})${NOT_UNIT})?`,
  'gi',
);

const REGION_WORDS: ReadonlyArray<[RegExp, SpineRegion]> = [
  [/sacrum|sacral|\bsak/i, 'sacral'],
  [/lumbar|lumbal/i, 'lumbar'],
  [/thoracic|thorakal|dorsal/i, 'thoracic'],
  [/cervical|zervikal/i, 'cervical'],
];

/**
 * Levels named in free text: ROI names, plan labels, descriptions, user input.
 * `PTV_T12` → [T12]; `PTV_L1-L2` → [L1, L2]; `PTV_Th12` → [T12]; `ptv_l4-5` → [L4, L5];
 * `PTV_C7_T1` → [C7, T1]; `VB_T01` → [T1]; `T11-L1` → [T11, T12, L1]; `PTV 24Gy T12` → [T12];
 * `PTV_Sacrum` → [] with regionOnly 'sacral'.
 */
export function parseLevels(text: string): ParsedLevels {
  const found: string[] = [];
  const invalid: string[] = [];
  for (const m of text.matchAll(MENTION)) {
    const letterA = regionLetter(m[1]);
    if (!letterA) continue;
    const a = makeLevel(letterA, Number(m[2]));
    if (m[4] !== undefined) {
      const letterB = m[3] ? regionLetter(m[3]) : letterA;
      const b = letterB ? makeLevel(letterB, Number(m[4])) : null;
      if (a && b) {
        found.push(...expandLevelRange(a, b));
        continue;
      }
      if (!a || !b) {
        invalid.push(m[0]);
        if (a) found.push(a);
        if (b) found.push(b);
        continue;
      }
    }
    if (a) found.push(a);
    else invalid.push(m[0]);
  }
  const levels = sortLevels(found);
  let regionOnly: SpineRegion | null = null;
  if (levels.length === 0) {
    for (const [re, region] of REGION_WORDS) {
      if (re.test(text)) {
        regionOnly = region;
        break;
      }
    }
  }
  return { levels, contiguous: areLevelsContiguous(levels), regionOnly, invalid };
}

/**
 * Strict parse for stored/typed lesion levels: every level must be valid and the set contiguous.
 * Returns the canonical list, or an error message naming the problem.
 */
export function parseLesionLevels(text: string): { ok: true; levels: string[] } | { ok: false; error: string } {
  if (!text || !text.trim()) return { ok: false, error: 'no vertebral level given' };
  const parsed = parseLevels(text);
  if (parsed.invalid.length > 0) return { ok: false, error: `not a vertebral level: ${parsed.invalid.join(', ')}` };
  if (parsed.levels.length === 0) return { ok: false, error: `no vertebral level (C1–C7, T1–T12, L1–L5, S1–S5) in "${text}"` };
  // Anything left after removing the level mentions and separators is unexplained text.
  const rest = text.replace(MENTION, '').replace(/[\s,;+&/_-]|and/gi, '');
  if (rest.length > 0) return { ok: false, error: `unexpected text "${rest}" in levels "${text}"` };
  if (!parsed.contiguous) return { ok: false, error: `levels ${parsed.levels.join(', ')} are not contiguous (one lesion = contiguous levels)` };
  return { ok: true, levels: parsed.levels };
}

/** Storage form: canonical levels joined by commas ("T11,T12,L1"). */
export function levelsToStorage(levels: readonly string[]): string {
  return sortLevels(levels).join(',');
}

export function levelsFromStorage(stored: string): string[] {
  return stored.split(',').filter((s) => s.length > 0);
}

/** Display form: "T12", "T11-L1" for contiguous, "T4,T9" otherwise. */
export function formatLevels(levels: readonly string[]): string {
  const sorted = sortLevels(levels);
  if (sorted.length === 0) return '';
  if (sorted.length === 1) return sorted[0];
  if (areLevelsContiguous(sorted)) return `${sorted[0]}-${sorted[sorted.length - 1]}`;
  return sorted.join(',');
}

/** Region holding most of the levels; a tie goes to the more caudal region. */
export function lesionLocation(levels: readonly string[]): SpineRegion {
  if (levels.length === 0) throw new Error('lesion location needs at least one level');
  const counts = new Map<SpineRegion, number>();
  for (const l of new Set(levels)) counts.set(regionOfLevel(l), (counts.get(regionOfLevel(l)) ?? 0) + 1);
  let best: SpineRegion = 'cervical';
  let bestCount = -1;
  // Regions in cranio-caudal order and ">=" so a later (more caudal) region wins ties.
  for (const region of SPINE_REGIONS) {
    const c = counts.get(region) ?? 0;
    if (c > 0 && c >= bestCount) {
      best = region;
      bestCount = c;
    }
  }
  return best;
}

/** Every region a lesion touches (the reference study's "regions involved" count). */
export function regionsInvolved(levels: readonly string[]): SpineRegion[] {
  const set = new Set(levels.map(regionOfLevel));
  return SPINE_REGIONS.filter((r) => set.has(r));
}
