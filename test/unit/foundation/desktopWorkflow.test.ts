// .github/workflows/desktop.yml cannot run on these machines (no Electron download, no hosted
// runners): it is validated against the GitHub workflow JSON schema (SchemaStore, copied to
// test/fixtures/ci/, see SOURCE.txt there) and checked for what issue 17 asks of it.
import fs from 'node:fs';
import Ajv from 'ajv';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';

const schema = JSON.parse(fs.readFileSync('test/fixtures/ci/github-workflow.schema.json', 'utf8')) as object;
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
const workflow = yaml.load(fs.readFileSync('.github/workflows/desktop.yml', 'utf8')) as {
  on: Record<string, unknown>;
  jobs: Record<string, { 'runs-on': string; strategy: { matrix: { include: { os: string; builder: string }[] } }; steps: { name?: string; uses?: string; run?: string; if?: string; env?: Record<string, string> }[] }>;
};
const job = workflow.jobs.desktop;
const steps = job.steps;
const runs = (pattern: RegExp) => steps.filter((s) => s.run !== undefined && pattern.test(s.run));

describe('.github/workflows/desktop.yml', () => {
  it('is valid against the GitHub workflow schema', () => {
    const valid = validate(workflow);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('the schema check can fail: a job without runs-on, an unknown key', () => {
    const broken = structuredClone(workflow) as unknown as { jobs: { desktop: Record<string, unknown> } };
    delete broken.jobs.desktop['runs-on'];
    expect(validate(broken)).toBe(false);
    expect(validate({ ...workflow, triggers: ['push'] })).toBe(false);
  });

  it('runs on Linux, Windows and macOS runners', () => {
    const oses = job.strategy.matrix.include.map((entry) => entry.os);
    expect(oses.some((os) => os.startsWith('ubuntu'))).toBe(true);
    expect(oses.some((os) => os.startsWith('windows'))).toBe(true);
    expect(oses.some((os) => os.startsWith('macos'))).toBe(true);
    expect(job['runs-on']).toBe('${{ matrix.os }}');
  });

  it('installs with the Electron download, then runs npm test and the Electron suite (xvfb on Linux)', () => {
    const skipsDownload = steps.filter((s) => `${s.run ?? ''} ${JSON.stringify(s.env ?? {})}`.includes('ELECTRON_SKIP_BINARY_DOWNLOAD'));
    expect(skipsDownload).toEqual([]);
    const install = steps.findIndex((s) => s.run === 'npm ci');
    const test = steps.findIndex((s) => s.run === 'npm test');
    expect(install).toBeGreaterThanOrEqual(0);
    expect(test).toBeGreaterThan(install);
    expect(runs(/^xvfb-run -a npm run test:electron$/).map((s) => s.if)).toEqual(["runner.os == 'Linux'"]);
    expect(runs(/^npm run test:electron$/).map((s) => s.if)).toEqual(["runner.os != 'Linux'"]);
  });

  it('builds each platform’s installers on that platform and uploads them with checksums', () => {
    const builders = Object.fromEntries(job.strategy.matrix.include.map((e) => [e.os.split('-')[0], e.builder]));
    expect(builders).toEqual({ ubuntu: '--linux AppImage deb', windows: '--win nsis', macos: '--mac dmg' });
    expect(runs(/electron-builder --config electron-builder\.yml --publish never \$\{\{ matrix\.builder \}\}/)).toHaveLength(1);
    expect(runs(/SHA256SUMS\.txt/)).toHaveLength(1);
    const upload = steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
    expect(upload).toBeDefined();
  });

  it('installs the built app on each platform and runs the first-start scenario against it', () => {
    const installed = runs(/npm run test:electron -- --installed /);
    expect(installed.map((s) => s.if).sort()).toEqual(["runner.os == 'Linux'", "runner.os == 'Windows'", "runner.os == 'macOS'"].sort());
    const upload = steps.findIndex((s) => s.uses?.startsWith('actions/upload-artifact@'));
    for (const step of installed) expect(steps.indexOf(step)).toBeGreaterThan(upload);
  });

  it('leaves the offline CI script alone: .ci/run still skips the Electron download', () => {
    expect(fs.readFileSync('.ci/run', 'utf8')).toContain('ELECTRON_SKIP_BINARY_DOWNLOAD=1 npm ci');
  });
});
