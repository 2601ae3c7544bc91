// The shared end-to-end scenarios (./scenarios.ts) in web mode, in the order the Electron suite
// (test/electron/app.electron.ts) runs them against the desktop app: one source for both.
import { describe, it } from 'vitest';
import { populateDemoStudy } from '../../electron/services/analysis/demoStudy';
import { useAppSession, webScenarioApp } from './appSession';
import { analysis, cohortEditAndUndo, dicomImportCohortA, exportFigureAndTable, firstStart, openDemoStudy } from './scenarios';

const session = useAppSession({ populateDemo: (db) => populateDemoStudy(db) });
const app = () => webScenarioApp(session());

describe('shared scenarios in web mode', () => {
  it('first start', () => firstStart(app()));
  it('opens the demo study', () => openDemoStudy(app()));
  it('edits a cohort value and undoes it', () => cohortEditAndUndo(app()));
  it('runs the analysis', () => analysis(app()));
  it('exports a figure and a table', () => exportFigureAndTable(app()));
  it('imports cohort-a through the DICOM wizard', () => dicomImportCohortA(app()));
});
