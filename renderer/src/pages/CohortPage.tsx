import { NeedsStudy, PageTitle } from '../App';

export function CohortPage() {
  return (
    <div className="page">
      <PageTitle>Cohort</PageTitle>
      <NeedsStudy>
        <p className="muted">Coming up.</p>
      </NeedsStudy>
    </div>
  );
}
