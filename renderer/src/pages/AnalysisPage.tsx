import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import {
  ANALYSIS_VARIABLES,
  ENDPOINT_LABELS,
  ENDPOINTS,
  type AnalysisResult,
  type AnalysisSpec,
  type SavedAnalysis,
} from '../../../shared/api/analysis';
import { NeedsStudy, PageTitle } from '../navigation';
import { useStudy } from '../StudyContext';
import { EChart } from '../components/EChart';
import { ErrorNotice } from '../components/ErrorNotice';
import { ProgressBar } from '../components/ProgressBar';
import { useDelayedFlag, useLongJob } from '../components/useLongJob';
import { CoxDiagnostics, LandmarkTable, NumberAtRiskTable, TableModelView } from '../analysis/ResultTables';
import { coxTableModel, countTableModel, table1Model, tableFormatOf } from '../../../shared/charts/tableModel';
import { reproduceScript } from '../../../shared/domain/reproduceScript';
import { localiseText } from '../../../shared/domain/displayFormat';
import { figureFontReady, screenForestFigure, screenSurvivalFigure } from '../analysis/screenFigure';
import { DEFAULT_SPEC, currentSpec, setCurrentSpec } from '../analysis/currentSpec';
import { formatHr, formatMonths, formatP } from '../analysis/format';
import { CutoffsAndRules, FigureAxisOptions, GroupLabelsEditor, NumberFormatOptions, ReproduceInR } from '../analysis/SpecControls';
import { rtcw, showError, type ShownError } from '../rtcw';
import { ActiveFiltersLine, FiltersEditor } from '../analysis/FiltersEditor';

const GROUPABLE = ANALYSIS_VARIABLES.filter((v) => v.coding !== 'numeric');

type ResultTab = 'table1' | 'cox' | 'failure' | 'toxicity';

export function AnalysisPage() {
  const { study } = useStudy();
  return (
    <div className="page page-wide">
      <PageTitle>Analysis</PageTitle>
      <NeedsStudy>
        <AnalysisWorkspace key={study?.path} />
      </NeedsStudy>
    </div>
  );
}

function AnalysisWorkspace() {
  const { revision, study, display } = useStudy();
  const localised = (text: string) => localiseText(text, display.format, display.locale);
  const studyPath = study?.path;
  const [spec, setSpec] = useState<AnalysisSpec>(() => currentSpec(studyPath) ?? DEFAULT_SPEC);
  useEffect(() => setCurrentSpec(spec, studyPath), [spec, studyPath]);
  const [result, setResult] = useState<AnalysisResult | null>(null);
  const [saved, setSaved] = useState<SavedAnalysis[]>([]);
  const [savedId, setSavedId] = useState<number | null>(null);
  const [name, setName] = useState('');
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<ShownError | null>(null);
  const [tab, setTab] = useState<ResultTab>('table1');
  const job = useLongJob();
  const showProgress = useDelayedFlag(job.running);

  const loadSaved = useCallback(async () => {
    try {
      setSaved(await rtcw().listSavedAnalyses({}));
    } catch (e) {
      setError(showError(e));
    }
  }, []);
  useEffect(() => {
    void loadSaved();
  }, [loadSaved, revision]);

  // Live: re-run shortly after the specification (or the cohort) changes; a newer run supersedes.
  const runId = useRef(0);
  useEffect(() => {
    const id = ++runId.current;
    const timer = setTimeout(async () => {
      const r = await job.run(
        (options) => rtcw().runAnalysis({ spec, savedId: savedId ?? undefined }, options),
        'Running analysis…',
      );
      if (r && id === runId.current) setResult(r);
    }, 250);
    return () => clearTimeout(timer);
  }, [spec, revision]); // job.run is stable; savedId only labels the run

  const update = (patch: Partial<AnalysisSpec>) => setSpec((s) => ({ ...s, ...patch }));

  const onSave = async () => {
    const trimmed = name.trim();
    if (!trimmed) {
      setError({ code: 'INVALID_INPUT', message: 'Name the analysis before saving it.', next: 'Type a name in "Analysis name".' });
      return;
    }
    try {
      const s = await rtcw().saveAnalysis({ name: trimmed, spec });
      setSavedId(s.id);
      setNotice(`Saved “${s.name}”.`);
      await loadSaved();
    } catch (e) {
      setError(showError(e));
    }
  };

  const onLoad = (id: number) => {
    const s = saved.find((x) => x.id === id);
    if (!s) return;
    setSavedId(s.id);
    setName(s.name);
    setSpec(s.spec);
    setNotice(`Loaded “${s.name}”${s.datasetFingerprint ? ` (last run on dataset ${s.datasetFingerprint.slice(0, 10)}…)` : ''}.`);
  };

  const onDelete = async () => {
    if (savedId === null) return;
    try {
      setSaved(await rtcw().deleteSavedAnalysis({ id: savedId }));
      setSavedId(null);
      setNotice('Deleted the saved analysis.');
    } catch (e) {
      setError(showError(e));
    }
  };

  // The figure is laid out for the width available (and the figure font, once loaded).
  const [figureWidth, setFigureWidth] = useState(0);
  const [fontReady, setFontReady] = useState(false);
  const figureBox = useRef<HTMLDivElement | null>(null);
  useEffect(() => {
    void figureFontReady().then(() => setFontReady(true));
  }, []);
  const measureFigureBox = useCallback((el: HTMLDivElement | null) => {
    figureBox.current = el;
    if (!el) return;
    const ro = new ResizeObserver(() => setFigureWidth(Math.floor(el.clientWidth)));
    ro.observe(el);
    setFigureWidth(Math.floor(el.clientWidth));
  }, []);
  const figure = useMemo(
    () => (result && fontReady && figureWidth > 100 ? screenSurvivalFigure(result, Math.min(figureWidth, 1100)) : null),
    [result, fontReady, figureWidth],
  );
  const forest = useMemo(
    () => (result && fontReady && figureWidth > 100 && tab === 'cox' ? screenForestFigure(result, Math.min(figureWidth, 900)) : null),
    [result, fontReady, figureWidth, tab],
  );

  const savedSelectId = useId();
  const nameId = useId();

  return (
    <div className="analysis-layout">
      <form className="analysis-controls panel" aria-label="Analysis specification" onSubmit={(e) => e.preventDefault()} style={{ marginBottom: 0 }}>
        <div className="field">
          <label htmlFor={savedSelectId}>Saved analyses</label>
          <select id={savedSelectId} value={savedId ?? ''} onChange={(e) => (e.target.value ? onLoad(Number(e.target.value)) : setSavedId(null))}>
            <option value="">— unsaved —</option>
            {saved.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={nameId}>Analysis name</label>
          <div className="button-row" style={{ flexWrap: 'nowrap' }}>
            <input id={nameId} type="text" value={name} onChange={(e) => setName(e.target.value)} style={{ flex: 1, minWidth: 0 }} placeholder="e.g. LPFR by concurrent TT" />
            <button type="button" onClick={() => void onSave()}>
              Save analysis
            </button>
          </div>
          {savedId !== null && (
            <button type="button" className="link small" style={{ alignSelf: 'flex-start' }} onClick={() => void onDelete()}>
              Delete saved analysis
            </button>
          )}
        </div>

        <fieldset>
          <legend>Endpoint</legend>
          <div style={{ display: 'flex', flexDirection: 'column', gap: 4 }}>
            {ENDPOINTS.map((e) => (
              <label key={e} className="check">
                <input type="radio" name="endpoint" value={e} checked={spec.endpoint === e} onChange={() => update({ endpoint: e })} />
                {ENDPOINT_LABELS[e]}
              </label>
            ))}
          </div>
        </fieldset>

        <fieldset>
          <legend>Unit of analysis</legend>
          <div className="radio-row">
            {(['lesion', 'patient'] as const).map((u) => (
              <label key={u}>
                <input type="radio" name="unit" value={u} checked={spec.unit === u} onChange={() => update({ unit: u })} />
                {u === 'lesion' ? 'Lesion' : 'Patient (first lesion)'}
              </label>
            ))}
          </div>
        </fieldset>

        <SelectField
          label="Group by"
          value={spec.groupBy ?? ''}
          onChange={(v) => update({ groupBy: v || null })}
          options={[{ value: '', label: 'No grouping (whole cohort)' }, ...GROUPABLE.map((v) => ({ value: v.key, label: v.label }))]}
        />

        <FiltersEditor filters={spec.filters} onChange={(filters) => update({ filters })} />

        <LandmarksField value={spec.landmarks} onChange={(landmarks) => update({ landmarks })} />

        <fieldset>
          <legend>Figure</legend>
          <div style={{ display: 'flex', flexDirection: 'column', gap: 6 }}>
            <label className="check">
              <input type="checkbox" checked={spec.chart.ci} onChange={(e) => update({ chart: { ...spec.chart, ci: e.target.checked } })} />
              Confidence bands
            </label>
            <SelectField
              label="Risk table"
              value={spec.chart.riskTable}
              onChange={(v) => update({ chart: { ...spec.chart, riskTable: v as AnalysisSpec['chart']['riskTable'] } })}
              options={[
                { value: 'basic', label: 'Number at risk' },
                { value: 'kmunicate', label: 'KMunicate (at risk, events, censored)' },
                { value: 'none', label: 'None' },
              ]}
            />
            <FigureAxisOptions spec={spec} update={update} />
            <SelectField
              label="Confidence interval"
              value={spec.confType}
              onChange={(v) => update({ confType: v as AnalysisSpec['confType'] })}
              options={[
                { value: 'log', label: 'log (R default)' },
                { value: 'log-log', label: 'log-log' },
                { value: 'plain', label: 'plain' },
              ]}
            />
          </div>
        </fieldset>

        <GroupLabelsEditor spec={spec} update={update} />
        <CutoffsAndRules spec={spec} update={update} />
        <NumberFormatOptions spec={spec} update={update} />
        <CoxOptions spec={spec} update={update} fitted={result?.coxMethods ?? null} />
        <ReproduceInR script={reproduceScript(spec)} />
      </form>

      <div style={{ minWidth: 0 }}>
        <ErrorNotice error={error ?? job.error} onDismiss={() => { setError(null); job.clearError(); }} />
        {notice && (
          <div className="notice ok small" role="status">
            {notice}{' '}
            <button type="button" className="link small" onClick={() => setNotice(null)}>
              Dismiss
            </button>
          </div>
        )}
        {showProgress && (
          <div className="button-row" style={{ marginBottom: 8 }}>
            <div style={{ flex: 1 }}>
              <ProgressBar label="Running analysis" pct={job.pct} message={job.message} />
            </div>
            <button type="button" className="small" onClick={() => void job.cancel()}>
              Cancel
            </button>
          </div>
        )}
        {result && (
          <div aria-busy={job.running} aria-live="polite" aria-label="Analysis results" role="region">
            <section className="panel">
              <div className="page-header" style={{ marginBottom: 4 }}>
                <div>
                  <h2 style={{ marginBottom: 2 }}>
                    {ENDPOINT_LABELS[result.spec.endpoint]}
                    {result.spec.groupBy && <> by {ANALYSIS_VARIABLES.find((v) => v.key === result.spec.groupBy)?.label.toLowerCase()}</>}
                  </h2>
                  <div className="small muted">
                    {result.n} {result.unit}s, {result.events} events
                    {result.excluded.map((x) => ` · ${x.count} excluded (${x.reason})`).join('')} · dataset{' '}
                    <span className="mono" title={result.datasetFingerprint}>
                      {result.datasetFingerprint.slice(0, 12)}
                    </span>
                  </div>
                  <ActiveFiltersLine filters={result.spec.filters} />
                </div>
                <div className="spacer" />
                <dl className="kv small" aria-label="Test and hazard ratio">
                  {result.test && (
                    <>
                      <dt className="muted">{result.test.kind === 'logrank' ? 'Log-rank' : "Gray's test"}</dt>
                      <dd style={{ margin: 0 }} data-testid="group-test-p">
                        {localised(`χ² ${result.test.chisq.toFixed(2)}, df ${result.test.df}, ${formatP(result.test.p, result.spec.format.pStyle)}`)}
                      </dd>
                    </>
                  )}
                  {result.hazardRatio && (
                    <>
                      <dt className="muted">
                        {result.kind === 'cif' ? 'Cause-specific HR' : 'HR'} {result.hazardRatio.method === 'firth' ? '(Firth)' : result.hazardRatio.robust ? '(robust)' : ''}
                      </dt>
                      <dd style={{ margin: 0 }}>
                        {localised(`${formatHr(result.hazardRatio.hr, result.hazardRatio.lower, result.hazardRatio.upper)}, ${formatP(result.hazardRatio.p, result.spec.format.pStyle)}`)}
                      </dd>
                    </>
                  )}
                  <dt className="muted">Median follow-up</dt>
                  <dd style={{ margin: 0 }}>
                    {localised(
                      `${formatMonths(result.followUp.reverseKm.estimate)} mo (reverse KM) · observed ${formatMonths(result.followUp.observed.median)} (${formatMonths(result.followUp.observed.min)}–${formatMonths(result.followUp.observed.max)})`,
                    )}
                  </dd>
                </dl>
              </div>
              {result.headline && (
                <div className="notice warn" role="note" data-testid="analysis-headline">
                  {result.headline}
                </div>
              )}
              <div ref={measureFigureBox} style={{ width: '100%', display: 'flex', justifyContent: 'center' }}>
                {figure && (
                  <EChart
                    option={figure.option}
                    label={`${ENDPOINT_LABELS[result.spec.endpoint]} curves${result.spec.groupBy ? ' by group' : ''}; the numbers are in the tables below.`}
                    width={figure.width}
                    height={figure.height}
                  />
                )}
              </div>
              {result.warnings.length > 0 && (
                <details className="small" style={{ marginTop: 6 }}>
                  <summary>{result.warnings.length} note{result.warnings.length === 1 ? '' : 's'} on the data and models</summary>
                  <ul>
                    {result.warnings.map((w) => (
                      <li key={w}>{w}</li>
                    ))}
                  </ul>
                </details>
              )}
            </section>

            <section className="panel">
              <LandmarkTable result={result} display={display} />
              <div style={{ height: 14 }} />
              <NumberAtRiskTable result={result} figureRiskTable={figure?.riskTable ?? null} />
            </section>

            <section className="panel">
              <div role="tablist" aria-label="Result tables" className="tabs">
                {(
                  [
                    ['table1', 'Table 1'],
                    ['cox', 'Cox regression'],
                    ['failure', 'First failure'],
                    ['toxicity', 'Toxicity'],
                  ] as const
                ).map(([id, label], i, all) => (
                  <button
                    key={id}
                    id={`result-tab-${id}`}
                    type="button"
                    role="tab"
                    className="tab"
                    aria-selected={tab === id}
                    aria-controls="result-panel"
                    tabIndex={tab === id ? 0 : -1}
                    onClick={() => setTab(id)}
                    onKeyDown={(e) => {
                      const d = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
                      if (!d) return;
                      const next = all[(i + d + all.length) % all.length][0];
                      setTab(next);
                      document.getElementById(`result-tab-${next}`)?.focus();
                    }}
                  >
                    {label}
                  </button>
                ))}
              </div>
              <div role="tabpanel" id="result-panel" aria-labelledby={`result-tab-${tab}`}>
                {tab === 'table1' && <TableModelView model={table1Model(result.table1, tableFormatOf(result))} label="Table 1" display={display} />}
                {tab === 'cox' && (
                  <>
                    {forest && (
                      <div style={{ display: 'flex', justifyContent: 'center', marginBottom: 12 }}>
                        <EChart
                          option={forest.option}
                          width={forest.width}
                          height={forest.height}
                          label={`Forest plot of the ${result.multivariable ? 'multivariable' : 'univariate'} Cox model; the numbers are in the tables below.`}
                        />
                      </div>
                    )}
                    <TableModelView model={coxTableModel(result)} label="Cox regression" display={display} />
                    <CoxDiagnostics result={result} display={display} />
                  </>
                )}
                {tab === 'failure' && <TableModelView model={countTableModel(result.firstFailure, `Table 3. ${result.firstFailure.title}`)} label="Patterns of first failure" display={display} />}
                {tab === 'toxicity' && <TableModelView model={countTableModel(result.toxicity, `Table 4. ${result.toxicity.title}`)} label="Toxicity (CTCAE)" display={display} />}
              </div>
            </section>
          </div>
        )}
      </div>
    </div>
  );
}

function SelectField(props: { label: string; value: string; onChange(v: string): void; options: { value: string; label: string }[] }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <select id={id} value={props.value} onChange={(e) => props.onChange(e.target.value)}>
        {props.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

function LandmarksField({ value, onChange }: { value: number[]; onChange(v: number[]): void }) {
  const id = useId();
  const errId = useId();
  const [text, setText] = useState(value.join(', '));
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => setText(value.join(', ')), [value]);
  const commit = () => {
    const parts = text.split(/[,;\s]+/).filter(Boolean);
    const nums = parts.map(Number);
    if (parts.length === 0 || nums.some((n) => !Number.isFinite(n) || n <= 0 || n > 600)) {
      setProblem('Enter landmark times in months between 0 and 600, separated by commas (e.g. 12, 24).');
      return;
    }
    setProblem(null);
    const next = [...new Set(nums)].sort((a, b) => a - b).slice(0, 10);
    if (next.join(',') !== value.join(',')) onChange(next);
  };
  return (
    <div className="field">
      <label htmlFor={id}>Landmark times (months)</label>
      <input
        id={id}
        type="text"
        value={text}
        aria-invalid={problem ? true : undefined}
        aria-describedby={problem ? errId : undefined}
        onChange={(e) => setText(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => e.key === 'Enter' && commit()}
      />
      {problem && (
        <span id={errId} className="field-error" role="alert">
          {problem}
        </span>
      )}
    </div>
  );
}

function CoxOptions({ spec, update, fitted }: { spec: AnalysisSpec; update(p: Partial<AnalysisSpec>): void; fitted: AnalysisResult['coxMethods'] | null }) {
  const allFirth = fitted !== null && fitted.firth > 0 && fitted.cox === 0;
  const thresholdId = useId();
  const toggle = (list: string[], key: string) => (list.includes(key) ? list.filter((k) => k !== key) : [...list, key]);
  return (
    <fieldset>
      <legend>Cox regression</legend>
      <div className="field-label" id="cox-candidates">
        Candidate covariates
      </div>
      <div role="group" aria-labelledby="cox-candidates" style={{ display: 'flex', flexDirection: 'column', gap: 2, maxHeight: 180, overflow: 'auto', margin: '4px 0 8px' }}>
        {ANALYSIS_VARIABLES.map((v) => (
          <label key={v.key} className="check small">
            <input type="checkbox" checked={spec.covariates.includes(v.key)} onChange={() => update({ covariates: toggle(spec.covariates, v.key) })} />
            {v.label}
          </label>
        ))}
      </div>
      <div className="radio-row small" role="radiogroup" aria-label="Multivariable model">
        <label>
          <input type="radio" name="mv" checked={spec.multivariable === 'threshold'} onChange={() => update({ multivariable: 'threshold' })} />
          Univariate p &lt;
        </label>
        <input
          id={thresholdId}
          type="number"
          aria-label="Univariate p threshold"
          min={0.001}
          max={0.5}
          step={0.01}
          value={spec.threshold}
          onChange={(e) => {
            const v = Number(e.target.value);
            if (v > 0 && v < 1) update({ threshold: v });
          }}
          style={{ width: 72 }}
        />
        <label>
          <input
            type="radio"
            name="mv"
            checked={spec.multivariable === 'chosen'}
            onChange={() => update({ multivariable: 'chosen', chosenCovariates: spec.chosenCovariates.length ? spec.chosenCovariates : spec.covariates.slice(0, 2) })}
          />
          Chosen
        </label>
      </div>
      {spec.multivariable === 'chosen' && (
        <div role="group" aria-label="Multivariable covariates" style={{ display: 'flex', flexDirection: 'column', gap: 2, margin: '6px 0' }}>
          {spec.covariates.map((k) => (
            <label key={k} className="check small">
              <input type="checkbox" checked={spec.chosenCovariates.includes(k)} onChange={() => update({ chosenCovariates: toggle(spec.chosenCovariates, k) })} />
              {ANALYSIS_VARIABLES.find((v) => v.key === k)?.label}
            </label>
          ))}
        </div>
      )}
      <div style={{ display: 'flex', flexDirection: 'column', gap: 4, marginTop: 8 }}>
        <SelectField
          label="Firth-penalised Cox"
          value={spec.firth}
          onChange={(v) => update({ firth: v as AnalysisSpec['firth'] })}
          options={[
            { value: 'auto', label: 'When the likelihood is monotone (default)' },
            { value: 'always', label: 'Always (coxphf)' },
            { value: 'never', label: 'Never' },
          ]}
        />
        <label className="check small">
          <input type="checkbox" checked={spec.cluster && !allFirth} onChange={(e) => update({ cluster: e.target.checked })} disabled={spec.unit === 'patient' || allFirth} />
          Robust variance clustered by patient
        </label>
        <div className="radio-row small" role="radiogroup" aria-label="Ties">
          <span className="muted">Ties:</span>
          {(['efron', 'breslow'] as const).map((t) => (
            <label key={t}>
              <input type="radio" name="ties" checked={(allFirth ? 'breslow' : spec.ties) === t} disabled={allFirth} onChange={() => update({ ties: t })} />
              {t === 'efron' ? 'Efron' : 'Breslow'}
            </label>
          ))}
        </div>
        {fitted && fitted.firth > 0 && (
          <p className="small muted" role="status" data-testid="fitted-methods" style={{ margin: 0 }}>
            {fitted.firth} model{fitted.firth > 1 ? 's' : ''} fitted with Firth's penalised likelihood (Breslow ties, no clustering, profile-likelihood CIs)
            {fitted.cox > 0 ? `; ${fitted.cox} ordinary Cox (${fitted.ties.filter((t) => t !== 'breslow' || spec.ties === 'breslow').join('/')}${fitted.robust ? ', robust' : ''})` : ''}.
          </p>
        )}
      </div>
    </fieldset>
  );
}
