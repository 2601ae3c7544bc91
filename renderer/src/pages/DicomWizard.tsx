import { useMemo, useState, type FormEvent } from 'react';
import type { DicomCommitResult, DicomLesionProposal, DicomScanResult } from '../../../shared/api/dicom';
import { useStudy } from '../StudyContext';
import { ErrorNotice } from '../components/ErrorNotice';
import { LocalPathField } from '../components/LocalPathField';
import { WizardSteps } from '../components/WizardSteps';
import { ProgressBar } from '../components/ProgressBar';
import { useLongJob } from '../components/useLongJob';
import { rtcw, type ShownError } from '../rtcw';
import { navigate } from '../navigation';
import { parseLesionLevels } from '../../../shared/domain/vertebralLevels';
import { formatDate, localiseText, parseTypedDate, typedDatePattern, type DisplaySetting } from '../../../shared/domain/displayFormat';

type Step = 'folder' | 'scan' | 'review' | 'done';
const STEPS: { id: Step; label: string }[] = [
  { id: 'folder', label: 'Choose folder' },
  { id: 'scan', label: 'Scan' },
  { id: 'review', label: 'Review' },
  { id: 'done', label: 'Commit' },
];

const fmt = (v: number | null | undefined, digits = 1) => (v === null || v === undefined ? '—' : v.toFixed(digits).replace(/\.0+$/, ''));

export function DicomWizard() {
  const { bump, display } = useStudy();
  const [step, setStep] = useState<Step>('folder');
  const [dir, setDir] = useState('');
  const [scan, setScan] = useState<DicomScanResult | null>(null);
  const [accepted, setAccepted] = useState<Set<string>>(new Set());
  const [commit, setCommit] = useState<DicomCommitResult | null>(null);
  const [error, setError] = useState<ShownError | null>(null);
  const [showSkipped, setShowSkipped] = useState(false);
  const [edits, setEdits] = useState<Map<string, ProposalEdit>>(new Map());
  const job = useLongJob();
  const committing = step === 'review' && job.running;

  const flagged = useMemo(() => scan?.lesions.filter((l) => l.needsReview && !l.inCohort).length ?? 0, [scan]);
  const inCohort = useMemo(() => scan?.lesions.filter((l) => l.inCohort).length ?? 0, [scan]);

  const startScan = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setStep('scan');
    const result = await job.run((options) => rtcw().scanDicomFolder({ dir: dir.trim() || '.' }, options), 'Listing files…');
    if (result) {
      setScan(result);
      setEdits(new Map());
      // Proposals that need no review are accepted by default; flagged ones wait for a person, and
      // what the cohort already holds (a re-scan) is shown but not selected.
      setAccepted(new Set(result.lesions.filter((l) => !l.needsReview && !l.inCohort).map((l) => l.proposalId)));
      setStep('review');
    } else {
      setStep('folder');
    }
  };

  // Long: the services derive the courses again and write them in one transaction (progress, cancel).
  const doCommit = async () => {
    setError(null);
    const ids = [...accepted];
    // A ticked flagged row is a person's explicit acceptance; a saved correction is a review too.
    const result = await job.run(
      (options) =>
        rtcw().commitDicomProposals(
          {
            proposalIds: ids,
            includeReviewed: true,
            edits: [...edits.entries()].filter(([id]) => accepted.has(id)).map(([proposalId, e]) => ({ proposalId, ...e })),
          },
          options,
        ),
      'Deriving courses…',
    );
    if (result) {
      setCommit(result);
      setStep('done');
      bump();
    }
  };

  const toggle = (id: string) =>
    setAccepted((s) => {
      const next = new Set(s);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  return (
    <section className="panel" aria-labelledby="dicom-wizard-heading">
      <h2 id="dicom-wizard-heading">DICOM import</h2>
      <WizardSteps label="DICOM import steps" steps={STEPS} current={step} />

      <ErrorNotice error={error ?? job.error} onDismiss={() => { setError(null); job.clearError(); }} />
      {job.cancelled && step === 'folder' && (
        <div className="notice info" role="status">
          Scan cancelled. Files already indexed stay in the study's DICOM index; nothing was added to the cohort.
        </div>
      )}

      {step === 'folder' && (
        <form onSubmit={startScan}>
          <p className="muted">
            Scans a folder exported from a treatment-planning system or PACS (CT, MR, PET, RTSTRUCT, RTPLAN, RTDOSE,
            RTRECORD). Only headers are read; nothing enters the cohort until you review and commit.
          </p>
          <LocalPathField label="Folder to scan" value={dir} onChange={setDir} example="/path/to/dicom/export" submitLabel="Scan folder" />
        </form>
      )}

      {step === 'scan' && (
        <div>
          <ProgressBar label="Scanning DICOM folder" pct={job.pct} message={job.message} />
          <button type="button" onClick={() => void job.cancel()}>
            Cancel scan
          </button>
        </div>
      )}

      {step === 'review' && scan && scan.files.dicom === 0 && (
        <div>
          <div className="notice warn" role="alert">
            <div className="notice-title">No DICOM files in this folder</div>
            {scan.files.total === 0
              ? 'The folder holds no files at all.'
              : `None of its ${scan.files.total} file${scan.files.total > 1 ? 's' : ''} could be read as DICOM (see the reasons below).`}{' '}
            Choose the folder the planning system or PACS exported to.
          </div>
          {scan.files.skipped.length > 0 && <SkippedFiles skipped={scan.files.skipped} />}
          <div className="button-row" style={{ marginTop: 12 }}>
            <button type="button" className="primary" onClick={() => setStep('folder')}>
              Choose another folder
            </button>
          </div>
        </div>
      )}

      {step === 'review' && scan && scan.files.dicom > 0 && (
        <div>
          <div className="notice info" role="status">
            <strong>{scan.files.total}</strong> files: {scan.files.dicom} DICOM ({scan.files.duplicates} duplicates),{' '}
            {scan.files.skipped.length} skipped · {scan.newInstances} new instances indexed
            {scan.reusedFiles > 0 && <> ({scan.reusedFiles} files unchanged since the last scan)</>} ·{' '}
            <strong>{scan.patients.length}</strong> patients, <strong>{scan.lesions.length}</strong> proposed lesions
            {inCohort > 0 && (
              <>
                {' '}
                · <strong>{inCohort}</strong> already in the cohort (not selected)
              </>
            )}
            {flagged > 0 && (
              <>
                {' '}
                · <strong>{flagged}</strong> need review (highlighted)
              </>
            )}
          </div>
          {scan.lesions.length === 0 && (
            <div className="notice warn" role="alert">
              The DICOM files hold no RT plan or structure set: there is no lesion to propose.
            </div>
          )}
          {committing && <ProgressBar label="Adding to the cohort" pct={job.pct} message={job.message} />}
          {job.cancelled && step === 'review' && (
            <div className="notice info" role="status">
              Commit cancelled: nothing was added to the cohort.
            </div>
          )}
          {/* The commit bar comes before the table so it stays on screen at 1280×720. */}
          <div className="button-row" style={{ margin: '8px 0', alignItems: 'center', flexWrap: 'wrap' }}>
            <button type="button" className="primary" disabled={committing || accepted.size === 0} onClick={() => void doCommit()}>
              {committing ? 'Committing…' : `Commit ${accepted.size} lesion${accepted.size === 1 ? '' : 's'}`}
            </button>
            <button type="button" onClick={() => setStep('folder')} disabled={committing}>
              Back
            </button>
            {committing && (
              <button type="button" onClick={() => void job.cancel()}>
                Cancel commit
              </button>
            )}
            <span className="small muted">Dates as {typedDatePattern(display.format, display.locale)}{display.format === 'iso' ? '' : ' or YYYY-MM-DD'} (study setting)</span>
            {scan.files.skipped.length > 0 && (
              <button type="button" className="link" aria-expanded={showSkipped} onClick={() => setShowSkipped((v) => !v)}>
                {showSkipped ? 'Hide' : 'Show'} the {scan.files.skipped.length} skipped files
              </button>
            )}
            <span className="small muted">Source patient IDs are shown only here for checking; the cohort stores pseudonyms.</span>
          </div>
          {showSkipped && <SkippedFiles skipped={scan.files.skipped} />}
          {scan.lesions.length > 0 && (
            <ProposalTable
              lesions={scan.lesions}
              accepted={accepted}
              onToggle={toggle}
              onAll={(on) => setAccepted(on ? new Set(scan.lesions.filter((l) => !l.inCohort).map((l) => l.proposalId)) : new Set())}
              edits={edits}
              display={display}
              onSave={(id, edit) => {
                setEdits((m) => new Map(m).set(id, edit));
                // Saving a correction is reviewing the row: it is accepted.
                setAccepted((set) => new Set(set).add(id));
              }}
            />
          )}
        </div>
      )}

      {step === 'done' && commit && (
        <div>
          <div className="notice ok" role="status">
            <div className="notice-title">Import committed</div>
            Added {commit.patientsAdded} patients, {commit.lesionsAdded} lesions and {commit.coursesAdded} RT courses
            {commit.alreadyPresent > 0 && <> · {commit.alreadyPresent} were already in the cohort</>}.
          </div>
          {commit.notCommitted.length > 0 && (
            <table className="data">
              <caption>Not committed</caption>
              <thead>
                <tr>
                  <th>Proposal</th>
                  <th>Why</th>
                </tr>
              </thead>
              <tbody>
                {commit.notCommitted.map((n) => (
                  <tr key={n.proposalId}>
                    <td className="mono small">{n.proposalId}</td>
                    <td>{n.reasons.join('; ')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <div className="button-row" style={{ marginTop: 10 }}>
            <button type="button" className="primary" onClick={() => navigate('cohort')}>
              View cohort
            </button>
            <button type="button" onClick={() => { setStep('folder'); setScan(null); setCommit(null); }}>
              Import another folder
            </button>
          </div>
        </div>
      )}
    </section>
  );
}

export interface ProposalEdit {
  levels?: string[];
  totalDoseGy?: number;
  fractionsPlanned?: number;
  fractionsDelivered?: number;
  rtStartDate?: string;
}

function SkippedFiles(props: { skipped: DicomScanResult['files']['skipped'] }) {
  return (
    <div className="table-scroll" style={{ maxHeight: 200, marginBottom: 10 }}>
      <table className="data">
        <caption>Skipped files</caption>
        <thead>
          <tr>
            <th>File</th>
            <th>Reason</th>
          </tr>
        </thead>
        <tbody>
          {props.skipped.map((s) => (
            <tr key={s.path}>
              <td className="mono">{s.path}</td>
              <td>{s.reason}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const COLUMNS = 15;

function ProposalTable(props: {
  lesions: DicomLesionProposal[];
  accepted: Set<string>;
  onToggle(id: string): void;
  onAll(on: boolean): void;
  edits: Map<string, ProposalEdit>;
  display: DisplaySetting;
  onSave(id: string, edit: ProposalEdit): void;
}) {
  const { lesions, accepted } = props;
  const selectable = lesions.filter((l) => !l.inCohort);
  const allOn = selectable.length > 0 && selectable.every((l) => accepted.has(l.proposalId));
  return (
    // Fits under the commit bar at 1280×720; the reasons are the second column, never scrolled away.
    <div className="table-scroll" style={{ maxHeight: 'max(240px, calc(100vh - 390px))', border: '1px solid var(--line)', borderRadius: 6 }}>
      <table className="data nowrap" aria-label="Proposed lesions">
        <thead style={{ position: 'sticky', top: 0, zIndex: 1 }}>
          <tr>
            <th>
              <input type="checkbox" aria-label="Accept all proposals" checked={allOn} onChange={(e) => props.onAll(e.target.checked)} />
            </th>
            <th>Review</th>
            <th>Patient (source)</th>
            <th>Levels</th>
            <th>Course phases</th>
            <th className="num">Dose (Gy)</th>
            <th className="num">Fx planned</th>
            <th className="num">Fx delivered</th>
            <th className="num">BED</th>
            <th>SBRT</th>
            <th>RT start</th>
            <th>Location</th>
            <th>Machine</th>
            <th>Pre-RT imaging</th>
            <th>Pseudonym</th>
          </tr>
        </thead>
        <tbody>
          {lesions.map((l) => (
            <ProposalRow
              key={l.proposalId}
              lesion={l}
              accepted={accepted.has(l.proposalId)}
              onToggle={() => props.onToggle(l.proposalId)}
              edit={props.edits.get(l.proposalId)}
              display={props.display}
              onSave={(edit) => props.onSave(l.proposalId, edit)}
            />
          ))}
        </tbody>
      </table>
    </div>
  );
}

const levelsText = (levels: string[]) => (levels.length ? `${levels[0]}${levels.length > 1 ? `–${levels[levels.length - 1]}` : ''}` : '');

type Draft = Record<keyof ProposalEdit, string>;

/** Checks the typed corrections; returns the edit and the problems (each named by its field). */
function checkDraft(draft: Draft, display: DisplaySetting): { edit: ProposalEdit; problems: string[] } {
  const edit: ProposalEdit = {};
  const problems: string[] = [];
  if (draft.levels.trim()) {
    const parsed = parseLesionLevels(draft.levels);
    if (parsed.ok) edit.levels = parsed.levels;
    else problems.push(`Levels: ${parsed.error}`);
  } else problems.push('Levels: required');
  const num = (text: string, label: string, integer: boolean, min: number, max: number): number | undefined => {
    if (!text.trim()) {
      problems.push(`${label}: required`);
      return undefined;
    }
    const n = Number(text.replace(',', '.'));
    if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
      problems.push(`${label}: ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}`);
      return undefined;
    }
    return n;
  };
  edit.totalDoseGy = num(draft.totalDoseGy, 'Dose', false, 0.1, 200);
  edit.fractionsPlanned = num(draft.fractionsPlanned, 'Fx planned', true, 1, 100);
  if (draft.fractionsDelivered.trim()) edit.fractionsDelivered = num(draft.fractionsDelivered, 'Fx delivered', true, 0, 100);
  if (edit.fractionsDelivered !== undefined && edit.fractionsPlanned !== undefined && edit.fractionsDelivered > edit.fractionsPlanned) {
    problems.push(`Fx delivered: more than the ${edit.fractionsPlanned} planned`);
  }
  if (draft.rtStartDate.trim()) {
    // ISO, or the study's regional format (Study settings) — never a guess between day and month.
    const iso = parseTypedDate(draft.rtStartDate, display.format, display.locale);
    const pattern = typedDatePattern(display.format, display.locale);
    if (iso) edit.rtStartDate = iso;
    else problems.push(`RT start: "${draft.rtStartDate.trim()}" is not a date as ${pattern}${pattern === 'YYYY-MM-DD' ? '' : ' or YYYY-MM-DD'}`);
  }
  return { edit, problems };
}

function phaseText(p: DicomLesionProposal['phases'][number]): string {
  const d = p.dosePerFractionGy === null ? '?' : fmt(p.dosePerFractionGy, 2);
  const given = p.fractionsDelivered === null ? '—' : String(p.fractionsDelivered);
  const group = p.fractionGroup === null ? '' : ` FG${p.fractionGroup}`;
  return `${p.planLabel ?? 'plan'}${group}: ${d} Gy × ${given}/${p.fractionsPlanned ?? '?'}${p.superseded ? ' (re-planned)' : ''}`;
}

function ProposalRow(props: {
  lesion: DicomLesionProposal;
  accepted: boolean;
  onToggle(): void;
  edit: ProposalEdit | undefined;
  display: DisplaySetting;
  onSave(edit: ProposalEdit): void;
}) {
  const l = props.lesion;
  const e = props.edit;
  const [editing, setEditing] = useState(false);
  const local = (text: string) => localiseText(text, props.display.format, props.display.locale);
  const name = `${l.pseudonym} ${levelsText(e?.levels ?? l.levels) || 'unknown levels'}`;
  const rowClass = [l.needsReview && !l.inCohort ? 'flagged' : '', e ? 'edited' : ''].filter(Boolean).join(' ') || undefined;
  return (
    <>
      <tr className={rowClass} data-proposal={l.proposalId} data-needs-review={l.needsReview || undefined} data-in-cohort={l.inCohort || undefined}>
        <td>
          <input type="checkbox" checked={props.accepted} aria-label={`Accept ${name}`} onChange={props.onToggle} />
        </td>
        <td className="small" style={{ whiteSpace: 'normal', minWidth: 220, maxWidth: 340 }}>
          {l.inCohort ? <em>already in the cohort</em> : l.needsReview ? <strong>{l.reviewReasons.join('; ')}</strong> : 'ok'}
          {e && <div className="muted">corrected by you</div>}
          {!editing && (
            <div>
              <button type="button" className="link small" aria-label={`Edit ${name}`} onClick={() => setEditing(true)}>
                Edit
              </button>
            </div>
          )}
        </td>
        {/* The hospital ID is shown only while this session has read it from the files: the study keeps a keyed hash only. */}
        <td className="mono small" title={l.sourcePatientId ? undefined : 'Not stored in the study; re-scan the folder to see it'}>
          {l.sourcePatientId || '—'}
        </td>
        <td>{levelsText(e?.levels ?? l.levels) || '—'}</td>
        <td className="small">
          {l.phases.length === 0 ? '—' : l.phases.map((p, i) => <div key={i}>{local(phaseText(p))}</div>)}
        </td>
        <td className="num">{local(fmt(e?.totalDoseGy ?? l.totalDoseGy))}</td>
        <td className="num">{e?.fractionsPlanned ?? l.fractionsPlanned ?? '—'}</td>
        <td className="num">{e?.fractionsDelivered ?? l.fractionsDelivered ?? '—'}</td>
        <td className="num">{local(fmt(l.bedGy, 2))}</td>
        <td>{l.sbrt === null ? '—' : l.sbrt ? 'yes' : 'no'}</td>
        <td>{formatDate(e?.rtStartDate ?? l.rtStartDate, props.display.format, props.display.locale) || '—'}</td>
        <td>{l.location ?? '—'}</td>
        <td>{l.machine ?? '—'}</td>
        <td>{[l.preRtImaging.CT && 'CT', l.preRtImaging.MR && 'MR', l.preRtImaging.PT && 'PET'].filter(Boolean).join(', ') || '—'}</td>
        <td className="mono small">{l.pseudonym}</td>
      </tr>
      {editing && (
        <tr className="editor">
          <td colSpan={COLUMNS}>
            <ProposalEditor
              lesion={l}
              edit={e}
              name={name}
              display={props.display}
              onCancel={() => setEditing(false)}
              onSave={(edit) => {
                props.onSave(edit);
                setEditing(false);
              }}
            />
          </td>
        </tr>
      )}
    </>
  );
}

/** The row editor: typed values are checked on Save; Cancel leaves the proposal as it was. */
function ProposalEditor(props: {
  lesion: DicomLesionProposal;
  edit: ProposalEdit | undefined;
  name: string;
  display: DisplaySetting;
  onSave(edit: ProposalEdit): void;
  onCancel(): void;
}) {
  const l = props.lesion;
  const e = props.edit;
  const [draft, setDraft] = useState<Draft>(() => ({
    levels: levelsText(e?.levels ?? l.levels),
    totalDoseGy: String(e?.totalDoseGy ?? l.totalDoseGy ?? ''),
    fractionsPlanned: String(e?.fractionsPlanned ?? l.fractionsPlanned ?? ''),
    fractionsDelivered: String(e?.fractionsDelivered ?? l.fractionsDelivered ?? ''),
    rtStartDate: e?.rtStartDate ?? l.rtStartDate ?? '',
  }));
  const [problems, setProblems] = useState<string[]>([]);
  const save = (event: FormEvent) => {
    event.preventDefault();
    const checked = checkDraft(draft, props.display);
    setProblems(checked.problems);
    if (checked.problems.length === 0) props.onSave(checked.edit);
  };
  const field = (key: keyof ProposalEdit, label: string, width: number, placeholder?: string) => {
    const bad = problems.some((p) => p.startsWith(`${label}:`));
    return (
      <label className="small" style={{ marginRight: 10 }}>
        {label}{' '}
        <input
          type="text"
          aria-label={`${label} for ${props.name}`}
          aria-invalid={bad || undefined}
          placeholder={placeholder}
          value={draft[key]}
          onChange={(ev) => setDraft({ ...draft, [key]: ev.target.value })}
          style={{ width, minHeight: 26, padding: '2px 5px' }}
        />
      </label>
    );
  };
  return (
    <form onSubmit={save} aria-label={`Correct ${props.name}`} style={{ whiteSpace: 'normal' }}>
      {field('levels', 'Levels', 90)}
      {field('totalDoseGy', 'Dose', 60)}
      {field('fractionsPlanned', 'Fx planned', 50)}
      {field('fractionsDelivered', 'Fx delivered', 50)}
      {field('rtStartDate', 'RT start', 110, typedDatePattern(props.display.format, props.display.locale))}
      <button type="submit" className="primary small">
        Save
      </button>{' '}
      <button type="button" className="small" onClick={props.onCancel}>
        Cancel
      </button>
      {problems.map((p) => (
        <div key={p} className="field-error" role="alert">
          {p}
        </div>
      ))}
    </form>
  );
}
