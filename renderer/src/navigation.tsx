// Page ids, hash navigation and the pieces every page uses (title, "needs an open study").
import type { ReactNode } from 'react';
import { useStudy } from './StudyContext';

export type PageId = 'study' | 'cohort' | 'import' | 'analysis' | 'export';

export const PAGES: { id: PageId; label: string }[] = [
  { id: 'study', label: 'Study' },
  { id: 'cohort', label: 'Cohort' },
  { id: 'import', label: 'Import' },
  { id: 'analysis', label: 'Analysis' },
  { id: 'export', label: 'Export' },
];

/** Hash routes work the same under app:// (desktop) and the loopback harness. */
export function navigate(page: PageId) {
  location.hash = `#/${page}`;
}

/** A page's h1, focusable so navigation can move focus to it. */
export function PageTitle({ children }: { children: ReactNode }) {
  return <h1 tabIndex={-1}>{children}</h1>;
}

/** Shown by pages that need an open study. */
export function NeedsStudy({ children }: { children: ReactNode }) {
  const { study } = useStudy();
  if (study) return <>{children}</>;
  return (
    <div className="notice info" role="status">
      <div className="notice-title">No study is open.</div>
      <div>
        Open or create a study first.{' '}
        <button type="button" className="link" onClick={() => navigate('study')}>
          Go to the Study page
        </button>
      </div>
    </div>
  );
}
