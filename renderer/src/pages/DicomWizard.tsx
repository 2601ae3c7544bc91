import { useMemo, useState, type FormEvent } from 'react';
import type { DicomCommitResult, DicomLesionProposal, DicomScanResult } from '../../../shared/api/dicom';
import { useStudy } from '../StudyContext';
import { ErrorNotice } from '../components/ErrorNotice';
import { LocalPathField } from '../components/LocalPathField';
import { WizardSteps } from '../components/WizardSteps';
import { ProgressBar } from '../components/ProgressBar';
import { useLongJob } from '../components/useLongJob';
import { rtcw, showError, type ShownError } from '../rtcw';
import { navigate } from '../navigation';
import { parseLesionLevels } from '../../../shared/domain/vertebralLevels';

type Step = 'folder' | 'scan' | 'review' | 'done';
const STEPS: { id: Step; label: string }[] = [
  { id: 'folder', label: 'Choose folder' },
  { id: 'scan', label: 'Scan' },
  { id: 'review', label: 'Review' },
  { id: 'done', label: 'Commit' },
];

const fmt = (v: number | null | undefined, digits = 1) => (v === null || v === undefined ? '—' : v.toFixed(digits).replace(/\.0+$/, ''));

export function DicomWizard() {
  const { bump } = useStudy();
  const [step, setStep] = useState<Step>('folder');
  const [dir, setDir] = useState('');
  const [scan, setScan] = useState<DicomScanResult | null>(null);
  const [accepted, setAccepted] = useState<Set<string>>(new Set());
  const [committing, setCommitting] = useState(false);
  const [commit, setCommit] = useState<DicomCommitResult | null>(null);
  const [error, setError] = useState<ShownError | null>(null);
  const [showSkipped, setShowSkipped] = useState(false);
  const [edits, setEdits] = useState<Map<string, ProposalEdit>>(new Map());
  const [editErrors, setEditErrors] = useState<Map<string, string>>(new Map());
  const job = useLongJob();

  const flagged = useMemo(() => scan?.lesions.filter((l) => l.needsReview).length ?? 0, [scan]);

  const startScan = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setStep('scan');
    const result = await job.run((options) => rtcw().scanDicomFolder({ dir: dir.trim() || '.' }, options), 'Listing files…');
    if (result) {
      setScan(result);
      // Proposals that need no review are accepted by default; flagged ones wait for the user.
      setAccepted(new Set(result.lesions.filter((l) => !l.needsReview).map((l) => l.proposalId)));
      setStep('review');
    } else {
      setStep('folder');
    }
  };

  const doCommit = async () => {
    setCommitting(true);
    setError(null);
    try {
      const ids = [...accepted];
      const result = await rtcw().commitDicomProposals({
        proposalIds: ids,
        includeReviewed: true,
        edits: [...edits.entries()].filter(([id]) => accepted.has(id)).map(([proposalId, e]) => ({ proposalId, ...e })),
      });
      setCommit(result);
      setStep('done');
      bump();
    } catch (e) {
      setError(showError(e));
    } finally {
      setCommitting(false);
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

      {step === 'review' && scan && (
        <div>
          <div className="notice info" role="status">
            <strong>{scan.files.total}</strong> files: {scan.files.dicom} DICOM ({scan.files.duplicates} duplicates),{' '}
            {scan.files.skipped.length} skipped · {scan.newInstances} new instances indexed
            {scan.reusedFiles > 0 && <> ({scan.reusedFiles} files unchanged since the last scan)</>} ·{' '}
            <strong>{scan.patients.length}</strong> patients, <strong>{scan.lesions.length}</strong> proposed lesions
            {flagged > 0 && (
              <>
                {' '}
                · <strong>{flagged}</strong> need review (highlighted)
              </>
            )}
          </div>
          {scan.files.skipped.length > 0 && (
            <p>
              <button type="button" className="link" aria-expanded={showSkipped} onClick={() => setShowSkipped((v) => !v)}>
                {showSkipped ? 'Hide' : 'Show'} the {scan.files.skipped.length} skipped files
              </button>
            </p>
          )}
          {showSkipped && (
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
                  {scan.files.skipped.map((s) => (
                    <tr key={s.path}>
                      <td className="mono">{s.path}</td>
                      <td>{s.reason}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <ProposalTable
            lesions={scan.lesions}
            accepted={accepted}
            onToggle={toggle}
            onAll={(on) => setAccepted(on ? new Set(scan.lesions.map((l) => l.proposalId)) : new Set())}
            edits={edits}
            onEdit={(id, edit, problem) => {
              setEdits((m) => new Map(m).set(id, edit));
              setEditErrors((m) => {
                const next = new Map(m);
                if (problem) next.set(id, problem);
                else next.delete(id);
                return next;
              });
            }}
          />
          {editErrors.size > 0 && (
            <div className="notice error small" role="alert">
              Correct the highlighted values before committing ({editErrors.size} row{editErrors.size > 1 ? 's' : ''}).
            </div>
          )}
          <div className="button-row" style={{ marginTop: 12 }}>
            <button type="button" className="primary" disabled={committing || accepted.size === 0 || editErrors.size > 0} onClick={() => void doCommit()}>
              {committing ? 'Committing…' : `Commit ${accepted.size} lesions`}
            </button>
            <button type="button" onClick={() => setStep('folder')} disabled={committing}>
              Back
            </button>
            <span className="small muted">
              Source patient IDs are shown only here for checking; the cohort stores pseudonyms.
            </span>
          </div>
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

function ProposalTable(props: {
  lesions: DicomLesionProposal[];
  accepted: Set<string>;
  onToggle(id: string): void;
  onAll(on: boolean): void;
  edits: Map<string, ProposalEdit>;
  onEdit(id: string, edit: ProposalEdit, problem: string | null): void;
}) {
  const { lesions, accepted } = props;
  const allOn = lesions.length > 0 && lesions.every((l) => accepted.has(l.proposalId));
  return (
    <div className="table-scroll" style={{ maxHeight: 520, border: '1px solid var(--line)', borderRadius: 6 }}>
      <table className="data nowrap" aria-label="Proposed lesions">
        <thead style={{ position: 'sticky', top: 0, zIndex: 1 }}>
          <tr>
            <th>
              <input type="checkbox" aria-label="Accept all proposals" checked={allOn} onChange={(e) => props.onAll(e.target.checked)} />
            </th>
            <th>Patient (source)</th>
            <th>Pseudonym</th>
            <th>Levels</th>
            <th>Location</th>
            <th className="num">Dose (Gy)</th>
            <th className="num">Fx planned</th>
            <th className="num">Fx delivered</th>
            <th className="num">BED</th>
            <th>SBRT</th>
            <th>RT start</th>
            <th>Machine</th>
            <th>Pre-RT imaging</th>
            <th>Review</th>
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
              onEdit={(edit, problem) => props.onEdit(l.proposalId, edit, problem)}
            />
          ))}
        </tbody>
      </table>
    </div>
  );
}

const levelsText = (levels: string[]) => (levels.length ? `${levels[0]}${levels.length > 1 ? `–${levels[levels.length - 1]}` : ''}` : '');

/** Checks the typed corrections; returns the edit and the first problem (named by column). */
function checkDraft(draft: Record<keyof ProposalEdit, string>): { edit: ProposalEdit; problem: string | null } {
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
  if (draft.rtStartDate.trim()) {
    if (/^\d{4}-\d{2}-\d{2}$/.test(draft.rtStartDate.trim())) edit.rtStartDate = draft.rtStartDate.trim();
    else problems.push('RT start: a date as YYYY-MM-DD');
  }
  return { edit, problem: problems[0] ?? null };
}

function ProposalRow(props: {
  lesion: DicomLesionProposal;
  accepted: boolean;
  onToggle(): void;
  edit: ProposalEdit | undefined;
  onEdit(edit: ProposalEdit, problem: string | null): void;
}) {
  const l = props.lesion;
  const [editing, setEditing] = useState(l.needsReview);
  const [draft, setDraft] = useState<Record<keyof ProposalEdit, string>>(() => ({
    levels: levelsText(l.levels),
    totalDoseGy: l.totalDoseGy === null ? '' : String(l.totalDoseGy),
    fractionsPlanned: l.fractionsPlanned === null ? '' : String(l.fractionsPlanned),
    fractionsDelivered: l.fractionsDelivered === null ? '' : String(l.fractionsDelivered),
    rtStartDate: l.rtStartDate ?? '',
  }));
  const [problem, setProblem] = useState<string | null>(null);
  const name = `${l.pseudonym} ${levelsText(l.levels) || 'unknown levels'}`;
  const change = (key: keyof ProposalEdit, value: string) => {
    const next = { ...draft, [key]: value };
    setDraft(next);
    const checked = checkDraft(next);
    setProblem(checked.problem);
    props.onEdit(checked.edit, checked.problem);
  };
  const input = (key: keyof ProposalEdit, label: string, width: number) => {
    const bad = problem?.startsWith(label) ?? false;
    return (
      <input
        type="text"
        aria-label={`${label} for ${name}`}
        aria-invalid={bad || undefined}
        value={draft[key]}
        onChange={(e) => change(key, e.target.value)}
        style={{ width, minHeight: 26, padding: '2px 5px' }}
      />
    );
  };
  return (
    <tr className={l.needsReview ? 'flagged' : undefined} data-needs-review={l.needsReview || undefined}>
      <td>
        <input type="checkbox" checked={props.accepted} aria-label={`Accept ${name}`} onChange={props.onToggle} />
      </td>
      {/* The hospital ID is shown only while this session has read it from the files: the study keeps a keyed hash only. */}
      <td className="mono small" title={l.sourcePatientId ? undefined : 'Not stored in the study; re-scan the folder to see it'}>
        {l.sourcePatientId || '—'}
      </td>
      <td className="mono small">{l.pseudonym}</td>
      <td>{editing ? input('levels', 'Levels', 84) : levelsText(props.edit?.levels ?? l.levels) || '—'}</td>
      <td>{l.location ?? '—'}</td>
      <td className="num">{editing ? input('totalDoseGy', 'Dose', 56) : fmt(props.edit?.totalDoseGy ?? l.totalDoseGy)}</td>
      <td className="num">{editing ? input('fractionsPlanned', 'Fx planned', 44) : (props.edit?.fractionsPlanned ?? l.fractionsPlanned ?? '—')}</td>
      <td className="num">{editing ? input('fractionsDelivered', 'Fx delivered', 44) : (props.edit?.fractionsDelivered ?? l.fractionsDelivered ?? '—')}</td>
      <td className="num">{fmt(l.bedGy, 2)}</td>
      <td>{l.sbrt === null ? '—' : l.sbrt ? 'yes' : 'no'}</td>
      <td>{editing ? input('rtStartDate', 'RT start', 96) : (props.edit?.rtStartDate ?? l.rtStartDate ?? '—')}</td>
      <td>{l.machine ?? '—'}</td>
      <td>{[l.preRtImaging.CT && 'CT', l.preRtImaging.MR && 'MR', l.preRtImaging.PT && 'PET'].filter(Boolean).join(', ') || '—'}</td>
      <td className="small" style={{ whiteSpace: 'normal', minWidth: 160 }}>
        {l.needsReview ? <strong>{l.reviewReasons.join('; ')}</strong> : 'ok'}
        {problem && (
          <div className="field-error" role="alert">
            {problem}
          </div>
        )}
        {!editing && (
          <div>
            <button type="button" className="link small" aria-label={`Edit ${name}`} onClick={() => setEditing(true)}>
              Edit
            </button>
          </div>
        )}
      </td>
    </tr>
  );
}
