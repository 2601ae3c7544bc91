import { useEffect, useId, useMemo, useState, type FormEvent } from 'react';
import { ENDPOINT_LABELS, type AnalysisResult, type AnalysisSpec, type SavedAnalysis } from '../../../shared/api/analysis';
import type { ExportedFile } from '../../../shared/api/export';
import { analysisForestFigure, analysisSurvivalFigure } from '../../../shared/charts/analysisFigure';
import { PRESETS, pixelsForMm, type JournalPreset } from '../../../shared/charts/journalStyle';
import { NeedsStudy, PageTitle, navigate } from '../navigation';
import { useStudy } from '../StudyContext';
import { DEFAULT_SPEC, currentSpec } from '../analysis/currentSpec';
import { figureFontReady, measureText } from '../analysis/screenFigure';
import { EChart } from '../components/EChart';
import { ErrorNotice } from '../components/ErrorNotice';
import { ProgressBar } from '../components/ProgressBar';
import { useLongJob } from '../components/useLongJob';
import { isDesktop, rtcw, showError, type ShownError } from '../rtcw';
import { SelectField } from '../components/SelectField';

type Item = 'survival' | 'forest' | 'table1' | 'cox' | 'firstFailure' | 'toxicity' | 'methods';
const ITEMS: { id: Item; label: string; kind: 'figure' | 'table' | 'text' }[] = [
  { id: 'survival', label: 'Survival / cumulative incidence figure', kind: 'figure' },
  { id: 'forest', label: 'Forest plot (Cox)', kind: 'figure' },
  { id: 'table1', label: 'Table 1', kind: 'table' },
  { id: 'cox', label: 'Cox regression table', kind: 'table' },
  { id: 'firstFailure', label: 'Patterns of first failure', kind: 'table' },
  { id: 'toxicity', label: 'Toxicity table', kind: 'table' },
  { id: 'methods', label: 'Statistical methods paragraph', kind: 'text' },
];
const FIGURE_FORMATS = ['pdf', 'svg', 'png', 'tiff'] as const;
type TableFormat = 'docx' | 'xlsx' | 'csv' | 'html' | 'latex';
type PStyle = 'ama' | 'nejm' | 'lancet' | 'exact' | '';

export function ExportPage() {
  return (
    <div className="page page-wide">
      <PageTitle>Export</PageTitle>
      <p className="lede">
        Publication figures and tables, drawn by the same builders as the screen. Every file carries the app version, the
        analysis specification hash and the dataset fingerprint — never a patient identifier.
      </p>
      <NeedsStudy>
        <ExportWorkspace />
      </NeedsStudy>
    </div>
  );
}

/** A file name that says what the file holds (the hint and the default of the save dialog). */
function suggestedFileName(item: Item, spec: AnalysisSpec, extension: string): string {
  const group = spec.groupBy ? `-by-${spec.groupBy}` : '';
  const base = item === 'survival' ? `${spec.endpoint}${group}` : item === 'forest' ? `forest-${spec.endpoint}` : item;
  const ext = extension === 'latex' ? 'tex' : extension;
  return `${base.replace(/[^A-Za-z0-9-]+/g, '-').toLowerCase()}.${ext}`;
}

function ExportWorkspace() {
  const { revision, study } = useStudy();
  const [saved, setSaved] = useState<SavedAnalysis[]>([]);
  const [source, setSource] = useState<string>(currentSpec(study?.path) ? 'current' : 'default');
  const [item, setItem] = useState<Item>('survival');
  const [figureFormat, setFigureFormat] = useState<(typeof FIGURE_FORMATS)[number]>('pdf');
  const [tableFormat, setTableFormat] = useState<TableFormat>('docx');
  const [preset, setPreset] = useState<'single' | 'double'>('single');
  const [dpi, setDpi] = useState<300 | 600 | 1200>(600);
  const [palette, setPalette] = useState<'okabe-ito' | 'grey'>('okabe-ito');
  // '' = the analysis's own style (spec.format.pStyle), as on the Analysis page.
  const [pStyle, setPStyle] = useState<PStyle>('');
  const [model, setModel] = useState<'multivariable' | 'univariate'>('multivariable');
  const [fileName, setFileName] = useState('');
  const [result, setResult] = useState<AnalysisResult | null>(null);
  const [exported, setExported] = useState<ExportedFile | null>(null);
  const [methods, setMethods] = useState<string | null>(null);
  const [error, setError] = useState<ShownError | null>(null);
  const [fontReady, setFontReady] = useState(false);
  const job = useLongJob();
  const ids = { source: useId(), file: useId() };

  useEffect(() => {
    void figureFontReady().then(() => setFontReady(true));
    void rtcw()
      .listSavedAnalyses({})
      .then(setSaved)
      .catch((e) => setError(showError(e)));
  }, [revision]);

  const spec: AnalysisSpec = useMemo(() => {
    if (source === 'current') return currentSpec(study?.path) ?? DEFAULT_SPEC;
    const s = saved.find((x) => String(x.id) === source);
    return s?.spec ?? DEFAULT_SPEC;
  }, [source, saved, study?.path]);

  // The preview runs the analysis (quick) and draws the figure at the chosen journal preset.
  useEffect(() => {
    let live = true;
    setResult(null);
    void rtcw()
      .runAnalysis({ spec })
      .then((r) => live && setResult(r))
      .catch((e) => live && setError(showError(e)));
    return () => {
      live = false;
    };
  }, [spec, revision]);

  const meta = ITEMS.find((i) => i.id === item)!;
  const journal: JournalPreset = useMemo(() => ({ ...PRESETS[preset], palette, pStyle: pStyle || spec.format.pStyle }), [preset, palette, pStyle, spec]);
  const preview = useMemo(() => {
    if (!result || !fontReady || meta.kind !== 'figure') return null;
    // Preview at 2 px per point of the final size (≈ 144 dpi), capped for the screen.
    const scale = preset === 'single' ? 2.4 : 1.6;
    const ctx = { preset: journal, measureText, scale };
    return item === 'forest' ? analysisForestFigure(result, ctx, model) : analysisSurvivalFigure(result, ctx);
  }, [result, fontReady, meta.kind, item, journal, preset, model]);

  const onExport = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setExported(null);
    const path = !isDesktop && fileName.trim() ? fileName.trim() : undefined;
    if (meta.kind === 'text') {
      try {
        const text = await rtcw().getMethodsText({ spec, pStyle: pStyle || undefined });
        setMethods(text.text);
      } catch (e) {
        setError(showError(e));
      }
      return;
    }
    const file =
      meta.kind === 'figure'
        ? await job.run(
            (options) =>
              rtcw().exportFigure(
                { spec, figure: item === 'forest' ? 'forest' : 'survival', model, format: figureFormat, dpi, preset, palette, pStyle: pStyle || undefined, path },
                options,
              ),
            'Rendering figure…',
          )
        : await job.run(
            (options) =>
              rtcw().exportTable({ spec, table: item as 'table1' | 'cox' | 'firstFailure' | 'toxicity', format: tableFormat, pStyle: pStyle || undefined, path }, options),
            'Writing table…',
          );
    if (file) setExported(file);
  };

  const raster = figureFormat === 'png' || figureFormat === 'tiff';
  const widthMm = PRESETS[preset].widthMm;

  return (
    <div className="analysis-layout">
      <form className="panel analysis-controls" onSubmit={onExport} aria-label="Export options" style={{ marginBottom: 0 }}>
        <div className="field">
          <label htmlFor={ids.source}>Analysis</label>
          <select id={ids.source} value={source} onChange={(e) => setSource(e.target.value)}>
            {currentSpec(study?.path) && <option value="current">Current analysis (Analysis page)</option>}
            <option value="default">Default: local progression-free by targeted therapy</option>
            {saved.map((s) => (
              <option key={s.id} value={String(s.id)}>
                Saved: {s.name}
              </option>
            ))}
          </select>
          <span className="field-hint">
            {ENDPOINT_LABELS[spec.endpoint]}, {spec.unit} level{spec.groupBy ? `, by ${spec.groupBy}` : ''}.{' '}
            <button type="button" className="link small" onClick={() => navigate('analysis')}>
              Change on the Analysis page
            </button>
          </span>
        </div>

        <fieldset>
          <legend>What to export</legend>
          <div style={{ display: 'flex', flexDirection: 'column', gap: 4 }}>
            {ITEMS.map((i) => (
              <label key={i.id} className="check">
                <input type="radio" name="export-item" checked={item === i.id} onChange={() => { setItem(i.id); setExported(null); setMethods(null); }} />
                {i.label}
              </label>
            ))}
          </div>
        </fieldset>

        {meta.kind === 'figure' && (
          <fieldset>
            <legend>Figure</legend>
            <div className="fields" style={{ gridTemplateColumns: '1fr' }}>
              <SelectField label="Format" value={figureFormat} onChange={(v) => setFigureFormat(v as typeof figureFormat)} options={FIGURE_FORMATS.map((f) => [f, f.toUpperCase()])} />
              <SelectField label="Size" value={preset} onChange={(v) => setPreset(v as 'single' | 'double')} options={[['single', 'Single column (85 mm)'], ['double', 'Double column (174 mm)']]} />
              {raster && <SelectField label="Resolution" value={String(dpi)} onChange={(v) => setDpi(Number(v) as 300 | 600 | 1200)} options={[['300', '300 dpi'], ['600', '600 dpi'], ['1200', '1200 dpi']]} />}
              <SelectField label="Palette" value={palette} onChange={(v) => setPalette(v as 'okabe-ito' | 'grey')} options={[['okabe-ito', 'Colour-blind safe'], ['grey', 'Greyscale']]} />
              <SelectField label="P values" value={pStyle} onChange={(v) => setPStyle(v as PStyle)} options={[['', 'As the analysis'], ['ama', 'AMA (P = .02)'], ['nejm', 'NEJM (P = 0.02)'], ['lancet', 'Lancet (p=0·02)'], ['exact', 'Exact']]} />
              {item === 'forest' && <SelectField label="Model" value={model} onChange={(v) => setModel(v as 'multivariable' | 'univariate')} options={[['multivariable', 'Multivariable'], ['univariate', 'Univariate']]} />}
            </div>
            <p className="small muted" style={{ marginTop: 8 }}>
              {widthMm} mm wide{raster ? ` · ${pixelsForMm(widthMm, dpi)} px at ${dpi} dpi` : ' · vector, font embedded'}
            </p>
          </fieldset>
        )}
        {meta.kind === 'table' && (
          <fieldset>
            <legend>Table</legend>
            <div className="fields" style={{ gridTemplateColumns: '1fr' }}>
              <SelectField label="Format" value={tableFormat} onChange={(v) => setTableFormat(v as TableFormat)} options={[['docx', 'Word (DOCX)'], ['xlsx', 'Excel (XLSX)'], ['csv', 'CSV'], ['html', 'HTML'], ['latex', 'LaTeX']]} />
              <SelectField label="P values" value={pStyle} onChange={(v) => setPStyle(v as PStyle)} options={[['', 'As the analysis'], ['ama', 'AMA'], ['nejm', 'NEJM'], ['lancet', 'Lancet'], ['exact', 'Exact']]} />
            </div>
          </fieldset>
        )}

        {meta.kind !== 'text' && !isDesktop && (
          <div className="field">
            <label htmlFor={ids.file}>Save as</label>
            <input id={ids.file} type="text" className="mono" value={fileName} onChange={(e) => setFileName(e.target.value)} placeholder={`/path/to/${suggestedFileName(item, spec, meta.kind === 'figure' ? figureFormat : tableFormat)}`} />
            <span className="field-hint">Web mode has no save dialog: type the path of the new file.</span>
          </div>
        )}
        <button type="submit" className="primary" disabled={job.running}>
          {meta.kind === 'text' ? 'Write the methods paragraph' : 'Export'}
        </button>
      </form>

      <div style={{ minWidth: 0 }}>
        <ErrorNotice error={error ?? job.error} onDismiss={() => { setError(null); job.clearError(); }} />
        {job.running && (
          <div className="button-row">
            <div style={{ flex: 1 }}>
              <ProgressBar label="Exporting" pct={job.pct} message={job.message} />
            </div>
            <button type="button" className="small" onClick={() => void job.cancel()}>
              Cancel
            </button>
          </div>
        )}
        {exported && (
          <div className="notice ok" role="status">
            <div className="notice-title">Exported {exported.format.toUpperCase()}</div>
            <div className="mono small">{exported.path}</div>
            <div className="small">
              {(exported.bytes / 1024).toFixed(1)} KB
              {exported.widthMm ? ` · ${exported.widthMm.toFixed(0)} × ${exported.heightMm?.toFixed(0)} mm` : ''}
              {exported.widthPx ? ` · ${exported.widthPx} × ${exported.heightPx} px at ${exported.dpi} dpi` : ''} · spec {exported.analysisSpecHash.slice(0, 10)} · dataset{' '}
              {exported.datasetFingerprint.slice(0, 10)}
            </div>
          </div>
        )}
        {methods && (
          <section className="panel" aria-label="Statistical methods">
            <h2>Statistical methods</h2>
            <p style={{ whiteSpace: 'pre-wrap', maxWidth: '75ch' }}>{methods}</p>
            <button
              type="button"
              onClick={() =>
                void navigator.clipboard
                  ?.writeText(methods)
                  .catch(() => setError({ code: 'FORBIDDEN', message: 'The clipboard is not available here.', next: 'Select the paragraph and copy it with Ctrl+C.' }))
              }
            >
              Copy to clipboard
            </button>
          </section>
        )}
        <section className="panel" aria-label="Preview">
          <h2>Preview</h2>
          {meta.kind === 'figure' ? (
            preview ? (
              <div style={{ overflow: 'auto', background: '#fff', padding: 8, border: '1px dashed var(--line)' }}>
                <EChart option={preview.option} width={preview.width} height={preview.height} label={`Preview of the ${meta.label.toLowerCase()} at ${widthMm} mm`} />
              </div>
            ) : (
              <p className="muted">Preparing the preview…</p>
            )
          ) : (
            <p className="muted">
              {meta.kind === 'table' ? 'Tables are written exactly as shown on the Analysis page (Table 1, Cox, first failure and toxicity tabs).' : 'The paragraph describes exactly the methods of the chosen analysis.'}
            </p>
          )}
        </section>
      </div>
    </div>
  );
}

