// Every write to a study is audited (issue 4): saved analyses and the title set when a study is
// created in the app go through the audit log like cohort edits. Also: `rtcw report` into a folder
// that cannot be written is a one-line bad-input message (exit 2), not an internal error.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../electron/cli/main';
import { StudySession } from '../../../electron/services/api/studySession';
import { listAudit } from '../../../electron/services/db/cohortRecords';
import { deleteSavedAnalysis, saveAnalysis } from '../../../electron/services/db/savedAnalyses';
import { createStudy } from '../../../electron/services/db/studyFile';
import { analysisSpecSchema } from '../../../shared/api/analysis';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtcw-audited-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('audited writes outside the cohort tables', () => {
  it('saving, replacing and deleting a named analysis are audited', () => {
    const study = createStudy(path.join(dir, 'saved.rtcw'));
    try {
      const spec = analysisSpecSchema.parse({ endpoint: 'local', groupBy: 'concurrent' });
      const saved = saveAnalysis(study.db, 'LPFR', spec, 'tester');
      saveAnalysis(study.db, 'LPFR', spec, 'tester'); // same spec: nothing changed, nothing audited
      saveAnalysis(study.db, 'LPFR', { ...spec, endpoint: 'os' }, 'tester');
      deleteSavedAnalysis(study.db, saved.id, 'tester');
      const entries = listAudit(study.db, { entity: 'savedAnalysis' }).reverse();
      expect(entries.map((e) => e.action)).toEqual(['insert', 'update', 'delete']);
      expect(entries.every((e) => e.who === 'tester' && e.entityId === saved.id)).toBe(true);
      expect(entries[1].before).toMatchObject({ name: 'LPFR', spec: { endpoint: 'local' } });
      expect(entries[1].after).toMatchObject({ name: 'LPFR', spec: { endpoint: 'os' } });
      expect(entries[2]).toMatchObject({ before: { spec: { endpoint: 'os' } }, after: null });
    } finally {
      study.close();
    }
  });

  it('the title of a study created in the app is audited with the OS user name', () => {
    const session = new StudySession({ userDataDir: path.join(dir, 'user') });
    fs.mkdirSync(path.join(dir, 'user'));
    try {
      session.create(path.join(dir, 'titled.rtcw'), 'My cohort');
      const [entry] = listAudit(session.study.db, { entity: 'studySettings' });
      expect(entry).toMatchObject({ action: 'update', who: os.userInfo().username, after: { title: 'My cohort' } });
    } finally {
      session.dispose();
    }
  });
});

describe('rtcw report output folder', () => {
  it('a folder that cannot be created is a one-line message with exit 2', async () => {
    const file = path.join(dir, 'demo.rtcw');
    const out: string[] = [];
    const err: string[] = [];
    const io = { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => err.push(t) } };
    expect(await main(['study', 'create', file, '--demo'], io)).toBe(0);
    const blocker = path.join(dir, 'a-file');
    fs.writeFileSync(blocker, 'not a folder');
    out.length = 0;
    const code = await main(['report', '--study', file, '--out', path.join(blocker, 'report')], io);
    expect(code).toBe(2);
    expect(out.join('')).toBe('');
    expect(err.join('').trimEnd().split('\n')).toEqual([expect.stringMatching(/^rtcw report: cannot write the report into .*a-file.report: ENOTDIR/)]);
  });
});
