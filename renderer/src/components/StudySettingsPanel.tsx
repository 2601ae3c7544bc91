import { useEffect, useId, useState, type FormEvent } from 'react';
import type { StudySettings } from '../../../shared/domain/cohortModel';
import { formatDate, formatNumber } from '../../../shared/domain/displayFormat';
import { useStudy } from '../StudyContext';
import { rtcw, showError, type ShownError } from '../rtcw';
import { ErrorNotice } from './ErrorNotice';

type Draft = Record<'alphaBetaGy' | 'concurrencyWindowDays' | 'firstFailureWindowDays' | 'sbrtMinDosePerFractionGy' | 'sbrtMaxFractions', string> & {
  timeUnit: StudySettings['timeUnit'];
  displayFormat: StudySettings['displayFormat'];
};

const NUMERIC: { key: Exclude<keyof Draft, 'timeUnit'>; label: string; hint: string; integer: boolean; min: number; max: number }[] = [
  { key: 'alphaBetaGy', label: 'α/β (Gy)', hint: 'For BED and EQD2; 7 Gy for RCC by default.', integer: false, min: 0.1, max: 100 },
  { key: 'concurrencyWindowDays', label: 'Concurrency window (days)', hint: 'Added on both sides of the RT course; 0 = any overlap of [RT start, RT end].', integer: true, min: 0, max: 365 },
  { key: 'firstFailureWindowDays', label: 'First-failure window (days)', hint: 'Local and systemic progression this close count as “both”.', integer: true, min: 0, max: 365 },
  { key: 'sbrtMinDosePerFractionGy', label: 'SBRT: min dose/fraction (Gy)', hint: 'When technique and machine are unknown.', integer: false, min: 0.1, max: 100 },
  { key: 'sbrtMaxFractions', label: 'SBRT: max fractions', hint: 'With the dose per fraction rule above.', integer: true, min: 1, max: 50 },
];

function toDraft(s: StudySettings): Draft {
  return {
    alphaBetaGy: String(s.alphaBetaGy),
    concurrencyWindowDays: String(s.concurrencyWindowDays),
    firstFailureWindowDays: String(s.firstFailureWindowDays),
    sbrtMinDosePerFractionGy: String(s.sbrtMinDosePerFractionGy),
    sbrtMaxFractions: String(s.sbrtMaxFractions),
    timeUnit: s.timeUnit,
    displayFormat: s.displayFormat,
  };
}

/** Study settings: the rules derived values follow (α/β, windows, SBRT rule, time unit). */
export function StudySettingsPanel() {
  const { study, bump } = useStudy();
  const [saved, setSaved] = useState<StudySettings | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<keyof Draft, string>>>({});
  const [error, setError] = useState<ShownError | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const baseId = useId();

  useEffect(() => {
    let live = true;
    void rtcw()
      .getStudySettings({})
      .then((s) => {
        if (!live) return;
        setSaved(s);
        setDraft(toDraft(s));
      })
      .catch((e) => live && setError(showError(e)));
    return () => {
      live = false;
    };
  }, [study?.path]);

  if (!draft || !saved) return <ErrorNotice error={error} />;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const errors: Partial<Record<keyof Draft, string>> = {};
    const changes: Partial<StudySettings> = {};
    for (const f of NUMERIC) {
      const n = Number(draft[f.key].replace(',', '.'));
      if (!Number.isFinite(n) || (f.integer && !Number.isInteger(n)) || n < f.min || n > f.max) {
        errors[f.key] = `Enter ${f.integer ? 'a whole number' : 'a number'} from ${f.min} to ${f.max}.`;
      } else if (n !== saved[f.key]) {
        (changes as Record<string, number>)[f.key] = n;
      }
    }
    if (draft.timeUnit !== saved.timeUnit) changes.timeUnit = draft.timeUnit;
    if (draft.displayFormat !== saved.displayFormat) changes.displayFormat = draft.displayFormat;
    setFieldErrors(errors);
    if (Object.keys(errors).length) return;
    if (Object.keys(changes).length === 0) {
      setNotice('Nothing changed.');
      return;
    }
    try {
      const next = await rtcw().updateStudySettings(changes);
      setSaved(next);
      setDraft(toDraft(next));
      setNotice('Settings saved. Derived values (BED, SBRT, timing, first failure) now follow them.');
      bump();
    } catch (e) {
      setError(showError(e));
    }
  };

  return (
    <section className="panel" aria-labelledby={`${baseId}-h`}>
      <h2 id={`${baseId}-h`}>Study settings</h2>
      <ErrorNotice error={error} onDismiss={() => setError(null)} />
      <form onSubmit={submit}>
        <div className="fields" style={{ gridTemplateColumns: 'repeat(auto-fill, minmax(220px, 1fr))' }}>
          {NUMERIC.map((f) => {
            const id = `${baseId}-${f.key}`;
            const err = fieldErrors[f.key];
            return (
              <div className="field" key={f.key}>
                <label htmlFor={id}>{f.label}</label>
                <input
                  id={id}
                  type="text"
                  inputMode="decimal"
                  value={draft[f.key]}
                  aria-invalid={err ? true : undefined}
                  aria-describedby={`${id}-hint`}
                  onChange={(e) => setDraft({ ...draft, [f.key]: e.target.value })}
                />
                <span id={`${id}-hint`} className={err ? 'field-error' : 'field-hint'}>
                  {err ?? f.hint}
                </span>
              </div>
            );
          })}
          <div className="field">
            <label htmlFor={`${baseId}-unit`}>Time unit</label>
            <select id={`${baseId}-unit`} value={draft.timeUnit} onChange={(e) => setDraft({ ...draft, timeUnit: e.target.value as StudySettings['timeUnit'] })}>
              <option value="months">months</option>
              <option value="days">days</option>
              <option value="weeks">weeks</option>
              <option value="years">years</option>
            </select>
            <span className="field-hint">For reports and exports; analyses compute in months.</span>
          </div>
          <div className="field">
            <label htmlFor={`${baseId}-format`}>Dates and numbers</label>
            <select
              id={`${baseId}-format`}
              value={draft.displayFormat}
              onChange={(e) => setDraft({ ...draft, displayFormat: e.target.value as StudySettings['displayFormat'] })}
            >
              <option value="iso">ISO (2026-12-03, 12.5)</option>
              <option value="locale">
                This computer&apos;s regional format ({formatDate('2026-12-03', 'locale', saved?.locale)}, {formatNumber(12.5, 'locale', 2, saved?.locale)})
              </option>
            </select>
            <span className="field-hint">
              Grids, lists, result tables and exported tables. Figures follow the analysis’s journal style; the analysis dataset and R script stay ISO.
            </span>
          </div>
        </div>
        <div className="button-row" style={{ marginTop: 12 }}>
          <button type="submit">Save settings</button>
          {notice && (
            <span className="small muted" role="status">
              {notice}
            </span>
          )}
        </div>
      </form>
    </section>
  );
}
