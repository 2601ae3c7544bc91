// Worker code in development (electron/services/host/workerSource.ts): bundled from the .ts entry,
// written under node_modules/.cache and started from that file — not copied to the thread as an
// `eval` string on the service host's thread (issue 15).
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { newWorker, workerScript } from '../../../electron/services/host/workerSource';

const entry = new URL('../../fixtures/workers/echoWorker.ts', import.meta.url);

describe('development worker scripts', () => {
  it('are files under node_modules/.cache, named by content, that run with the entry as __filename and find node_modules', async () => {
    const script = await workerScript('echoWorker', entry);
    expect('file' in script).toBe(true);
    const file = (script as { file: string }).file;
    expect(file).toMatch(/node_modules[\\/]\.cache[\\/]rtcw-workers[\\/]echoWorker-[0-9a-f]{16}\.cjs$/);
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(file, 'utf8').startsWith('(function (__filename, __dirname) {')).toBe(true);
    expect(await workerScript('echoWorker', entry)).toBe(script); // once per process

    const worker = newWorker(script);
    const reply = await new Promise<{ filename: string; sqlite: string }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(reply.filename).toBe(fileURLToPath(entry));
    expect(reply.sqlite).toMatch(/node_modules[\\/]better-sqlite3[\\/]/);
  });
});
