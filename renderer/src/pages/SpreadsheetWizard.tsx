export function SpreadsheetWizard() {
  return <section className="panel"><h2>Spreadsheet import</h2><p className="muted">Waiting for the cohort import API.</p></section>;
}
