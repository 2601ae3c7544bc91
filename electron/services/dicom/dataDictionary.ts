// Value representations of the standard data elements, for Implicit VR data sets (PS3.5 7.1.3)
// where the VR is not written: only the dictionary says whether an element is a sequence.
// Source: the data dictionary dcmjs ships (`dcmjs/dictionary`, generated from PS3.6 and kept
// current by the dcmjs project), reduced at load to tag → VR. Private tags are not looked up:
// the scan needs none of their values, and an undefined-length private element is read as a
// sequence anyway (as DCMTK does).
import { dictionary } from 'dcmjs/dictionary';

const vrByTag = new Map<number, string>();
/** Repeating groups (50xx curves, 60xx overlays, 7Fxx): element → VR, looked up by group range. */
const repeating: Array<{ groupMin: number; groupMax: number; element: number; vr: string }> = [];

for (const key in dictionary) {
  const vr = dictionary[key].vr;
  if (!vr) continue;
  let m = /^\(([0-9A-F]{4}),([0-9A-F]{4})\)$/.exec(key);
  if (m) {
    vrByTag.set(parseInt(m[1] + m[2], 16) >>> 0, vr);
    continue;
  }
  m = /^\(([0-9A-F]{4})-([0-9A-F]{4}),([0-9A-F]{4})\)$/.exec(key);
  if (m) repeating.push({ groupMin: parseInt(m[1], 16), groupMax: parseInt(m[2], 16), element: parseInt(m[3], 16), vr });
}

/** The dictionary VR of a standard tag (group << 16 | element), or undefined when not in it. */
export function dictionaryVr(tag: number): string | undefined {
  const vr = vrByTag.get(tag);
  if (vr !== undefined) return vr;
  const group = tag >>> 16;
  if (group < 0x5000 || group > 0x7fff) return undefined;
  const element = tag & 0xffff;
  for (const r of repeating) if (group >= r.groupMin && group <= r.groupMax && element === r.element) return r.vr;
  return undefined;
}

/** How many standard tags the dictionary holds (reported by tests and the benchmark). */
export function dictionarySize(): number {
  return vrByTag.size + repeating.length;
}
