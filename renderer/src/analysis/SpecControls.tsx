// Controls for the parts of the analysis specification that are rules rather than choices of
// analysis: cut-offs and Table 1 rules (shown with their defaults, stated in the methods paragraph),
// group labels, number format, the figure's axis/annotation options, and the R script that
// reproduces the analysis ("Copy R code"). Every value lives in the spec (shared/api/analysis.ts).
import { useId, useState } from 'react';
import { ANALYSIS_VARIABLES, DEFAULT_RULES, variableLevels, type AnalysisRules, type AnalysisSpec } from '../../../shared/api/analysis';
import { SelectField } from '../components/SelectField';

type Update = (patch: Partial<AnalysisSpec>) => void;

function NumberField(props: { label: string; value: number | null; onChange(v: number | null): void; min?: number; max?: number; step?: number; placeholder?: string; hint?: string }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        type="number"
        min={props.min}
        max={props.max}
        step={props.step}
        placeholder={props.placeholder}
        value={props.value === null ? '' : String(props.value)}
        onChange={(e) => {
          if (e.target.value === '') return props.onChange(null);
          const v = Number(e.target.value);
          if (Number.isFinite(v) && (props.min === undefined || v >= props.min) && (props.max === undefined || v <= props.max)) props.onChange(v);
        }}
      />
      {props.hint && <span className="field-hint">{props.hint}</span>}
    </div>
  );
}


/** x-axis range and ticks (default: the follow-up range), annotation position, median line. */
export function FigureAxisOptions({ spec, update }: { spec: AnalysisSpec; update: Update }) {
  const chart = spec.chart;
  const set = (patch: Partial<AnalysisSpec['chart']>) => update({ chart: { ...chart, ...patch } });
  return (
    <>
      <div style={{ display: 'grid', gridTemplateColumns: '1fr 1fr', gap: 6 }}>
        <NumberField label="x axis to (months)" value={chart.xMax} min={1} max={600} placeholder="follow-up" onChange={(v) => set({ xMax: v })} />
        <NumberField label="Tick every (months)" value={chart.xStep} min={0.25} max={120} placeholder="auto" onChange={(v) => set({ xStep: v })} />
      </div>
      <SelectField
        label="Test and HR block"
        value={chart.annotation}
        onChange={(v) => set({ annotation: v as AnalysisSpec['chart']['annotation'] })}
        options={[
          ['auto', 'Automatic (an empty corner, else below)'],
          ['top-right', 'Top right'],
          ['top-left', 'Top left'],
          ['bottom-right', 'Bottom right'],
          ['bottom-left', 'Bottom left'],
          ['below', 'Below the plot'],
          ['none', 'Hidden'],
        ]}
      />
      <label className="check">
        <input type="checkbox" checked={chart.medianLine} onChange={(e) => set({ medianLine: e.target.checked })} />
        Median line
      </label>
    </>
  );
}

/** Display names of the grouping variable's values (figures, tables, report). */
export function GroupLabelsEditor({ spec, update }: { spec: AnalysisSpec; update: Update }) {
  const variable = ANALYSIS_VARIABLES.find((v) => v.key === spec.groupBy);
  const levels = variable ? (variableLevels(variable, spec.rules) ?? []) : [];
  if (levels.length === 0) return null;
  const set = (value: string, text: string) => {
    const next = { ...spec.groupLabels };
    if (text.trim() === '' || text.trim() === levels.find((l) => l.value === value)?.label) delete next[value];
    else next[value] = text.slice(0, 80);
    update({ groupLabels: next });
  };
  return (
    <fieldset>
      <legend>Group labels</legend>
      {levels.map((l) => (
        <LabelInput key={l.value} level={l} value={spec.groupLabels[l.value] ?? l.label} onCommit={(t) => set(l.value, t)} />
      ))}
    </fieldset>
  );
}

function LabelInput({ level, value, onCommit }: { level: { value: string; label: string }; value: string; onCommit(t: string): void }) {
  const id = useId();
  const [text, setText] = useState(value);
  return (
    <div className="field">
      <label htmlFor={id} className="small">
        {level.label}
      </label>
      <input id={id} type="text" value={text} onChange={(e) => setText(e.target.value)} onBlur={() => onCommit(text)} onKeyDown={(e) => e.key === 'Enter' && onCommit(text)} />
    </div>
  );
}

/** Cut-offs and Table 1 rules, each shown with its default. */
export function CutoffsAndRules({ spec, update }: { spec: AnalysisSpec; update: Update }) {
  const r = spec.rules;
  const set = (patch: Partial<AnalysisRules>) => update({ rules: { ...r, ...patch } });
  const d = DEFAULT_RULES;
  return (
    <fieldset>
      <legend>Cut-offs and Table 1 rules</legend>
      <div style={{ display: 'grid', gridTemplateColumns: '1fr 1fr 1fr', gap: 6 }}>
        <NumberField label="BED ≥ (Gy)" value={r.bedCutoffGy} min={0.1} max={1000} step={0.1} hint={`default ${d.bedCutoffGy}`} onChange={(v) => v !== null && set({ bedCutoffGy: v })} />
        <NumberField label="SINS ≥" value={r.sinsUnstableFrom} min={1} max={18} step={1} hint={`default ${d.sinsUnstableFrom}`} onChange={(v) => v !== null && set({ sinsUnstableFrom: Math.round(v) })} />
        <NumberField label="ECOG ≥" value={r.ecogHighFrom} min={1} max={4} step={1} hint={`default ${d.ecogHighFrom}`} onChange={(v) => v !== null && set({ ecogHighFrom: Math.round(v) })} />
      </div>
      <SelectField
        label="Location row"
        value={r.locationCounting}
        onChange={(v) => set({ locationCounting: v as AnalysisRules['locationCounting'] })}
        options={[
          ['both', 'Both: per lesion and regions involved (default)'],
          ['lesion', 'Per lesion (region holding most levels)'],
          ['regions', 'Regions involved (% of regions, as the reference study)'],
        ]}
      />
      <SelectField
        label="Percentages of"
        value={r.percentOf}
        onChange={(v) => set({ percentOf: v as AnalysisRules['percentOf'] })}
        options={[
          ['known', 'Known values, missing on its own row (default)'],
          ['all', 'All rows'],
        ]}
      />
      <SelectField
        label="Categorical test"
        value={r.categoricalTest}
        onChange={(v) => set({ categoricalTest: v as AnalysisRules['categoricalTest'] })}
        options={[
          ['auto', `Fisher if an expected count < ${r.minExpected}, else χ² (default)`],
          ['fisher', "Fisher's exact test"],
          ['chisq', 'Pearson χ² test'],
        ]}
      />
    </fieldset>
  );
}

/** P-value style (the one formatter for screen, figures and exports) and Cox coefficient columns. */
export function NumberFormatOptions({ spec, update }: { spec: AnalysisSpec; update: Update }) {
  const f = spec.format;
  const set = (patch: Partial<AnalysisSpec['format']>) => update({ format: { ...f, ...patch } });
  return (
    <fieldset>
      <legend>Numbers</legend>
      <SelectField
        label="P values"
        value={f.pStyle}
        onChange={(v) => set({ pStyle: v as AnalysisSpec['format']['pStyle'] })}
        options={[
          ['nejm', 'NEJM / JCO (P = 0.02, P < 0.001)'],
          ['ama', 'JAMA / AMA (P = .02, P < .001)'],
          ['lancet', 'Lancet (p=0·02, p<0·0001)'],
          ['exact', 'Exact (P = 0.019)'],
        ]}
      />
      <label className="check small">
        <input type="checkbox" checked={f.showCoefficients} onChange={(e) => set({ showCoefficients: e.target.checked })} />
        Cox table: β, SE and robust SE
      </label>
    </fieldset>
  );
}

/** The analysis as a plain R script (survival, cmprsk, coxphf), as jamovi's syntax mode. */
export function ReproduceInR({ script }: { script: string }) {
  const [status, setStatus] = useState<string | null>(null);
  return (
    <fieldset>
      <legend>Reproduce in R</legend>
      <p className="small muted" style={{ margin: '0 0 6px' }}>
        Reads the analysis dataset as <span className="mono">dataset.csv</span> (<span className="mono">rtcw dataset --study FILE &gt; dataset.csv</span>, or
        the folder written by <span className="mono">rtcw report</span>) and writes <span className="mono">reproduce.json</span>.
      </p>
      <button
        type="button"
        onClick={() =>
          void (navigator.clipboard?.writeText(script) ?? Promise.reject(new Error('no clipboard')))
            .then(() => setStatus('R code copied.'))
            .catch(() => setStatus('The clipboard is not available here: select the code below and copy it.'))
        }
      >
        Copy R code
      </button>
      {status && (
        <span className="small" role="status" style={{ marginLeft: 8 }}>
          {status}
        </span>
      )}
      <details className="small" style={{ marginTop: 6 }}>
        <summary>Show the R code</summary>
        <pre aria-label="R code" className="mono" style={{ maxHeight: 240, overflow: 'auto', whiteSpace: 'pre', fontSize: 13 }}>
          {script}
        </pre>
      </details>
    </fieldset>
  );
}
