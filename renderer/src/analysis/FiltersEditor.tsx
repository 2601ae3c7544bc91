// Analysis filters with an explicit Apply (issue 16): "Add filter" opens a draft that changes
// nothing until a value is chosen and applied; applied filters are chips in words
// (shared/api/analysis describeFilter, the wording the methods paragraph uses) that can be removed.
import { useId, useState } from 'react';
import { ANALYSIS_VARIABLES, describeFilter, type AnalysisFilter } from '../../../shared/api/analysis';

interface Draft {
  variable: string;
  op: AnalysisFilter['op'];
  value: string;
}

export function FiltersEditor({ filters, onChange }: { filters: AnalysisFilter[]; onChange(f: AnalysisFilter[]): void }) {
  const [draft, setDraft] = useState<Draft | null>(null);
  const id = useId();
  const variable = draft ? ANALYSIS_VARIABLES.find((v) => v.key === draft.variable) : undefined;
  const numeric = variable?.coding === 'numeric';
  const valid = draft !== null && draft.value !== '' && (!numeric || Number.isFinite(Number(draft.value)));

  const apply = () => {
    if (!draft || !valid) return;
    onChange([...filters, { variable: draft.variable, op: draft.op, values: [numeric ? Number(draft.value) : draft.value] }]);
    setDraft(null);
  };

  return (
    <fieldset>
      <legend>Filters</legend>
      {filters.length === 0 ? (
        <p className="small muted" style={{ margin: '0 0 6px' }}>
          All rows of the cohort.
        </p>
      ) : (
        <ul className="filter-chips" aria-label="Active filters">
          {filters.map((f, i) => (
            <li key={`${i}-${f.variable}`}>
              <span>{describeFilter(f)}</span>
              <button type="button" className="small" aria-label={`Remove filter: ${describeFilter(f)}`} onClick={() => onChange(filters.filter((_, k) => k !== i))}>
                ✕
              </button>
            </li>
          ))}
        </ul>
      )}
      {draft ? (
        <div className="filter-draft" role="group" aria-label="New filter">
          <label htmlFor={`${id}-var`}>Variable</label>
          <select
            id={`${id}-var`}
            value={draft.variable}
            onChange={(e) => {
              const v = ANALYSIS_VARIABLES.find((x) => x.key === e.target.value);
              if (v) setDraft({ variable: v.key, op: v.coding === 'numeric' ? 'ge' : 'in', value: '' });
            }}
          >
            {ANALYSIS_VARIABLES.map((v) => (
              <option key={v.key} value={v.key}>
                {v.label}
              </option>
            ))}
          </select>
          <label htmlFor={`${id}-op`}>Comparison</label>
          <select id={`${id}-op`} value={draft.op} onChange={(e) => setDraft({ ...draft, op: e.target.value as AnalysisFilter['op'] })}>
            {numeric ? (
              <>
                <option value="ge">≥</option>
                <option value="gt">&gt;</option>
                <option value="le">≤</option>
                <option value="lt">&lt;</option>
              </>
            ) : (
              <>
                <option value="in">is</option>
                <option value="notIn">is not</option>
              </>
            )}
          </select>
          <label htmlFor={`${id}-value`}>Value</label>
          {numeric ? (
            <input id={`${id}-value`} type="text" inputMode="decimal" value={draft.value} onChange={(e) => setDraft({ ...draft, value: e.target.value })} />
          ) : (
            <select id={`${id}-value`} value={draft.value} onChange={(e) => setDraft({ ...draft, value: e.target.value })}>
              <option value="">— choose a value —</option>
              {(variable?.levels ?? []).map((l) => (
                <option key={l.value} value={l.value}>
                  {l.label}
                </option>
              ))}
            </select>
          )}
          <div className="button-row" style={{ marginTop: 6 }}>
            <button type="button" className="small primary" disabled={!valid} onClick={apply}>
              Apply filter
            </button>
            <button type="button" className="small" onClick={() => setDraft(null)}>
              Cancel
            </button>
          </div>
        </div>
      ) : (
        <button
          type="button"
          className="small"
          onClick={() => {
            const v = ANALYSIS_VARIABLES.find((x) => x.coding !== 'numeric') ?? ANALYSIS_VARIABLES[0];
            setDraft({ variable: v.key, op: v.coding === 'numeric' ? 'ge' : 'in', value: '' });
          }}
        >
          Add filter
        </button>
      )}
    </fieldset>
  );
}

/** The active filters, in words, above the results (and "none" when there are none). */
export function ActiveFiltersLine({ filters }: { filters: AnalysisFilter[] }) {
  return (
    <p className="small" data-testid="active-filters" style={{ margin: '2px 0 0' }}>
      <strong>Filters:</strong> {filters.length ? filters.map(describeFilter).join('; ') : 'none (all rows)'}
    </p>
  );
}
