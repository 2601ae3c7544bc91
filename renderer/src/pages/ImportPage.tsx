import { useState } from 'react';
import { NeedsStudy, PageTitle } from '../navigation';
import { DicomWizard } from './DicomWizard';
import { SpreadsheetWizard } from './SpreadsheetWizard';

type Source = 'dicom' | 'spreadsheet';

export function ImportPage() {
  const [source, setSource] = useState<Source>('dicom');
  return (
    <div className="page">
      <PageTitle>Import</PageTitle>
      <p className="lede">
        Build the cohort from DICOM exports and clinical spreadsheets. Nothing is written until you commit, and a failed
        import changes nothing.
      </p>
      <NeedsStudy>
        <div role="tablist" aria-label="Import source" className="tabs">
          {(
            [
              ['dicom', 'DICOM folder'],
              ['spreadsheet', 'Spreadsheet (CSV, XLSX)'],
            ] as const
          ).map(([id, label]) => (
            <button
              key={id}
              type="button"
              role="tab"
              id={`import-tab-${id}`}
              aria-selected={source === id}
              aria-controls={`import-panel-${id}`}
              tabIndex={source === id ? 0 : -1}
              className="tab"
              onClick={() => setSource(id)}
              onKeyDown={(e) => {
                if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
                  const next = source === 'dicom' ? 'spreadsheet' : 'dicom';
                  setSource(next);
                  document.getElementById(`import-tab-${next}`)?.focus();
                }
              }}
            >
              {label}
            </button>
          ))}
        </div>
        <div role="tabpanel" id={`import-panel-${source}`} aria-labelledby={`import-tab-${source}`}>
          {source === 'dicom' ? <DicomWizard /> : <SpreadsheetWizard />}
        </div>
      </NeedsStudy>
    </div>
  );
}
