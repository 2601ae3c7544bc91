// `rtcw study create`, `study import-table` and `dataset`, run in-process through the CLI entry.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../electron/cli/main';

const fixtures = path.resolve(__dirname, '../../fixtures/import');
let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtcw-cohort-cli-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function rtcw(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => err.push(t) } });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

// cli.md "Studies": the dataset columns, in this order.
const CLI_COLUMNS =
  'patient,lesion,sex,ageAtRT,ecog,levels,location,cordCompression,sins,sinsGroup,priorIrradiation,sbrt,totalDoseGy,fractions,bedGy,eqd2Gy,targetedTiming,concurrent,painResponse,localTime,localEvent,osTime,osEvent,systemicTime,systemicEvent,firstFailure';

describe('rtcw study commands', () => {
  it('study create --demo, then dataset in both units', async () => {
    const file = path.join(dir, 'demo.rtcw');
    const created = await rtcw('study', 'create', file, '--demo');
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ synthetic: true, counts: { patients: 24, lesions: 28, courses: 28 } });
    // The flag may also come before the file.
    const before = await rtcw('study', 'create', '--demo', path.join(dir, 'demo-flag-first.rtcw'));
    expect(before.code).toBe(0);
    expect(JSON.parse(before.stdout)).toMatchObject({ synthetic: true, counts: { patients: 24 } });
    const again = await rtcw('study', 'create', file, '--demo');
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists/);

    const lesion = await rtcw('dataset', '--study', file);
    expect(lesion.code).toBe(0);
    const lines = lesion.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(CLI_COLUMNS);
    expect(lines.length).toBe(29);
    expect(lines[1]).toMatch(/^SYN-001,SYN-001-1,M,71,2,T8,thoracic,1,13,13-18,0,0,30,10,42.86,33.33,before,0,0,/);
    const patient = await rtcw('dataset', '--study', file, '--unit=patient');
    expect(patient.stdout.trimEnd().split('\n').length).toBe(25);
    expect((await rtcw('dataset', '--study', file, '--unit', 'visit')).code).toBe(2);
    expect((await rtcw('dataset', '--study', path.join(dir, 'missing.rtcw'))).stderr).toMatch(/does not exist/);
    expect((await rtcw('dataset', '--study', file, '--bogus', '1')).code).toBe(2);
  });

  it('study import-table: all or nothing, row-by-row report, idempotent', async () => {
    const file = path.join(dir, 'import.rtcw');
    expect((await rtcw('study', 'create', file)).code).toBe(0);
    const mapping = path.join(fixtures, 'redcap-mapping.json');
    const first = await rtcw('study', 'import-table', file, '--table', path.join(fixtures, 'redcap-export.xlsx'), '--mapping', mapping);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout).message).toBe('16 row(s) imported: 16 inserted, 0 updated, 0 unchanged');
    const second = await rtcw('study', 'import-table', file, '--table', path.join(fixtures, 'redcap-export.xlsx'), '--mapping', mapping);
    expect(JSON.parse(second.stdout).message).toBe('16 row(s) imported: 0 inserted, 0 updated, 16 unchanged');

    const before = (await rtcw('dataset', '--study', file)).stdout;
    const bad = await rtcw('study', 'import-table', file, '--table', path.join(fixtures, 'lesions-bad.csv'), '--mapping', path.join(fixtures, 'lesions-mapping.json'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/5 problem\(s\) in 5 row\(s\); nothing was imported: lesions-bad row 2, column sins_total: SINS must be ≤ 18.* \| lesions-bad row 6, column cord_comp: /);
    expect(bad.stderr.trim().split('\n').length).toBe(1);
    // The whole row-by-row report is on stdout as JSON.
    expect(JSON.parse(bad.stdout)).toMatchObject({ committed: false, rejected: [{ row: 2, column: 'sins_total' }, {}, {}, {}, { row: 6, column: 'cord_comp' }] });
    expect((await rtcw('dataset', '--study', file)).stdout).toBe(before);

    const noMapping = await rtcw('study', 'import-table', file, '--table', path.join(fixtures, 'patients.csv'), '--mapping', path.join(dir, 'nope.json'));
    expect(noMapping.code).toBe(2);
    expect(noMapping.stderr).toMatch(/cannot read mapping nope.json/);
  });
});
