import { useCallback, useEffect, useId, useState, type FormEvent } from 'react';
import type { RecentStudy, StudyInfo } from '../../../shared/api/study';
import { PageTitle, navigate } from '../navigation';
import { useStudy } from '../StudyContext';
import { formatTimestamp } from '../../../shared/domain/displayFormat';
import { ErrorNotice } from '../components/ErrorNotice';
import { ShareCopyPanel } from '../components/ShareCopyPanel';
import { StudySettingsPanel } from '../components/StudySettingsPanel';
import { isCancelled, isDesktop, rtcw, showError, type ShownError } from '../rtcw';

export function StudyPage() {
  const { study, setStudy, display } = useStudy();
  const [recent, setRecent] = useState<RecentStudy[]>([]);
  const [error, setError] = useState<ShownError | null>(null);
  // Which form the error belongs to: it is shown inside that form, where the user is looking.
  const [errorAt, setErrorAt] = useState<'page' | 'create' | 'open'>('page');
  const [busy, setBusy] = useState<string | null>(null);
  const [title, setTitle] = useState('');
  const [newPath, setNewPath] = useState('');
  const [openPath, setOpenPath] = useState('');
  // The last study asked for, so a study another program is writing can be opened read-only.
  const [lastOpen, setLastOpen] = useState<{ path?: string } | null>(null);
  const titleId = useId();
  const newPathId = useId();
  const openPathId = useId();

  const loadRecent = useCallback(async () => {
    try {
      setRecent(await rtcw().recentStudies({}));
    } catch (e) {
      setError(showError(e));
    }
  }, []);

  useEffect(() => {
    void loadRecent();
  }, [loadRecent, study?.path]);

  async function run(label: string, action: () => Promise<StudyInfo | null>, where: 'page' | 'create' | 'open' = 'page'): Promise<boolean> {
    setBusy(label);
    setError(null);
    try {
      const info = await action();
      setStudy(info);
      await loadRecent();
      return true;
    } catch (e) {
      if (!isCancelled(e)) {
        setErrorAt(where);
        setError(showError(e));
      }
      return false;
    } finally {
      setBusy(null);
    }
  }

  const onCreate = (event: FormEvent) => {
    event.preventDefault();
    void run(
      'Creating study…',
      () =>
        rtcw().createStudy({
          title: title.trim() || undefined,
          path: !isDesktop && newPath.trim() ? newPath.trim() : undefined,
        }),
      'create',
    ).then((created) => {
      if (!created) return;
      // The form is for the next study, not a record of the last one.
      setTitle('');
      setNewPath('');
    });
  };
  const openStudy = (path: string | undefined, where: 'page' | 'open', readOnly = false) => {
    setLastOpen({ path });
    void run(readOnly ? 'Opening study read-only…' : 'Opening study…', () => rtcw().openStudy({ path, readOnly }), where);
  };
  // A study another program is writing (STUDY_LOCKED) can still be looked at, read-only.
  const readOnlyAction =
    error?.code === 'STUDY_LOCKED' && lastOpen ? { label: 'Open read-only', run: () => openStudy(lastOpen.path, errorAt === 'open' ? 'open' : 'page', true) } : undefined;
  const onOpen = (event: FormEvent) => {
    event.preventDefault();
    openStudy(!isDesktop && openPath.trim() ? openPath.trim() : undefined, 'open');
  };

  const firstStart = !study && recent.length === 0;

  return (
    <div className="page">
      <div className="page-header">
        <div>
          <PageTitle>Study</PageTitle>
          <p className="lede">
            A study is one file on this computer holding the cohort, its provenance and audit trail, and the saved
            analyses.
          </p>
        </div>
      </div>

      {errorAt === 'page' && <ErrorNotice error={error} onDismiss={() => setError(null)} action={readOnlyAction} />}
      {busy && (
        <div className="notice info" role="status">
          {busy}
        </div>
      )}

      {study && (
        <section className="panel" aria-labelledby="current-study-heading">
          <div className="page-header" style={{ marginBottom: 8 }}>
            <div>
              <h2 id="current-study-heading">{study.title}</h2>
              <div className="small muted">
                <span className="mono">{study.path}</span> · schema v{study.schemaVersion}
              </div>
              {study.notices.map((notice) => (
                <p key={notice} className="notice info small" role="status" style={{ marginTop: 8 }}>
                  {notice}
                </p>
              ))}
              {study.synthetic && (
                <p className="notice warn small" style={{ marginTop: 8 }}>
                  This is the built-in <strong>synthetic demo study</strong>: invented patients shaped like the reference
                  study, for learning the workflow. Do not report its numbers.
                </p>
              )}
              {study.sharedCopy && (
                <p className="notice info small" style={{ marginTop: 8 }} data-shared-copy>
                  This is a <strong>shared, de-identified copy</strong>: dates are shifted per patient (intervals kept) and it
                  has no study key, so DICOM import and linking spreadsheets by hospital ID are not possible here.
                </p>
              )}
            </div>
            <div className="spacer" />
            <div className="button-row">
              <button type="button" onClick={() => navigate('cohort')}>
                View cohort
              </button>
              <button type="button" onClick={() => navigate('analysis')}>
                Analyse
              </button>
              <button type="button" onClick={() => void run('Closing study…', async () => (await rtcw().closeStudy({}), null))}>
                Close study
              </button>
            </div>
          </div>
          <section aria-labelledby="study-counts-heading" role="region">
            <h3 id="study-counts-heading">Study counts</h3>
            <dl className="counts">
              <div className="count">
                <dt>Patients</dt>
                <dd data-count="patients">{study.counts.patients}</dd>
              </div>
              <div className="count">
                <dt>Lesions</dt>
                <dd data-count="lesions">{study.counts.lesions}</dd>
              </div>
              <div className="count">
                <dt>RT courses</dt>
                <dd data-count="courses">{study.counts.courses}</dd>
              </div>
            </dl>
          </section>
        </section>
      )}

      {study && <StudySettingsPanel />}
      {study && <ShareCopyPanel />}

      {firstStart && (
        <section className="panel" aria-labelledby="demo-offer-heading" style={{ borderColor: '#b5cbe8', background: '#f5f9fe' }}>
          <h2 id="demo-offer-heading">New here? Start with the demo study</h2>
          <p>
            The demo study is a synthetic cohort of 28 spinal lesions in 24 patients, shaped like the reference study
            (SBRT or conventional RT with or without concurrent targeted therapy). It lets you walk through cohort,
            analysis and export straight away.
          </p>
          <button type="button" className="primary" onClick={() => void run('Opening demo study…', () => rtcw().openDemoStudy({}))}>
            Open demo study
          </button>
        </section>
      )}

      <div className="panel-row">
        <section className="panel" aria-labelledby="new-study-heading">
          <h2 id="new-study-heading">Create a study</h2>
          <form onSubmit={onCreate} className="fields" style={{ gridTemplateColumns: '1fr' }}>
            <div className="field">
              <label htmlFor={titleId}>Study title</label>
              <input id={titleId} type="text" value={title} onChange={(e) => setTitle(e.target.value)} placeholder="e.g. Spine SBRT RCC 2009–2015" />
            </div>
            {!isDesktop && (
              <div className="field">
                <label htmlFor={newPathId}>New study file</label>
                <input
                  id={newPathId}
                  type="text"
                  className="mono"
                  value={newPath}
                  onChange={(e) => setNewPath(e.target.value)}
                  placeholder="leave empty for the default folder"
                />
                <span className="field-hint">Path on this computer, ending in .rtcw.</span>
              </div>
            )}
            <div className="button-row">
              <button type="submit" className="primary" disabled={busy !== null}>
                New study
              </button>
            </div>
          </form>
          {errorAt === 'create' && <ErrorNotice error={error} onDismiss={() => setError(null)} />}
        </section>

        <section className="panel" aria-labelledby="open-study-heading">
          <h2 id="open-study-heading">Open a study</h2>
          <form onSubmit={onOpen} className="fields" style={{ gridTemplateColumns: '1fr' }}>
            {!isDesktop && (
              <div className="field">
                <label htmlFor={openPathId}>Study file</label>
                <input
                  id={openPathId}
                  type="text"
                  className="mono"
                  value={openPath}
                  onChange={(e) => setOpenPath(e.target.value)}
                  placeholder="/path/to/study.rtcw"
                />
              </div>
            )}
            <div className="button-row">
              <button type="submit" disabled={busy !== null}>
                Open study
              </button>
              {!firstStart && (
                <button type="button" disabled={busy !== null} onClick={() => void run('Opening demo study…', () => rtcw().openDemoStudy({}))}>
                  Open demo study
                </button>
              )}
            </div>
          </form>
          {errorAt === 'open' && <ErrorNotice error={error} onDismiss={() => setError(null)} action={readOnlyAction} />}

          <h3 style={{ marginTop: 18 }}>Recent studies</h3>
          {recent.length === 0 ? (
            <p className="muted small">No recent studies yet.</p>
          ) : (
            <ul className="recent" aria-label="Recent studies">
              {recent.map((r) => (
                <li key={r.path}>
                  <div style={{ minWidth: 0, flex: 1 }}>
                    <div>{r.fileName}</div>
                    <div className="path mono" title={r.path}>
                      {r.path}
                    </div>
                    <div className="small muted">
                      {r.exists ? `opened ${formatTimestamp(r.openedAt, display.format, display.locale)}` : 'file not found'}
                    </div>
                  </div>
                  <button
                    type="button"
                    className="small"
                    disabled={!r.exists || busy !== null}
                    aria-label={`Open ${r.fileName}`}
                    onClick={() => openStudy(r.path, 'page')}
                  >
                    Open
                  </button>
                  <button
                    type="button"
                    className="small"
                    aria-label={`Remove ${r.fileName} from the recent list`}
                    onClick={async () => {
                      try {
                        setRecent(await rtcw().forgetRecentStudy({ path: r.path }));
                      } catch (e) {
                        setError(showError(e));
                      }
                    }}
                  >
                    Forget
                  </button>
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
    </div>
  );
}
