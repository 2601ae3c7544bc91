// The one CSV field writer for every CSV the app writes (dataset, report tables, table exports):
// RFC 4180 quoting plus the OWASP CSV-injection rule (owasp.org/www-community/attacks/CSV_Injection).
// A text cell that a spreadsheet program would run as a formula — starting with = + - @, a tab or a
// carriage return (or their full-width forms, which some Excel locales also accept) — gets a
// leading single quote and is quoted, so Excel shows it as text instead of executing it
// (issue 12: "=cmd|' /C calc'!A0" from an imported sheet). Numbers, and text that is a plain number
// such as "-0.25", are left as they are: Excel reads them as numbers, never as formulas.

const FORMULA_START = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;
const PLAIN_NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** True when `text` would be taken as a formula by a spreadsheet program. */
export function isFormulaLike(text: string): boolean {
  return FORMULA_START.test(text) && !PLAIN_NUMBER.test(text);
}

/**
 * One CSV field. `missing` is written for null/undefined/non-finite numbers ('NA' for R, '' for
 * tables). The result never starts a formula and is quoted when it holds a quote, comma, the
 * delimiter (';' for comma-decimal locales, shared/domain/displayFormat.ts csvDelimiter) or newline.
 */
export function csvField(value: unknown, missing = '', delimiter: ',' | ';' = ','): string {
  if (value === null || value === undefined || (typeof value === 'number' && !Number.isFinite(value))) return missing;
  let text = String(value);
  const neutralise = typeof value !== 'number' && isFormulaLike(text);
  if (neutralise) text = `'${text}`;
  const mustQuote = neutralise || /["\r\n]/.test(text) || text.includes(delimiter);
  return mustQuote ? `"${text.replace(/"/g, '""')}"` : text;
}
