// Chart text on screen stays readable (issue 16: ≥ 11 px) at the figure widths of a 1280×720 and a
// 1440×900 window, for the survival figure and the forest plot of the demo study's analysis.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisResult } from '../../../shared/api/analysis';
import { createApiRuntime, type ApiService } from '../../../electron/services/api/index';
import { typedPathChooser } from '../../../electron/harness/server';
import { MIN_SCREEN_TEXT_PX, screenForestFigure, screenSurvivalFigure } from '../../../renderer/src/analysis/screenFigure';

let dir: string;
let service: ApiService;
let result: AnalysisResult;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtcw-screen-figure-'));
  service = createApiRuntime({ userDataDir: path.join(dir, 'user-data'), choosePath: typedPathChooser(dir), logError: () => {} });
  const opened = await service.call('openDemoStudy', {});
  if (!opened.ok) throw new Error(opened.error.message);
  const r = await service.call('runAnalysis', { spec: {} });
  if (!r.ok) throw new Error(r.error.message);
  result = r.result as AnalysisResult;
});
afterAll(() => {
  service.session.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Every fontSize anywhere in an ECharts option. */
function fontSizes(node: unknown, out: number[] = []): number[] {
  if (Array.isArray(node)) for (const x of node) fontSizes(x, out);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'fontSize' && typeof v === 'number') out.push(v);
      else fontSizes(v, out);
    }
  }
  return out;
}

describe('screen figures', () => {
  for (const width of [560, 660, 900]) {
    it(`draws no text below ${MIN_SCREEN_TEXT_PX} px at a ${width} px wide figure`, () => {
      const km = fontSizes(screenSurvivalFigure(result, width).option);
      expect(km.length).toBeGreaterThan(5);
      expect(Math.min(...km)).toBeGreaterThanOrEqual(MIN_SCREEN_TEXT_PX - 1e-9);
      const forest = screenForestFigure(result, width);
      if (forest) expect(Math.min(...fontSizes(forest.option))).toBeGreaterThanOrEqual(MIN_SCREEN_TEXT_PX - 1e-9);
    });
  }
});
