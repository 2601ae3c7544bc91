// Harrell's concordance of a Cox model's linear predictor, as R survival's coxph stores it in
// fit$concordance (concordance(), timewt = "n"): over the comparable pairs — an event at t against
// a subject still under observation after t (censored at t counts as later) — the share where the
// earlier failure has the higher risk score, ties in the score counting one half. Pairs failing at
// the same time are not comparable. O(n log n): times are swept from the latest, the scores of the
// subjects observed later kept in a Fenwick tree over score ranks.

export interface ConcordanceCounts {
  concordant: number;
  discordant: number;
  tiedX: number;
  /** (concordant + tiedX / 2) / (concordant + discordant + tiedX); NaN without comparable pairs. */
  concordance: number;
}

export function concordance(time: ArrayLike<number>, status: ArrayLike<number>, score: ArrayLike<number>): ConcordanceCounts {
  const n = time.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => time[b] - time[a]);
  const distinct = [...new Set(Array.from(score))].sort((a, b) => a - b);
  const rank = new Map(distinct.map((v, i) => [v, i + 1]));
  const m = distinct.length;
  const tree = new Float64Array(m + 1);
  const add = (r: number) => {
    for (let i = r; i <= m; i += i & -i) tree[i] += 1;
  };
  const below = (r: number) => {
    let s = 0;
    for (let i = r; i > 0; i -= i & -i) s += tree[i];
    return s;
  };
  let inTree = 0;
  let concordant = 0;
  let discordant = 0;
  let tiedX = 0;
  for (let k = 0; k < n; ) {
    let end = k;
    while (end < n && time[order[end]] === time[order[k]]) end++;
    // Censored at this time are observed beyond the events at this time.
    for (let j = k; j < end; j++) {
      const i = order[j];
      if (status[i] === 0) {
        add(rank.get(score[i]) as number);
        inTree++;
      }
    }
    for (let j = k; j < end; j++) {
      const i = order[j];
      if (status[i] === 0) continue;
      const r = rank.get(score[i]) as number;
      const lower = below(r - 1);
      const equal = below(r) - lower;
      concordant += lower;
      tiedX += equal;
      discordant += inTree - lower - equal;
    }
    for (let j = k; j < end; j++) {
      const i = order[j];
      if (status[i] !== 0) {
        add(rank.get(score[i]) as number);
        inTree++;
      }
    }
    k = end;
  }
  const total = concordant + discordant + tiedX;
  return { concordant, discordant, tiedX, concordance: total > 0 ? (concordant + tiedX / 2) / total : NaN };
}
