import { useId, useMemo, useState, type FormEvent } from 'react';
import type { ImportReport, SpreadsheetPreview } from '../../../shared/api/cohort';
import { DERIVED_ON_IMPORT, ENTITY_FIELDS, ENTITY_NAMES, type EntityName } from '../../../shared/domain/cohortModel';
import { hospitalIdCandidate } from '../../../shared/domain/hospitalIdColumns';
import { navigate } from '../navigation';
import { useStudy } from '../StudyContext';
import { ErrorNotice } from '../components/ErrorNotice';
import { LocalPathField } from '../components/LocalPathField';
import { WizardSteps } from '../components/WizardSteps';
import { ProgressBar } from '../components/ProgressBar';
import { useLongJob } from '../components/useLongJob';
import { rtcw, showError, type ShownError } from '../rtcw';

type Step = 'file' | 'map' | 'validate' | 'done';
const STEPS: { id: Step; label: string }[] = [
  { id: 'file', label: 'Choose file' },
  { id: 'map', label: 'Map columns' },
  { id: 'validate', label: 'Validation report' },
  { id: 'done', label: 'Commit' },
];
const DATE_FORMATS = ['YYYY-MM-DD', 'DD.MM.YYYY', 'DD/MM/YYYY', 'MM/DD/YYYY', 'YYYYMMDD', 'DD-MM-YYYY'] as const;
type DateFormat = (typeof DATE_FORMATS)[number];

/** One field's mapping as edited on screen. */
interface FieldDraft {
  column: string;
  /** "1=M; 2=F" */
  values: string;
  dateFormat: DateFormat | '';
}
/**
 * How a sheet's rows find their patient by hospital ID (tableMapping.ts "Linkage by hospital ID"):
 * the ID column is hashed with the study key and matched to the study's patients, never stored.
 */
interface LinkDraft {
  byHospitalId: boolean;
  idColumn: string;
  issuer: string;
  /** Patient sheets: create patients whose ID is not in the study. */
  createMissing: boolean;
  /** Child sheets: the lesion is found among the patient's lesions by these levels… */
  levelsColumn: string;
  /** …and (optionally) the RT start date of its course. */
  rtStartColumn: string;
}
interface SheetDraft {
  sheet: string;
  entity: EntityName | '';
  key: string;
  fields: Record<string, FieldDraft>;
  link: LinkDraft;
}
interface MappingDraft {
  name: string;
  dateFormat: DateFormat;
  sheets: SheetDraft[];
}

const ENTITY_LABEL: Record<EntityName, string> = {
  patient: 'Patients',
  lesion: 'Lesions',
  rtCourse: 'RT courses',
  systemicTherapy: 'Systemic therapies',
  event: 'Events',
  toxicity: 'Toxicities',
};

/** Fields a mapping may name (tableMapping.ts mappableFields): parent references, then own fields. */
function mappableFields(entity: EntityName): { name: string; label: string; type: string; required: boolean }[] {
  const specs = ENTITY_FIELDS[entity];
  const refs = specs
    .filter((s) => s.type === 'reference')
    .map((s) => ({ name: s.name === 'patientId' ? 'patient' : 'lesion', label: `${s.label} (its key column)`, type: 'reference', required: Boolean(s.required) }));
  const own = specs
    .filter((s) => s.type !== 'reference' && s.name !== 'sourceKey' && s.name !== 'sourceLocator')
    .map((s) => ({ name: s.name, label: s.label, type: s.type, required: Boolean(s.required) && !DERIVED_ON_IMPORT[entity]?.includes(s.name) }));
  return [...refs, ...own];
}

const squash = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Guesses a column for a field from header names (exact-ish matches only; the user checks). */
function guessColumn(field: { name: string; label: string }, headers: string[]): string {
  const wanted = [squash(field.name), squash(field.label)];
  return headers.find((h) => wanted.includes(squash(h))) ?? '';
}

function guessEntity(sheetName: string): EntityName | '' {
  const n = squash(sheetName);
  if (n.includes('patient')) return 'patient';
  if (n.includes('lesion')) return 'lesion';
  if (n.includes('course') || n.includes('rt')) return 'rtCourse';
  if (n.includes('therap') || n.includes('drug')) return 'systemicTherapy';
  if (n.includes('event')) return 'event';
  if (n.includes('tox')) return 'toxicity';
  return '';
}

const hospitalIdColumn = hospitalIdCandidate;
/** Entities whose rows name a patient (rtCourse rows name only their lesion). */
const LINKABLE = new Set<EntityName>(['patient', 'lesion', 'systemicTherapy', 'event', 'toxicity']);
const hasLesionReference = (entity: EntityName) => ENTITY_FIELDS[entity].some((f) => f.name === 'lesionId');

/**
 * The wizard's first guess: link by hospital ID when the sheet has an ID-like column and the study
 * already has patients to link to (a first import into an empty study has nobody to match).
 */
function guessLink(entity: EntityName | '', headers: string[], studyHasPatients: boolean): LinkDraft {
  const idColumn = hospitalIdColumn(headers);
  const levels = headers.find((h) => ['levels', 'level', 'vertebrallevels', 'levelsvertebral'].includes(squash(h))) ?? '';
  const rtStart = headers.find((h) => ['rtstart', 'rtstartdate', 'startdate'].includes(squash(h))) ?? '';
  return {
    byHospitalId: Boolean(entity && LINKABLE.has(entity) && idColumn && studyHasPatients),
    idColumn,
    issuer: '',
    createMissing: false,
    levelsColumn: entity && entity !== 'lesion' && hasLesionReference(entity) ? levels : '',
    rtStartColumn: entity && entity !== 'patient' ? rtStart : '',
  };
}

/** Fields the link replaces in the column table (shown as the link's own controls instead). */
function linkedAway(entity: EntityName, link: LinkDraft): Set<string> {
  if (!link.byHospitalId || !LINKABLE.has(entity)) return new Set();
  if (entity === 'patient') return new Set(['pseudonym']);
  return new Set(['patient', ...(link.levelsColumn ? ['lesion'] : [])]);
}

const storageKey = (preview: SpreadsheetPreview) =>
  `rtcw.mapping.${preview.sheets.map((s) => `${s.name}:${s.headers.join('|')}`).join('/')}`;

function draftFromPreview(preview: SpreadsheetPreview, studyHasPatients: boolean): MappingDraft {
  return {
    name: 'import',
    dateFormat: 'YYYY-MM-DD',
    sheets: preview.sheets.map((s) => {
      const entity = guessEntity(s.name);
      const fields: Record<string, FieldDraft> = {};
      if (entity) for (const f of mappableFields(entity)) fields[f.name] = { column: guessColumn(f, s.headers), values: '', dateFormat: '' };
      return { sheet: s.name, entity, key: '', fields, link: guessLink(entity, s.headers, studyHasPatients) };
    }),
  };
}

/** On-screen draft → the mapping JSON the import service takes (tableMapping.ts). */
function mappingFromDraft(draft: MappingDraft, csv: boolean): { mapping: unknown; problems: string[] } {
  const problems: string[] = [];
  const sheets = draft.sheets
    .filter((s) => s.entity)
    .map((s) => {
      const entity = s.entity as EntityName;
      const columns: Record<string, unknown> = {};
      const away = linkedAway(entity, s.link);
      const linked = away.size > 0;
      if (linked) {
        if (!s.link.idColumn) problems.push(`${s.sheet}: choose the column holding the hospital ID.`);
        if (entity === 'patient') columns.sourcePatientId = s.link.idColumn;
        else columns.patient = { column: s.link.idColumn, by: 'sourcePatientId' };
        if (away.has('lesion')) columns.lesion = { column: s.link.levelsColumn, by: 'levels' };
      }
      for (const f of mappableFields(entity)) {
        if (away.has(f.name)) continue;
        const d = s.fields[f.name];
        if (!d?.column) {
          if (f.required) problems.push(`${s.sheet}: map a column to "${f.label}".`);
          continue;
        }
        const values: Record<string, string> = {};
        for (const pair of d.values.split(/[;\n]/).map((p) => p.trim()).filter(Boolean)) {
          const [from, ...rest] = pair.split('=');
          if (!rest.length) {
            problems.push(`${s.sheet}: value code "${pair}" for "${f.label}" needs the form code=value.`);
            continue;
          }
          values[from.trim()] = rest.join('=').trim();
        }
        columns[f.name] =
          Object.keys(values).length || d.dateFormat ? { column: d.column, ...(Object.keys(values).length ? { values } : {}), ...(d.dateFormat ? { dateFormat: d.dateFormat } : {}) } : d.column;
      }
      const linkOptions = linked
        ? {
            ...(s.link.issuer.trim() ? { issuer: s.link.issuer.trim() } : {}),
            ...(entity === 'patient' && s.link.createMissing ? { createMissing: true } : {}),
            ...(s.link.rtStartColumn && (away.has('lesion') || entity === 'lesion') ? { rtStartDate: s.link.rtStartColumn } : {}),
          }
        : {};
      return { ...(csv ? {} : { sheet: s.sheet }), entity, ...(s.key ? { key: s.key } : {}), ...linkOptions, columns };
    });
  if (sheets.length === 0) problems.push('Choose what at least one sheet holds.');
  return { mapping: { name: draft.name || 'import', dateFormat: draft.dateFormat, sheets }, problems };
}

/** A mapping JSON (e.g. a saved file) → the on-screen draft. */
function draftFromMapping(json: unknown, preview: SpreadsheetPreview): MappingDraft {
  const m = json as {
    name?: string;
    dateFormat?: DateFormat;
    issuer?: string;
    createMissing?: boolean;
    sheets?: { sheet?: string; entity: EntityName; key?: string; issuer?: string; createMissing?: boolean; rtStartDate?: string; columns: Record<string, unknown> }[];
  };
  if (!m || !Array.isArray(m.sheets)) throw new Error('The mapping needs a "sheets" list.');
  const base = draftFromPreview(preview, false);
  base.name = m.name ?? 'import';
  base.dateFormat = m.dateFormat ?? 'YYYY-MM-DD';
  for (const sm of m.sheets) {
    const target = base.sheets.find((s) => s.sheet === sm.sheet) ?? (preview.sheets.length === 1 ? base.sheets[0] : undefined);
    if (!target) throw new Error(`The mapping names sheet "${sm.sheet}", which this file does not have.`);
    if (!ENTITY_NAMES.includes(sm.entity)) throw new Error(`Unknown entity "${sm.entity}".`);
    target.entity = sm.entity;
    target.key = sm.key ?? '';
    target.fields = {};
    const columnOf = (cm: unknown) => (typeof cm === 'string' ? cm : ((cm as { column?: string } | undefined)?.column ?? ''));
    const byOf = (cm: unknown) => (typeof cm === 'object' && cm !== null ? (cm as { by?: string }).by : undefined);
    const idMapping = sm.entity === 'patient' ? sm.columns?.sourcePatientId : byOf(sm.columns?.patient) === 'sourcePatientId' ? sm.columns?.patient : undefined;
    target.link = {
      byHospitalId: idMapping !== undefined,
      idColumn: idMapping !== undefined ? columnOf(idMapping) : hospitalIdColumn(preview.sheets.find((p) => p.name === target.sheet)?.headers ?? []),
      issuer: sm.issuer ?? m.issuer ?? '',
      createMissing: sm.createMissing ?? m.createMissing ?? false,
      levelsColumn: byOf(sm.columns?.lesion) === 'levels' ? columnOf(sm.columns?.lesion) : '',
      rtStartColumn: sm.rtStartDate ?? '',
    };
    for (const f of mappableFields(sm.entity)) target.fields[f.name] = { column: '', values: '', dateFormat: '' };
    for (const [field, cm] of Object.entries(sm.columns ?? {})) {
      if (field === 'sourcePatientId' || (field === 'patient' && target.link.byHospitalId) || (field === 'lesion' && target.link.levelsColumn)) continue;
      if (typeof cm === 'string') target.fields[field] = { column: cm, values: '', dateFormat: '' };
      else {
        const c = cm as { column?: string; values?: Record<string, unknown>; dateFormat?: DateFormat };
        target.fields[field] = {
          column: c.column ?? '',
          values: c.values ? Object.entries(c.values).map(([k, v]) => `${k}=${String(v)}`).join('; ') : '',
          dateFormat: c.dateFormat ?? '',
        };
      }
    }
  }
  return base;
}

export function SpreadsheetWizard() {
  const { bump, study } = useStudy();
  const studyHasPatients = (study?.counts.patients ?? 0) > 0;
  const [step, setStep] = useState<Step>('file');
  const [path, setPath] = useState('');
  const [preview, setPreview] = useState<SpreadsheetPreview | null>(null);
  const [draft, setDraft] = useState<MappingDraft | null>(null);
  const [restored, setRestored] = useState(false);
  const [report, setReport] = useState<ImportReport | null>(null);
  const [error, setError] = useState<ShownError | null>(null);
  const [problems, setProblems] = useState<string[]>([]);
  const [jsonText, setJsonText] = useState('');
  const job = useLongJob();
  const pathId = useId();
  const jsonId = useId();
  const csv = /\.csv$/i.test(preview?.fileName ?? path);

  const readFile = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      const p = await rtcw().inspectSpreadsheet({ path: path.trim() || undefined });
      setPreview(p);
      let next = draftFromPreview(p, studyHasPatients);
      let fromStore = false;
      try {
        const saved = localStorage.getItem(storageKey(p));
        if (saved) {
          next = draftFromMapping(JSON.parse(saved), p);
          fromStore = true;
        }
      } catch {
        // a stale or unreadable saved mapping: start from the guesses
      }
      setDraft(next);
      setRestored(fromStore);
      setStep('map');
    } catch (e) {
      setError(showError(e));
    }
  };

  const validate = async () => {
    if (!draft || !preview) return;
    const { mapping, problems: found } = mappingFromDraft(draft, csv);
    setProblems(found);
    if (found.length) return;
    try {
      localStorage.setItem(storageKey(preview), JSON.stringify(mapping));
    } catch {
      // storage unavailable: the mapping still works for this import
    }
    setStep('validate');
    setReport(null);
    const r = await job.run((options) => rtcw().previewTableImport({ path: preview.path, mapping }, options), 'Validating rows…');
    if (r) setReport(r);
  };

  const commit = async () => {
    if (!draft || !preview) return;
    const { mapping } = mappingFromDraft(draft, csv);
    const r = await job.run((options) => rtcw().commitTableImport({ path: preview.path, mapping }, options), 'Importing rows…');
    if (r) {
      setReport(r);
      if (r.committed) {
        setStep('done');
        bump();
      }
    }
  };

  const useJson = () => {
    if (!preview) return;
    try {
      setDraft(draftFromMapping(JSON.parse(jsonText), preview));
      setProblems([]);
      setError(null);
    } catch (e) {
      setError({ code: 'INVALID_INPUT', message: `The mapping JSON cannot be used: ${(e as Error).message}`, next: 'Check the JSON (see the mapping format in the documentation) and try again.' });
    }
  };

  const rejectedByRow = useMemo(() => {
    const rows = new Map<string, ImportReport['rejected']>();
    for (const r of report?.rejected ?? []) {
      const k = `${r.sheet}#${r.row}`;
      rows.set(k, [...(rows.get(k) ?? []), r]);
    }
    return [...rows.values()];
  }, [report]);

  return (
    <section className="panel" aria-labelledby="sheet-wizard-heading">
      <h2 id="sheet-wizard-heading">Spreadsheet import</h2>
      <WizardSteps label="Spreadsheet import steps" steps={STEPS} current={step} />
      <ErrorNotice error={error ?? job.error} onDismiss={() => { setError(null); job.clearError(); }} />

      {step === 'file' && (
        <form onSubmit={readFile}>
          <p className="muted">CSV or XLSX (e.g. a REDCap export). The file is read on this computer; nothing is imported until the validation report is clean and you commit.</p>
          <LocalPathField label="Spreadsheet file" value={path} onChange={setPath} example="/path/to/export.xlsx" submitLabel="Read file" />
        </form>
      )}

      {step === 'map' && preview && draft && (
        <div>
          {restored && (
            <div className="notice info small" role="status">
              Restored the mapping saved for files with these columns. Check it, then validate.
            </div>
          )}
          <div className="inline-fields" style={{ marginBottom: 12 }}>
            <div className="field">
              <label htmlFor={`${pathId}-name`}>Mapping name</label>
              <input
                id={`${pathId}-name`}
                type="text"
                value={draft.name}
                onChange={(e) => setDraft({ ...draft, name: e.target.value })}
                pattern="[A-Za-z0-9_.\-]{1,40}"
                title="letters, digits, _ . - (max 40); it prefixes the source keys that make re-import idempotent"
              />
            </div>
            <div className="field">
              <label htmlFor={`${pathId}-date`}>Date format</label>
              <select id={`${pathId}-date`} value={draft.dateFormat} onChange={(e) => setDraft({ ...draft, dateFormat: e.target.value as DateFormat })}>
                {DATE_FORMATS.map((f) => (
                  <option key={f}>{f}</option>
                ))}
              </select>
            </div>
          </div>
          {draft.sheets.map((sheet, si) => (
            <SheetMappingEditor
              key={sheet.sheet}
              sheet={sheet}
              studyHasPatients={studyHasPatients}
              preview={preview.sheets[si]}
              onChange={(next) => setDraft({ ...draft, sheets: draft.sheets.map((s, k) => (k === si ? next : s)) })}
            />
          ))}
          <details style={{ margin: '10px 0' }}>
            <summary>Use a mapping file (JSON)</summary>
            <div className="field" style={{ marginTop: 8 }}>
              <label htmlFor={jsonId}>Mapping (JSON)</label>
              <textarea id={jsonId} rows={8} className="mono" value={jsonText} onChange={(e) => setJsonText(e.target.value)} />
            </div>
            <button type="button" className="small" style={{ marginTop: 6 }} onClick={useJson}>
              Use this mapping
            </button>
            <button
              type="button"
              className="small"
              style={{ marginTop: 6, marginLeft: 6 }}
              onClick={() => setJsonText(JSON.stringify(mappingFromDraft(draft, csv).mapping, null, 2))}
            >
              Show the current mapping as JSON
            </button>
          </details>
          {problems.length > 0 && (
            <div className="notice error" role="alert">
              {problems.map((p) => (
                <div key={p}>{p}</div>
              ))}
            </div>
          )}
          <div className="button-row">
            <button type="button" className="primary" onClick={() => void validate()}>
              Validate
            </button>
            <button type="button" onClick={() => setStep('file')}>
              Back
            </button>
          </div>
        </div>
      )}

      {(step === 'validate' || step === 'done') && (
        <div>
          {job.running && <ProgressBar label={step === 'done' ? 'Importing' : 'Validating'} pct={job.pct} message={job.message} />}
          {report && (
            <>
              <div className={`notice ${report.rejected.length ? 'error' : report.committed ? 'ok' : 'info'}`} role="status">
                <div className="notice-title">{report.message}</div>
                {report.rejected.length > 0 && (
                  <div>
                    Nothing was imported. Correct these rows in the spreadsheet (or the mapping) and validate again — the import is all or
                    nothing.
                  </div>
                )}
              </div>
              <table className="data" aria-label="Sheet summary" style={{ marginBottom: 12 }}>
                <thead>
                  <tr>
                    <th>Sheet</th>
                    <th>Holds</th>
                    <th className="num">Rows</th>
                    <th className="num">{report.committed ? 'Inserted' : 'Would insert'}</th>
                    <th className="num">{report.committed ? 'Updated' : 'Would update'}</th>
                    <th className="num">Unchanged</th>
                  </tr>
                </thead>
                <tbody>
                  {report.sheets.map((s) => (
                    <tr key={s.sheet}>
                      <th scope="row">{s.sheet}</th>
                      <td>{ENTITY_LABEL[s.entity]}</td>
                      <td className="num">{s.rows}</td>
                      <td className="num">{s.inserted}</td>
                      <td className="num">{s.updated}</td>
                      <td className="num">{s.unchanged}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {report.rejected.length > 0 && (
                <div className="table-scroll" style={{ maxHeight: 420 }}>
                  <table className="data" aria-label="Rejected rows">
                    <caption>
                      Rejected rows ({rejectedByRow.length} rows, {report.rejected.length} problems)
                    </caption>
                    <thead>
                      <tr>
                        <th>Sheet</th>
                        <th className="num">Row</th>
                        <th>Column</th>
                        <th>Value</th>
                        <th>Reason</th>
                      </tr>
                    </thead>
                    <tbody>
                      {report.rejected.map((r, i) => (
                        <tr key={i} className="rejected" data-row={r.row}>
                          <td>{r.sheet}</td>
                          <td className="num">{r.row}</td>
                          <td className="mono">{r.column}</td>
                          <td className="mono">{r.value === null ? '' : String(r.value)}</td>
                          <td>{r.reason}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </>
          )}
          <div className="button-row" style={{ marginTop: 12 }}>
            {step === 'validate' && (
              <>
                <button type="button" className="primary" disabled={job.running || !report || report.rejected.length > 0} onClick={() => void commit()}>
                  Commit import
                </button>
                <button type="button" onClick={() => setStep('map')} disabled={job.running}>
                  Back to mapping
                </button>
              </>
            )}
            {step === 'done' && (
              <>
                <button type="button" className="primary" onClick={() => navigate('cohort')}>
                  View cohort
                </button>
                <button type="button" onClick={() => { setStep('file'); setReport(null); setPreview(null); }}>
                  Import another file
                </button>
              </>
            )}
          </div>
        </div>
      )}
    </section>
  );
}

function SheetMappingEditor({
  sheet,
  preview,
  studyHasPatients,
  onChange,
}: {
  sheet: SheetDraft;
  preview: SpreadsheetPreview['sheets'][number];
  studyHasPatients: boolean;
  onChange(s: SheetDraft): void;
}) {
  const baseId = useId();
  const away = sheet.entity ? linkedAway(sheet.entity, sheet.link) : new Set<string>();
  const fields = sheet.entity ? mappableFields(sheet.entity).filter((f) => !away.has(f.name)) : [];
  const setEntity = (entity: EntityName | '') => {
    const next: Record<string, FieldDraft> = {};
    if (entity) for (const f of mappableFields(entity)) next[f.name] = { column: guessColumn(f, preview.headers), values: '', dateFormat: '' };
    onChange({ ...sheet, entity, fields: next, link: guessLink(entity, preview.headers, studyHasPatients) });
  };
  const linked = sheet.entity !== '' && LINKABLE.has(sheet.entity) && sheet.link.byHospitalId;
  const setField = (name: string, patch: Partial<FieldDraft>) =>
    onChange({ ...sheet, fields: { ...sheet.fields, [name]: { ...(sheet.fields[name] ?? { column: '', values: '', dateFormat: '' }), ...patch } } });
  return (
    <fieldset style={{ marginBottom: 12 }}>
      <legend>
        Sheet “{sheet.sheet}” · {preview.rowCount} rows
      </legend>
      <div className="inline-fields" style={{ marginBottom: 8 }}>
        <div className="field">
          <label htmlFor={`${baseId}-entity`}>This sheet holds</label>
          <select id={`${baseId}-entity`} value={sheet.entity} onChange={(e) => setEntity(e.target.value as EntityName | '')}>
            <option value="">— skip this sheet —</option>
            {ENTITY_NAMES.map((e) => (
              <option key={e} value={e}>
                {ENTITY_LABEL[e]}
              </option>
            ))}
          </select>
        </div>
        {sheet.entity && (
          <div className="field">
            <label htmlFor={`${baseId}-key`}>Row key column</label>
            <select id={`${baseId}-key`} value={sheet.key} onChange={(e) => onChange({ ...sheet, key: e.target.value })}>
              <option value="">{sheet.entity === 'patient' ? (linked ? '— the hospital ID is the key —' : '— pseudonym is the key —') : sheet.entity === 'lesion' && linked ? '— patient + levels are the key —' : '— none —'}</option>
              {preview.headers.map((h) => (
                <option key={h}>{h}</option>
              ))}
            </select>
          </div>
        )}
        <div className="small muted" style={{ alignSelf: 'center' }}>
          Columns: {preview.headers.join(', ')}
        </div>
      </div>
      {sheet.entity && LINKABLE.has(sheet.entity) && (sheet.link.idColumn || sheet.link.byHospitalId) && (
        <HospitalIdLink sheet={sheet} preview={preview} onChange={(link) => onChange({ ...sheet, link })} />
      )}
      {sheet.entity && (
        <table className="data" aria-label={`Column mapping for ${sheet.sheet}`}>
          <thead>
            <tr>
              <th>Cohort field</th>
              <th>Spreadsheet column</th>
              <th>Value codes (e.g. 1=M; 2=F)</th>
              <th>Date format</th>
              <th>Example</th>
            </tr>
          </thead>
          <tbody>
            {fields.map((f) => {
              const d = sheet.fields[f.name] ?? { column: '', values: '', dateFormat: '' };
              const example = d.column ? preview.sample[0]?.[d.column] : undefined;
              return (
                <tr key={f.name}>
                  <th scope="row">
                    {f.label}
                    {f.required && <span aria-label="required"> *</span>}
                  </th>
                  <td>
                    <select aria-label={`Column for ${f.label}`} value={d.column} onChange={(e) => setField(f.name, { column: e.target.value })}>
                      <option value="">— not mapped —</option>
                      {preview.headers.map((h) => (
                        <option key={h}>{h}</option>
                      ))}
                    </select>
                  </td>
                  <td>
                    {(f.type === 'enum' || f.type === 'boolean') && d.column ? (
                      <input type="text" aria-label={`Value codes for ${f.label}`} value={d.values} onChange={(e) => setField(f.name, { values: e.target.value })} style={{ width: '100%' }} />
                    ) : null}
                  </td>
                  <td>
                    {f.type === 'date' && d.column ? (
                      <select aria-label={`Date format for ${f.label}`} value={d.dateFormat} onChange={(e) => setField(f.name, { dateFormat: e.target.value as DateFormat | '' })}>
                        <option value="">default</option>
                        {DATE_FORMATS.map((x) => (
                          <option key={x}>{x}</option>
                        ))}
                      </select>
                    ) : null}
                  </td>
                  <td className="mono small">{example === undefined || example === null ? '' : String(example)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </fieldset>
  );
}

/**
 * The hospital-ID choice (issue 11): offered first, and chosen by default, when the sheet has an
 * ID-like column — follow-up data from the hospital's systems is keyed by MRN, and linking it to the
 * DICOM-imported patients is what the user wants, without the MRN ever being stored.
 */
function HospitalIdLink({ sheet, preview, onChange }: { sheet: SheetDraft; preview: SpreadsheetPreview['sheets'][number]; onChange(link: LinkDraft): void }) {
  const baseId = useId();
  const link = sheet.link;
  const entity = sheet.entity as EntityName;
  const set = (patch: Partial<LinkDraft>) => onChange({ ...link, ...patch });
  const columnSelect = (label: string, value: string, onSelect: (v: string) => void, emptyLabel: string) => (
    <select aria-label={label} value={value} onChange={(e) => onSelect(e.target.value)}>
      <option value="">{emptyLabel}</option>
      {preview.headers.map((h) => (
        <option key={h}>{h}</option>
      ))}
    </select>
  );
  return (
    <fieldset className="hospital-id-link" style={{ marginBottom: 10, borderColor: '#b5cbe8', background: '#f5f9fe' }}>
      <legend>How rows find their patient</legend>
      <div>
        <label>
          <input type="radio" name={`${baseId}-mode`} checked={link.byHospitalId} onChange={() => set({ byHospitalId: true })} /> By hospital ID{' '}
          <strong>(recommended)</strong> in column{' '}
          {columnSelect('Hospital ID column', link.idColumn, (v) => set({ idColumn: v }), '— choose —')}
        </label>
        <div className="small muted" style={{ marginLeft: 24 }}>
          Matched to this study&apos;s patients (e.g. those imported from DICOM) through a keyed hash made with the study key. The ID
          itself is never stored, shown in the cohort or written to the audit trail.
          {entity === 'patient' ? ' Rows whose ID matches no patient are rejected, unless you allow new patients below.' : ' Rows whose ID matches no patient are rejected.'}
        </div>
        {link.byHospitalId && (
          <div className="inline-fields" style={{ marginLeft: 24, marginTop: 6 }}>
            {entity === 'patient' && (
              <label className="small">
                <input type="checkbox" checked={link.createMissing} onChange={(e) => set({ createMissing: e.target.checked })} /> Create new patients for IDs not in
                the study
              </label>
            )}
            {entity !== 'patient' && entity !== 'lesion' && hasLesionReference(entity) && (
              <label className="small">
                Lesion by vertebral levels in column {columnSelect('Lesion levels column', link.levelsColumn, (v) => set({ levelsColumn: v }), '— no lesion —')}
              </label>
            )}
            {entity !== 'patient' && (link.levelsColumn || entity === 'lesion') && (
              <label className="small">
                RT start date column (optional) {columnSelect('RT start date column', link.rtStartColumn, (v) => set({ rtStartColumn: v }), '— none —')}
              </label>
            )}
            <label className="small">
              Issuer of the ID (optional){' '}
              <input type="text" aria-label="Issuer of the hospital ID" value={link.issuer} onChange={(e) => set({ issuer: e.target.value })} style={{ width: 120 }} />
            </label>
          </div>
        )}
      </div>
      <div style={{ marginTop: 6 }}>
        <label>
          <input type="radio" name={`${baseId}-mode`} checked={!link.byHospitalId} onChange={() => set({ byHospitalId: false })} />{' '}
          {entity === 'patient' ? 'By pseudonym (new patients of this spreadsheet)' : "By the patient sheet's key column or the pseudonym"}
        </label>
      </div>
    </fieldset>
  );
}
