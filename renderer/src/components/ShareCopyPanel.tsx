import { useState, type FormEvent } from 'react';
import type { SharedCopyResult } from '../../../shared/api/study';
import { ErrorNotice } from './ErrorNotice';
import { LocalPathField } from './LocalPathField';
import { isCancelled, isDesktop, rtcw, showError, type ShownError } from '../rtcw';

/**
 * File → Share a de-identified copy… as a panel of the Study page (the web harness has no menu).
 * What the copy keeps and drops is decided by electron/services/identity/studyShare.ts; this only
 * says it in plain words and shows where the copy went.
 */
export function ShareCopyPanel() {
  const [out, setOut] = useState('');
  const [result, setResult] = useState<SharedCopyResult | null>(null);
  const [error, setError] = useState<ShownError | null>(null);
  const [busy, setBusy] = useState(false);

  const share = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setResult(null);
    setBusy(true);
    try {
      setResult(await rtcw().shareStudyCopy({ out: !isDesktop && out.trim() ? out.trim() : undefined }));
    } catch (e) {
      if (!isCancelled(e)) setError(showError(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel" aria-labelledby="share-copy-heading">
      <h2 id="share-copy-heading">Share a de-identified copy</h2>
      <p className="small">
        Writes a new study file you may give to a statistician or collaborator. Analyses of the copy give the same numbers.
        It has no study key and no DICOM index; every calendar date is shifted by a random offset per patient (intervals
        kept); pseudonyms are replaced by new random codes; ages of 90 and over are written as 90; file names, plan UIDs,
        machine names and the audit trail&apos;s values and user names are left out. This study is not changed.
      </p>
      <ErrorNotice error={error} onDismiss={() => setError(null)} />
      <form onSubmit={(e) => void share(e)}>
        <LocalPathField label="Copy to (new .rtcw file)" value={out} onChange={setOut} example="/path/to/study-shared.rtcw" submitLabel={busy ? 'Writing…' : 'Share a de-identified copy…'} />
      </form>
      {result && (
        <div className="notice ok" role="status">
          <div className="notice-title">De-identified copy written</div>
          <div>
            <span className="mono">{result.path}</span> · {result.patients} patients, {result.lesions} lesions
          </div>
        </div>
      )}
    </section>
  );
}
