import { NeedsStudy, PageTitle } from '../App';

export function AnalysisPage() {
  return (
    <div className="page">
      <PageTitle>Analysis</PageTitle>
      <NeedsStudy>
        <p className="muted">Coming up.</p>
      </NeedsStudy>
    </div>
  );
}
