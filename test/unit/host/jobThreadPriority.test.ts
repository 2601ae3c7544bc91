// Job threads run below the thread that answers calls (electron/services/host/jobThreadPriority.ts):
// on Linux, while a 1200 dpi TIFF renders in its worker, this process (serving the API in-process, as
// the harness does) has a thread at the job niceness and its own thread still at normal priority.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiRuntime, type ApiService } from '../../../electron/services/api/index';
import { JOB_THREAD_NICENESS } from '../../../electron/services/host/jobThreadPriority';

let dir: string;
let service: ApiService;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtcw-priority-'));
  service = createApiRuntime({ userDataDir: path.join(dir, 'user-data'), choosePath: async (r) => r.requested ?? null });
});
afterAll(() => {
  service.session.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Niceness of every thread of this process (field 19 of /proc/<pid>/task/<tid>/stat). */
function threadNiceness(): number[] {
  return fs.readdirSync('/proc/self/task').flatMap((tid) => {
    try {
      const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      return [Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])];
    } catch {
      return []; // the thread ended meanwhile
    }
  });
}

describe('job thread priority', () => {
  it.runIf(process.platform === 'linux')('a rendering job thread is niced; the thread serving calls is not', async () => {
    expect((await service.call('openDemoStudy', {})).ok).toBe(true);
    let during: number[] = [];
    const response = await service.call(
      'exportFigure',
      { spec: { endpoint: 'local' }, figure: 'survival', format: 'tiff', dpi: 1200, preset: 'double', path: path.join(dir, 'f.tiff') },
      {
        jobId: 'priority-tiff',
        onProgress: (p) => {
          if (during.length === 0 && /Rendering at 1200 dpi/.test(p.message)) {
            // The worker posted this and is now rendering for seconds.
            during = threadNiceness();
            service.cancel('priority-tiff');
          }
        },
      },
    );
    expect(response).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
    expect(during).toContain(JOB_THREAD_NICENESS);
    expect(os.getPriority(0)).toBe(0);
    expect(fs.existsSync(path.join(dir, 'f.tiff'))).toBe(false);
  });
});
