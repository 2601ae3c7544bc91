import { NeedsStudy, PageTitle } from '../App';

export function ExportPage() {
  return (
    <div className="page">
      <PageTitle>Export</PageTitle>
      <NeedsStudy>
        <p className="muted">Coming up.</p>
      </NeedsStudy>
    </div>
  );
}
