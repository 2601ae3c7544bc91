// Number formats used on screen; p-values come from the one formatter of shared/charts/journalStyle.
import { formatP as formatPValueStyled, type PStyle } from '../../../shared/charts/journalStyle';

export function formatPercent(x: number | null | undefined, digits = 1): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '—' : `${(100 * x).toFixed(digits)}%`;
}

export function formatRate(estimate: number | null, lower: number | null, upper: number | null): string {
  if (estimate === null) return '—';
  const ci = lower === null || upper === null ? 'CI n/a' : `${(100 * lower).toFixed(1)}–${(100 * upper).toFixed(1)}`;
  return `${(100 * estimate).toFixed(1)}% (${ci})`;
}

/** A p-value in the analysis's journal style (shared/charts/journalStyle: the one p formatter). */
export function formatP(p: number | null | undefined, style: PStyle): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return '—';
  return formatPValueStyled(p, style);
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
