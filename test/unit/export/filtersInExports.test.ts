// Active filters travel with the results (issue 16): the methods paragraph says which rows were
// analysed, and an exported figure's metadata names the filters in the same words as the screen.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiResponse } from '../../../shared/api/contract';
import type { ExportedFile, MethodsText } from '../../../shared/api/export';
import { createApiRuntime, type ApiService } from '../../../electron/services/api/index';
import { typedPathChooser } from '../../../electron/harness/server';

let dir: string;
let service: ApiService;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtcw-filters-export-'));
  service = createApiRuntime({ userDataDir: path.join(dir, 'user-data'), choosePath: typedPathChooser(dir), logError: () => {} });
  ok(await service.call('openDemoStudy', {}));
});
afterAll(() => {
  service.session.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

function ok<T>(r: ApiResponse): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.result as T;
}

const filtered = { groupBy: 'sex', filters: [{ variable: 'concurrent', op: 'in', values: ['1'] }] };

describe('filters in exports', () => {
  it('the methods paragraph states the filters and the n they leave', async () => {
    const text = ok<MethodsText>(await service.call('getMethodsText', { spec: filtered })).text;
    expect(text).toMatch(/^The analysis was restricted to lesions with Targeted therapy is Concurrent \(n = 13\)\./);
    const plain = ok<MethodsText>(await service.call('getMethodsText', { spec: { groupBy: 'sex' } })).text;
    expect(plain).not.toMatch(/restricted to/);
  });

  it('an exported SVG figure carries the filters in its metadata', async () => {
    const out = path.join(dir, 'filtered.svg');
    const file = ok<ExportedFile>(await service.call('exportFigure', { spec: filtered, format: 'svg', path: out }));
    const svg = fs.readFileSync(file.path, 'utf8');
    expect(svg).toContain('filters="Targeted therapy is Concurrent"');
  });

  it('a PNG figure carries them in its description text chunk', async () => {
    const out = path.join(dir, 'filtered.png');
    const file = ok<ExportedFile>(await service.call('exportFigure', { spec: filtered, format: 'png', dpi: 300, path: out }));
    expect(fs.readFileSync(file.path).toString('latin1')).toContain('filters: Targeted therapy is Concurrent');
  });
});
