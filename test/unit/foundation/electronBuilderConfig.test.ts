// electron-builder.yml is validated against the JSON schema electron-builder itself ships
// (app-builder-lib/scheme.json), plus the project's own packaging rules.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import Ajv from 'ajv';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const schemaPath = require.resolve('app-builder-lib/scheme.json');
const config = yaml.load(fs.readFileSync('electron-builder.yml', 'utf8')) as Record<string, unknown>;
const schema = JSON.parse(fs.readFileSync(schemaPath, 'utf8')) as object;
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

describe('electron-builder.yml', () => {
  it('is valid against electron-builder’s own configuration schema', () => {
    const valid = validate(config);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('the schema check rejects an unknown or mistyped option (the check can fail)', () => {
    expect(validate({ ...config, electronFuses: { runAsNode: 'no' } })).toBe(false);
    expect(validate({ ...config, appIdentifier: 'x' })).toBe(false);
  });

  it('builds Linux AppImage + deb, Windows NSIS and macOS dmg for the product', () => {
    expect(config.appId).toMatch(/^[a-z0-9.-]+$/);
    expect(config.productName).toBe('RT Cohort Workstation');
    expect((config.linux as { target: string[] }).target).toEqual(['AppImage', 'deb']);
    expect((config.win as { target: string[] }).target).toEqual(['nsis']);
    expect((config.mac as { target: string[] }).target).toEqual(['dmg']);
  });

  it('never publishes or auto-updates', () => {
    expect(config.publish).toBeNull();
  });

  it('disables RunAsNode, NODE_OPTIONS and the inspect flags with fuses', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
    });
  });

  it('unpacks native modules from the asar and ships the built app', () => {
    const unpack = config.asarUnpack as string[];
    expect(unpack).toContain('**/*.node');
    expect(unpack).toContain('node_modules/better-sqlite3/**');
    expect(config.files).toContain('dist/**/*');
    const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8')) as { main: string };
    expect(pkg.main.startsWith('dist/electron/')).toBe(true);
  });
});
