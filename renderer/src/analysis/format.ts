// Number formats used on screen (the exported tables use the same conventions).

export function formatPercent(x: number | null | undefined, digits = 1): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '—' : `${(100 * x).toFixed(digits)}%`;
}

export function formatRate(estimate: number | null, lower: number | null, upper: number | null): string {
  if (estimate === null) return '—';
  const ci = lower === null || upper === null ? 'CI n/a' : `${(100 * lower).toFixed(1)}–${(100 * upper).toFixed(1)}`;
  return `${(100 * estimate).toFixed(1)}% (${ci})`;
}

/** p-values as journals print them: < 0.001, else three decimals. */
export function formatP(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return '—';
  if (p < 0.001) return '< 0.001';
  return p.toFixed(3);
}

export function formatNumber(x: number | null | undefined, digits = 2): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  return x.toFixed(digits);
}

export function formatHr(hr: number | null, lower: number | null, upper: number | null): string {
  if (hr === null) return '—';
  const ci = lower === null || upper === null ? 'CI n/a' : `${formatNumber(lower)}–${formatNumber(upper)}`;
  return `${formatNumber(hr)} (${ci})`;
}

export function formatMonths(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? 'not reached' : `${x.toFixed(1)}`;
}
