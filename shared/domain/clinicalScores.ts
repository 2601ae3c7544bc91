// Clinical scores and their groupings.

/** SINS (Spinal Instability Neoplastic Score, Fisher et al. Spine 2010) groups: 0–6 stable,
 *  7–12 potentially unstable (indeterminate), 13–18 unstable. */
export type SinsGroup = '0-6' | '7-12' | '13-18';

export const SINS_GROUPS: readonly SinsGroup[] = ['0-6', '7-12', '13-18'];

export function sinsGroup(score: number): SinsGroup {
  if (!Number.isInteger(score) || score < 0 || score > 18) throw new RangeError(`SINS must be an integer 0–18 (got ${score})`);
  return score <= 6 ? '0-6' : score <= 12 ? '7-12' : '13-18';
}

/**
 * Pain response (product.md §1, reference study): the NRS (0–10) score 1 month after RT is lower
 * than before RT. Unknown (null) when either score is missing. A patient with pre-RT score 0
 * cannot respond and counts as no response.
 */
export function painResponse(pre: number | null | undefined, post: number | null | undefined): boolean | null {
  if (pre == null || post == null) return null;
  return post < pre;
}

/** ECOG performance status grouped as in the reference study's Table 1. */
export function ecogGroup(ecog: number): '0-1' | '2-4' {
  if (!Number.isInteger(ecog) || ecog < 0 || ecog > 4) throw new RangeError(`ECOG must be an integer 0–4 (got ${ecog})`);
  return ecog <= 1 ? '0-1' : '2-4';
}
