// A spreadsheet-like grid: sort, per-column filters, keyboard navigation, inline editing with the
// validation message at the cell, read-only derived columns. Rows are windowed (only the visible
// slice is in the DOM) so 10,000+ rows scroll without lag.
import {
  useCallback,
  useEffect,
  useId,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  type KeyboardEvent as ReactKeyboardEvent,
} from 'react';
import { formatDate, formatNumber, ISO_DISPLAY, localiseText, parseTypedDate, typedDatePattern, type DisplaySetting } from '../../../shared/domain/displayFormat';

export type CellKind = 'text' | 'number' | 'integer' | 'date' | 'enum' | 'boolean';

export interface GridColumn<R> {
  key: string;
  label: string;
  width: number;
  kind: CellKind;
  get(row: R): unknown;
  /** Display text; default by kind. */
  format?(value: unknown, row: R): string;
  editable?: boolean;
  /** Computed by rules; shown read-only with a distinct background. */
  derived?: boolean;
  /** For enum cells: allowed values (value stored, label shown). */
  options?: { value: string; label: string }[];
  /** Allow clearing the cell (stores null). */
  nullable?: boolean;
  min?: number;
  max?: number;
  /** Extra validation on the parsed value; return a message to reject. */
  validate?(value: unknown, row: R): string | null;
  /** Explains the column (shown as the header tooltip). */
  description?: string;
}

export interface CellEdit<R> {
  row: R;
  column: GridColumn<R>;
  value: unknown;
}

interface Props<R> {
  label: string;
  rows: R[];
  columns: GridColumn<R>[];
  rowKey(row: R): number | string;
  /** Saves an edit; resolve to null on success or a message to show at the cell. */
  onEdit?(edit: CellEdit<R>): Promise<string | null>;
  selectedKey?: number | string | null;
  onSelect?(row: R | null): void;
  height?: number;
  /** Called with the visible row count after filtering. */
  onFilteredCount?(count: number): void;
  emptyMessage?: string;
  /** Date/number setting of the study (shared/domain/displayFormat.ts); ISO by default. */
  display?: DisplaySetting;
}

const ROW_H = 30;
const HEAD_H = 34;
const FILTER_H = 34;
const OVERSCAN = 8;

type SortState = { key: string; dir: 'asc' | 'desc' } | null;

function defaultFormat(kind: CellKind, value: unknown, options?: { value: string; label: string }[], display: DisplaySetting = ISO_DISPLAY): string {
  if (value === null || value === undefined || value === '') return '';
  switch (kind) {
    case 'date':
      return typeof value === 'string' ? formatDate(value, display.format, display.locale) : String(value);
    case 'boolean':
      return value === true || value === 1 ? 'yes' : value === false || value === 0 ? 'no' : String(value);
    case 'number':
      return typeof value === 'number' ? formatNumber(value, display.format, 2, display.locale) : String(value);
    case 'enum':
      return options?.find((o) => o.value === value)?.label ?? String(value);
    default:
      return String(value);
  }
}

/** The text a cell shows (and filters match): a column's own format is put in the study's setting too. */
function cellText<R>(column: GridColumn<R>, value: unknown, row: R, display: DisplaySetting = ISO_DISPLAY): string {
  if (!column.format) return defaultFormat(column.kind, value, column.options, display);
  const text = column.format(value, row);
  return column.kind === 'number' || column.kind === 'integer' || column.kind === 'date' ? localiseText(text, display.format, display.locale) : text;
}

/** Parses the editor text into a typed value or an error message. */
export function parseCell<R>(column: GridColumn<R>, text: string, row: R, display: DisplaySetting = ISO_DISPLAY): { value: unknown } | { error: string } {
  const trimmed = text.trim();
  if (trimmed === '') {
    if (column.nullable) return { value: null };
    return { error: `${column.label} is required.` };
  }
  let value: unknown;
  switch (column.kind) {
    case 'number':
    case 'integer': {
      const n = Number(trimmed.replace(',', '.'));
      if (!Number.isFinite(n)) return { error: `${column.label} must be a number.` };
      if (column.kind === 'integer' && !Number.isInteger(n)) return { error: `${column.label} must be a whole number.` };
      if (column.min !== undefined && n < column.min) return { error: `${column.label} must be at least ${column.min}.` };
      if (column.max !== undefined && n > column.max) return { error: `${column.label} must be at most ${column.max}.` };
      value = n;
      break;
    }
    case 'date': {
      // ISO always; in 'locale' also the locale's numeric date (shared/domain/displayFormat.ts).
      const pattern = typedDatePattern(display.format, display.locale);
      const shapes = pattern === 'YYYY-MM-DD' ? 'YYYY-MM-DD' : `${pattern} or YYYY-MM-DD`;
      if (!/^\d{1,4}[-./]\d{1,2}[-./]\d{1,4}$/.test(trimmed)) return { error: `${column.label} must be a date as ${shapes}.` };
      const iso = parseTypedDate(trimmed, display.format, display.locale);
      if (!iso) return { error: `${trimmed} is not a calendar date as ${shapes}.` };
      value = iso;
      break;
    }
    case 'boolean': {
      const t = trimmed.toLowerCase();
      if (['yes', 'y', '1', 'true'].includes(t)) value = true;
      else if (['no', 'n', '0', 'false'].includes(t)) value = false;
      else return { error: `${column.label} must be yes or no.` };
      break;
    }
    case 'enum': {
      const match = column.options?.find(
        (o) => o.value.toLowerCase() === trimmed.toLowerCase() || o.label.toLowerCase() === trimmed.toLowerCase(),
      );
      if (!match) return { error: `${column.label} must be one of: ${column.options?.map((o) => o.label).join(', ')}.` };
      value = match.value;
      break;
    }
    default:
      value = trimmed;
  }
  const problem = column.validate?.(value, row);
  return problem ? { error: problem } : { value };
}

/** Filter text: plain text = contains; for numbers also `>5`, `<=3`, `=2`, `2-4`; `empty` = missing. */
function makeFilter<R>(column: GridColumn<R>, text: string, display: DisplaySetting = ISO_DISPLAY): ((row: R) => boolean) | null {
  const t = text.trim().toLowerCase();
  if (!t) return null;
  if (t === 'empty') return (row) => {
    const v = column.get(row);
    return v === null || v === undefined || v === '';
  };
  if (column.kind === 'number' || column.kind === 'integer') {
    const cmp = /^(<=|>=|<|>|=)\s*(-?\d+(?:\.\d+)?)$/.exec(t);
    if (cmp) {
      const n = Number(cmp[2]);
      const op = cmp[1];
      return (row) => {
        const v = column.get(row);
        if (typeof v !== 'number') return false;
        return op === '<' ? v < n : op === '<=' ? v <= n : op === '>' ? v > n : op === '>=' ? v >= n : v === n;
      };
    }
    const range = /^(-?\d+(?:\.\d+)?)\s*-\s*(-?\d+(?:\.\d+)?)$/.exec(t);
    if (range) {
      const lo = Number(range[1]);
      const hi = Number(range[2]);
      return (row) => {
        const v = column.get(row);
        return typeof v === 'number' && v >= lo && v <= hi;
      };
    }
  }
  return (row) => {
    const v = column.get(row);
    const shown = cellText(column, v, row, display);
    return shown.toLowerCase().includes(t);
  };
}

function isMissing(v: unknown): boolean {
  return v === null || v === undefined || v === '';
}

function compareValues(a: unknown, b: unknown): number {
  const aMissing = isMissing(a);
  const bMissing = isMissing(b);
  if (aMissing || bMissing) return aMissing === bMissing ? 0 : aMissing ? 1 : -1; // missing last
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}

export function DataGrid<R>(props: Props<R>) {
  const { rows, columns, rowKey, onEdit, onSelect, selectedKey, label, onFilteredCount } = props;
  const gridId = useId();
  const scrollRef = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewH, setViewH] = useState(props.height ?? 480);
  const [sort, setSort] = useState<SortState>(null);
  const [filters, setFilters] = useState<Record<string, string>>({});
  // The filter row is one button away instead of 30 tab stops; it stays open while a filter is set.
  const [filtersOpen, setFiltersOpen] = useState(false);
  const activeFilters = Object.values(filters).filter((f) => f.trim() !== '').length;
  const showFilters = filtersOpen || activeFilters > 0;
  const filterH = showFilters ? FILTER_H : 0;
  const headerRows = showFilters ? 2 : 1;
  const [active, setActive] = useState<{ row: number; col: number }>({ row: 0, col: 0 });
  const [editing, setEditing] = useState<{ row: number; col: number; text: string } | null>(null);
  const [cellError, setCellError] = useState<{ key: number | string; col: string; message: string } | null>(null);
  const [saving, setSaving] = useState(false);
  const [refocus, setRefocus] = useState(0);

  const view = useMemo(() => {
    const tests = columns
      .map((c) => makeFilter(c, filters[c.key] ?? '', props.display))
      .filter((f): f is (row: R) => boolean => f !== null);
    let out = tests.length ? rows.filter((r) => tests.every((t) => t(r))) : rows.slice();
    if (sort) {
      const column = columns.find((c) => c.key === sort.key);
      if (column) {
        const sign = sort.dir === 'asc' ? 1 : -1;
        // Decorate-sort-undecorate: get() once per row, not once per comparison.
        const keyed = out.map((r, i) => ({ r, v: column.get(r), i }));
        keyed.sort((x, y) => {
          const c = compareValues(x.v, y.v);
          if (c === 0) return x.i - y.i;
          return isMissing(x.v) || isMissing(y.v) ? c : c * sign; // missing values stay last
        });
        out = keyed.map((k) => k.r);
      }
    }
    return out;
  }, [rows, columns, filters, sort, props.display]);

  useEffect(() => onFilteredCount?.(view.length), [view.length, onFilteredCount]);

  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setViewH(el.clientHeight));
    ro.observe(el);
    setViewH(el.clientHeight);
    return () => ro.disconnect();
  }, []);

  // Keep the active cell inside the data after filtering.
  useEffect(() => {
    setActive((a) => ({ row: Math.min(a.row, Math.max(0, view.length - 1)), col: Math.min(a.col, columns.length - 1) }));
  }, [view.length, columns.length]);

  const totalW = columns.reduce((s, c) => s + c.width, 0);
  const bodyTop = HEAD_H + filterH;
  const first = Math.max(0, Math.floor((scrollTop - 0) / ROW_H) - OVERSCAN);
  const last = Math.min(view.length, Math.ceil((scrollTop + viewH - bodyTop) / ROW_H) + OVERSCAN);

  const scrollIntoView = useCallback(
    (rowIndex: number) => {
      const el = scrollRef.current;
      if (!el) return;
      const top = rowIndex * ROW_H;
      const visibleH = el.clientHeight - bodyTop;
      if (top < el.scrollTop) el.scrollTop = top;
      else if (top + ROW_H > el.scrollTop + visibleH) el.scrollTop = top + ROW_H - visibleH;
    },
    [bodyTop],
  );

  const cellId = (r: number, c: number) => `${gridId}-r${r}-c${c}`;

  const moveTo = (row: number, col: number) => {
    const r = Math.max(0, Math.min(view.length - 1, row));
    const c = Math.max(0, Math.min(columns.length - 1, col));
    setActive({ row: r, col: c });
    scrollIntoView(r);
    const target = view[r];
    if (target && onSelect) onSelect(target);
  };

  const canEdit = (col: number) => {
    const column = columns[col];
    return Boolean(onEdit && column?.editable && !column.derived);
  };

  const startEdit = (row: number, col: number, initial?: string) => {
    if (!canEdit(col) || !view[row]) return;
    const column = columns[col];
    const value = column.get(view[row]);
    const text =
      initial ??
      (value === null || value === undefined
        ? ''
        : column.kind === 'boolean'
          ? value ? 'yes' : 'no'
          : column.kind === 'enum'
            ? String(value)
            : String(value));
    setEditing({ row, col, text });
    setCellError(null);
  };

  const commitEdit = async (move: 'down' | 'right' | 'none') => {
    if (!editing || !onEdit) return;
    const row = view[editing.row];
    const column = columns[editing.col];
    const parsed = parseCell(column, editing.text, row, props.display);
    if ('error' in parsed) {
      setCellError({ key: rowKey(row), col: column.key, message: parsed.error });
      return;
    }
    const before = column.get(row);
    if (before === parsed.value || (before == null && parsed.value == null)) {
      setEditing(null);
      setCellError(null);
      scrollRef.current?.focus();
      return;
    }
    setSaving(true);
    try {
      const problem = await onEdit({ row, column, value: parsed.value });
      if (problem) {
        // A rule across fields (delivered > planned, end before start) is only known to the
        // service: the editor stays open with the message, and gets focus back (it lost it while
        // disabled during the save) so Esc cancels and Enter retries.
        setCellError({ key: rowKey(row), col: column.key, message: problem });
        setRefocus((n) => n + 1);
        return;
      }
      setEditing(null);
      setCellError(null);
      scrollRef.current?.focus();
      if (move === 'down') moveTo(editing.row + 1, editing.col);
      if (move === 'right') moveTo(editing.row, editing.col + 1);
    } finally {
      setSaving(false);
    }
  };

  const cancelEdit = () => {
    setEditing(null);
    setCellError(null);
    scrollRef.current?.focus();
  };

  const onGridKey = (event: ReactKeyboardEvent<HTMLDivElement>) => {
    if (editing) {
      // The editor handles its own keys; if focus ended up on the grid, Esc still cancels.
      if (event.key === 'Escape') {
        event.preventDefault();
        cancelEdit();
      }
      return;
    }
    const { row, col } = active;
    const page = Math.max(1, Math.floor((viewH - bodyTop) / ROW_H) - 1);
    if (event.altKey && (event.key === 'ArrowUp' || event.key === 'ArrowDown') && columns[col]) {
      // Alt+↑/↓ sorts by the active column (the header buttons stay out of the tab order).
      event.preventDefault();
      setSort({ key: columns[col].key, dir: event.key === 'ArrowUp' ? 'asc' : 'desc' });
      return;
    }
    switch (event.key) {
      case 'ArrowDown':
        moveTo(row + 1, col);
        break;
      case 'ArrowUp':
        moveTo(row - 1, col);
        break;
      case 'Delete': {
        // Clears an optional cell (saved like any edit, so it is audited and can be undone).
        const column = columns[col];
        const target = view[row];
        if (!target || !canEdit(col) || !column.nullable || !onEdit) return;
        event.preventDefault();
        const key = rowKey(target);
        void onEdit({ row: target, column, value: null }).then((problem) => {
          if (problem) setCellError({ key, col: column.key, message: problem });
        });
        return;
      }
      case 'ArrowRight':
        moveTo(row, col + 1);
        break;
      case 'ArrowLeft':
        moveTo(row, col - 1);
        break;
      case 'PageDown':
        moveTo(row + page, col);
        break;
      case 'PageUp':
        moveTo(row - page, col);
        break;
      case 'Home':
        moveTo(event.ctrlKey ? 0 : row, 0);
        break;
      case 'End':
        moveTo(event.ctrlKey ? view.length - 1 : row, columns.length - 1);
        break;
      case 'Enter':
      case 'F2':
        startEdit(row, col);
        break;
      default:
        if (event.key.length === 1 && !event.ctrlKey && !event.metaKey && !event.altKey && canEdit(col)) {
          startEdit(row, col, event.key);
          event.preventDefault();
        }
        return;
    }
    event.preventDefault();
  };

  const toggleSort = (key: string) => {
    setSort((s) => (!s || s.key !== key ? { key, dir: 'asc' } : s.dir === 'asc' ? { key, dir: 'desc' } : null));
  };

  const activeRow = view[active.row];
  const activeDescendant = view.length ? cellId(active.row, active.col) : undefined;

  const bodyRows = [];
  for (let i = first; i < last; i++) {
    const row = view[i];
    const key = rowKey(row);
    const selected = selectedKey !== undefined && selectedKey !== null && key === selectedKey;
    bodyRows.push(
      <div
        key={key}
        role="row"
        aria-rowindex={i + headerRows + 1}
        aria-selected={selected || undefined}
        className={`grid-row${i % 2 ? ' alt' : ''}${selected ? ' selected' : ''}`}
        style={{ top: i * ROW_H, height: ROW_H, width: totalW }}
        data-row-key={String(key)}
      >
        {columns.map((column, c) => {
          const isActive = active.row === i && active.col === c;
          const isEditing = editing && editing.row === i && editing.col === c;
          const error = cellError && cellError.key === key && cellError.col === column.key ? cellError.message : null;
          const value = column.get(row);
          const shown = cellText(column, value, row, props.display);
          const cellStyle = { width: column.width, height: ROW_H };
          const numeric = column.kind === 'number' || column.kind === 'integer';
          return (
            <div
              key={column.key}
              id={cellId(i, c)}
              role="gridcell"
              aria-colindex={c + 1}
              aria-readonly={!canEdit(c) || undefined}
              aria-invalid={error ? true : undefined}
              data-col={column.key}
              className={`grid-cell${column.derived ? ' derived' : ''}${numeric ? ' num' : ''}${isActive ? ' active' : ''}${error ? ' invalid' : ''}`}
              style={cellStyle}
              title={shown.length > 14 ? shown : undefined}
              onMouseDown={() => {
                // Leaving an open editor for another cell abandons that edit (it was not saved),
                // so the next cell can be edited; a pending error message goes with it.
                if (editing && !(editing.row === i && editing.col === c)) cancelEdit();
                setActive({ row: i, col: c });
                onSelect?.(row);
              }}
              onDoubleClick={() => startEdit(i, c)}
            >
              {isEditing ? (
                <CellEditor
                  column={column}
                  text={editing.text}
                  disabled={saving}
                  refocus={refocus}
                  invalid={Boolean(error)}
                  errorId={error ? `${cellId(i, c)}-err` : undefined}
                  onChange={(text) => setEditing({ ...editing, text })}
                  onCommit={(move) => void commitEdit(move)}
                  onCancel={cancelEdit}
                />
              ) : (
                <span className="cell-text">{shown}</span>
              )}
            </div>
          );
        })}
      </div>,
    );
  }

  // The error bubble sits under its cell.
  let bubble = null;
  if (cellError) {
    const rowIndex = view.findIndex((r) => rowKey(r) === cellError.key);
    const colIndex = columns.findIndex((c) => c.key === cellError.col);
    if (rowIndex >= 0 && colIndex >= 0) {
      const left = columns.slice(0, colIndex).reduce((s, c) => s + c.width, 0);
      bubble = (
        <div
          id={`${cellId(rowIndex, colIndex)}-err`}
          className="cell-error"
          role="alert"
          style={{ top: bodyTop + (rowIndex + 1) * ROW_H + 2, left }}
        >
          {cellError.message}
        </div>
      );
    }
  }

  return (
    <div>
      <div
        ref={scrollRef}
        className="grid"
        role="grid"
        aria-label={label}
        aria-rowcount={view.length + headerRows}
        aria-colcount={columns.length}
        aria-activedescendant={editing ? undefined : activeDescendant}
        tabIndex={0}
        style={{ height: props.height ?? 480 }}
        onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
        onKeyDown={onGridKey}
      >
        <div role="rowgroup" className="grid-head" style={{ width: totalW, flexDirection: 'column', height: HEAD_H + filterH }}>
          <div role="row" aria-rowindex={1} style={{ display: 'flex' }}>
            {columns.map((column, c) => {
              const sorted = sort?.key === column.key ? sort.dir : null;
              return (
                <div
                  key={column.key}
                  role="columnheader"
                  aria-colindex={c + 1}
                  aria-sort={sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : 'none'}
                  className={`grid-hcell${column.derived ? ' derived' : ''}`}
                  style={{ width: column.width }}
                  title={column.description ?? (column.derived ? `${column.label} (derived, read-only)` : column.label)}
                  onClick={() => toggleSort(column.key)}
                >
                  <button type="button" className="sort" tabIndex={-1}>
                    {column.derived && <span className="derived-mark" aria-hidden="true">ƒ</span>}
                    <span className="cell-text">{column.label}</span>
                    <span aria-hidden="true">{sorted === 'asc' ? '▲' : sorted === 'desc' ? '▼' : ''}</span>
                  </button>
                  {column.derived && (
                    <span className="visually-hidden"> (derived, read-only)</span>
                  )}
                </div>
              );
            })}
          </div>
          {showFilters && <div role="row" aria-rowindex={2} style={{ display: 'flex', background: '#fafbfc', borderTop: '1px solid var(--line-2)' }}>
            {columns.map((column, c) => (
              <div key={column.key} role="gridcell" aria-colindex={c + 1} className="grid-cell" style={{ width: column.width, height: FILTER_H }}>
                <input
                  type="search"
                  aria-label={`Filter ${column.label}`}
                  placeholder="filter"
                  value={filters[column.key] ?? ''}
                  onChange={(e) => setFilters((f) => ({ ...f, [column.key]: e.target.value }))}
                  onKeyDown={(e) => e.stopPropagation()}
                  style={{ minHeight: 24 }}
                />
              </div>
            ))}
          </div>}
        </div>
        <div role="rowgroup" style={{ height: view.length * ROW_H, width: totalW, position: 'relative' }}>
          {bodyRows}
        </div>
        {bubble}
        {view.length === 0 && (
          <div className="muted" style={{ position: 'absolute', top: bodyTop + 12, left: 12 }}>
            {rows.length === 0 ? (props.emptyMessage ?? 'No rows yet.') : 'No rows match the filters.'}
          </div>
        )}
      </div>
      <div className="grid-status" aria-live="polite">
        <button
          type="button"
          className="small"
          aria-expanded={showFilters}
          disabled={activeFilters > 0}
          title={activeFilters > 0 ? 'Clear the filters to hide the filter row' : undefined}
          onClick={() => setFiltersOpen((o) => !o)}
        >
          {activeFilters > 0 ? `Filters (${activeFilters} active)` : showFilters ? 'Hide filters' : 'Filter rows'}
        </button>
        {activeFilters > 0 && (
          <button type="button" className="small" onClick={() => setFilters({})}>
            Clear filters
          </button>
        )}
        <span>
          {view.length === rows.length ? `${rows.length} rows` : `${view.length} of ${rows.length} rows`}
        </span>
        {sort && columns.some((c) => c.key === sort.key) && (
          <span>
            sorted by {columns.find((c) => c.key === sort.key)?.label} ({sort.dir === 'asc' ? 'ascending' : 'descending'})
          </span>
        )}
        {activeRow && columns[active.col] && (
          <span className="muted">
            {columns[active.col].derived ? 'Derived column: read-only' : canEdit(active.col) ? 'Enter or type to edit · Esc cancels · Delete clears' : ''}
            {' · Alt+↑/↓ sorts'}
          </span>
        )}
        {saving && <span>Saving…</span>}
      </div>
    </div>
  );
}

function CellEditor<R>(props: {
  column: GridColumn<R>;
  text: string;
  disabled: boolean;
  /** Bumped to give the editor focus again (after a save the service refused). */
  refocus: number;
  invalid: boolean;
  errorId?: string;
  onChange(text: string): void;
  onCommit(move: 'down' | 'right' | 'none'): void;
  onCancel(): void;
}) {
  const { column } = props;
  const ref = useRef<HTMLInputElement & HTMLSelectElement>(null);
  useEffect(() => {
    ref.current?.focus();
    if (ref.current && 'setSelectionRange' in ref.current && column.kind !== 'enum' && column.kind !== 'boolean') {
      const len = ref.current.value.length;
      try {
        ref.current.setSelectionRange(len, len);
      } catch {
        // some input types do not support selection
      }
    }
  }, [column.kind]);
  useEffect(() => {
    if (props.refocus > 0 && !props.disabled) ref.current?.focus();
  }, [props.refocus, props.disabled]);
  const onKey = (e: ReactKeyboardEvent) => {
    e.stopPropagation();
    if (e.key === 'Enter') {
      e.preventDefault();
      props.onCommit('down');
    } else if (e.key === 'Tab') {
      e.preventDefault();
      props.onCommit('right');
    } else if (e.key === 'Escape') {
      e.preventDefault();
      props.onCancel();
    }
  };
  const common = {
    ref,
    'aria-label': `Edit ${column.label}`,
    'aria-invalid': props.invalid || undefined,
    'aria-describedby': props.errorId,
    disabled: props.disabled,
    onKeyDown: onKey,
  };
  if (column.kind === 'enum' || column.kind === 'boolean') {
    const options =
      column.kind === 'boolean'
        ? [
            { value: 'yes', label: 'yes' },
            { value: 'no', label: 'no' },
          ]
        : (column.options ?? []);
    return (
      <select {...common} value={props.text} onChange={(e) => props.onChange(e.target.value)}>
        {column.nullable && <option value="">—</option>}
        {!options.some((o) => o.value === props.text) && props.text !== '' && <option value={props.text}>{props.text}</option>}
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    );
  }
  return <input {...common} type="text" value={props.text} onChange={(e) => props.onChange(e.target.value)} />;
}
