import { useEffect, useRef, useState, type ReactNode } from 'react';
import { PAGES, navigate, type PageId } from './navigation';
import { StudyProvider, useStudy } from './StudyContext';
import { StudyPage } from './pages/StudyPage';
import { CohortPage } from './pages/CohortPage';
import { ImportPage } from './pages/ImportPage';
import { AnalysisPage } from './pages/AnalysisPage';
import { ExportPage } from './pages/ExportPage';


function pageFromHash(): PageId {
  const id = location.hash.replace(/^#\/?/, '').split(/[/?]/)[0];
  return (PAGES.find((p) => p.id === id)?.id ?? 'study') as PageId;
}

export function App() {
  return (
    <StudyProvider>
      <Shell />
    </StudyProvider>
  );
}

function Shell() {
  const [page, setPage] = useState<PageId>(pageFromHash);
  const { study } = useStudy();

  useEffect(() => {
    const onHash = () => setPage(pageFromHash());
    window.addEventListener('hashchange', onHash);
    // Alt+1…5 jump between pages from anywhere (the sidebar is also in the tab order).
    const onKey = (event: KeyboardEvent) => {
      if (!event.altKey || event.ctrlKey || event.metaKey) return;
      const index = Number(event.key) - 1;
      if (index >= 0 && index < PAGES.length) {
        event.preventDefault();
        navigate(PAGES[index].id);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('hashchange', onHash);
      window.removeEventListener('keydown', onKey);
    };
  }, []);

  useEffect(() => {
    const label = PAGES.find((p) => p.id === page)?.label ?? '';
    document.title = `${label} — ${study ? `${study.title} — ` : ''}RT Cohort Workstation`;
  }, [page, study]);

  const shownPage = useRef<PageId>(page);
  useEffect(() => {
    // Move focus to the new page's heading so screen readers announce it (not on first load).
    if (shownPage.current === page) return;
    shownPage.current = page;
    document.querySelector<HTMLElement>('main h1')?.focus({ preventScroll: true });
  }, [page]);

  let content: ReactNode;
  switch (page) {
    case 'study':
      content = <StudyPage />;
      break;
    case 'cohort':
      content = <CohortPage />;
      break;
    case 'import':
      content = <ImportPage />;
      break;
    case 'analysis':
      content = <AnalysisPage />;
      break;
    case 'export':
      content = <ExportPage />;
      break;
  }

  return (
    <div className="shell">
      <a className="skip-link" href="#main-content" onClick={(e) => { e.preventDefault(); document.getElementById('main-content')?.focus(); }}>
        Skip to content
      </a>
      <aside className="sidebar">
        <div className="brand">
          <div className="brand-name">RT Cohort Workstation</div>
          <div className="brand-sub">Offline · no data leaves this machine</div>
        </div>
        <nav aria-label="Main">
          <ul className="nav-list">
            {PAGES.map((p, index) => (
              <li key={p.id}>
                <a className="nav-link" href={`#/${p.id}`} aria-current={p.id === page ? 'page' : undefined}>
                  {p.label}
                  <span className="nav-key" aria-hidden="true">Alt+{index + 1}</span>
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div className="sidebar-study" aria-label="Open study" role="status">
          {study ? (
            <>
              <span>Open study</span>
              <strong title={study.fileName}>{study.title}</strong>
              <span className="mono">{study.fileName}</span>
              {study.readOnly && <span className="demo-badge">read-only</span>}
              {study.synthetic && <div><span className="demo-badge">Synthetic demo data</span></div>}
              {study.sharedCopy && <div><span className="demo-badge">Shared copy (de-identified)</span></div>}
            </>
          ) : (
            <span>No study open</span>
          )}
        </div>
      </aside>
      <main className="main" id="main-content" tabIndex={-1}>
        {content}
      </main>
    </div>
  );
}
