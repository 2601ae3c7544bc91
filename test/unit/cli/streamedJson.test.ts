// km prints its table in blocks (electron/cli/streamedJson.ts, issue 15): the chunks must form the
// same JSON document one JSON.stringify of the whole result gives, across block boundaries.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../../electron/cli/main';
import { jsonItemChunks, jsonObjectChunks } from '../../../electron/cli/streamedJson';
import { kaplanMeierByGroup, survivalAt, survivalQuantile, survivalTable } from '../../../shared/stats/kaplanMeier';

const dir = mkdtempSync(join(tmpdir(), 'rtcw-streamed-'));

async function collect(chunks: AsyncIterable<string | Uint8Array>): Promise<string> {
  let text = '';
  for await (const chunk of chunks) text += chunk;
  return text;
}
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('streamed JSON output', () => {
  it('array and object chunks concatenate to JSON.stringify', async () => {
    const rows = Array.from({ length: 9000 }, (_, i) => ({ i, x: i / 7, y: i % 3 === 0 ? NaN : -i }));
    const array = [...jsonItemChunks(0, rows.length, (from, to) => rows.slice(from, to))];
    expect(array.length).toBeGreaterThan(3); // more than one block
    expect(`[${array.join('')}]`).toBe(JSON.stringify(rows));
    expect([...jsonItemChunks(0, 0, () => [])].join('')).toBe('');
    // A range starting inside the array continues it: the concatenation of two ranges is the whole.
    const split = [...jsonItemChunks(0, 4000, (from, to) => rows.slice(from, to)), ...jsonItemChunks(4000, rows.length, (from, to) => rows.slice(from, to))];
    expect(`[${split.join('')}]`).toBe(JSON.stringify(rows));
    const object = jsonObjectChunks({ a: 'x"y', b: null }, 'rows', ['[1,', '2]'], { c: { d: 1 } });
    expect(await collect(object)).toBe(JSON.stringify({ a: 'x"y', b: null, rows: [1, 2], c: { d: 1 } }));
    expect(await collect(jsonObjectChunks({}, 'k', ['0'], {}))).toBe('{"k":0}');
  });

  it('rtcw km on 30,000 rows prints the document the curve gives, key order as cli.md; the built CLI (worker thread) the same text', async () => {
    let seed = 5;
    const random = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    const lines = ['time,status,arm'];
    const time: number[] = [];
    const status: number[] = [];
    const arm: number[] = [];
    for (let i = 0; i < 30000; i++) {
      time.push(Math.round(random() * 1e6) / 1000);
      status.push(random() < 0.7 ? 1 : 0);
      arm.push(random() < 0.5 ? 2 : 1);
      lines.push(`${time[i]},${status[i]},${arm[i]}`);
    }
    const file = join(dir, 'many.csv');
    writeFileSync(file, lines.join('\n') + '\n');
    let stdout = '';
    let stderr = '';
    const code = await main(['km', `--data=${file}`, '--time=time', '--event=status', '--group=arm', '--at=100,500'], {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: (s: string) => (stderr += s) },
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const curves = kaplanMeierByGroup(Float64Array.from(time), Uint8Array.from(status), Int32Array.from(arm, (a) => a - 1), 2);
    const expected = {
      groups: curves.map((curve, g) => ({
        group: String(g + 1),
        n: curve.n,
        events: curve.events,
        table: survivalTable(curve),
        median: survivalQuantile(curve, 0.5),
        at: survivalAt(curve, [100, 500]),
      })),
    };
    expect(curves[0].time.length).toBeGreaterThan(4096);
    expect(stdout).toBe(JSON.stringify(expected) + '\n');

    // The bundled CLI formats the second half of each table in kmTableWorker (≥ 20,000 table rows).
    const outdir = mkdtempSync(join(tmpdir(), 'rtcw-streamed-build-'));
    try {
      execFileSync(process.execPath, ['electron/build.mjs'], { env: { ...process.env, RTCW_ELECTRON_OUTDIR: outdir }, stdio: 'pipe' });
      expect(existsSync(join(outdir, 'cli', 'kmTableWorker.mjs'))).toBe(true);
      const bundle = pathToFileURL(join(outdir, 'cli', 'rtcw.mjs')).href;
      const script = `const { main } = await import(${JSON.stringify(bundle)}); process.exitCode = await main(process.argv.slice(1));`;
      const args = ['km', `--data=${file}`, '--time=time', '--event=status', '--group=arm', '--at=100,500'];
      const built = execFileSync(process.execPath, ['--input-type=module', '-e', script, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
      expect(built).toBe(stdout);
      // The worker's pieces (~1 MB each) arrive in order: more than one piece for this table's half.
      expect(Buffer.byteLength(stdout) / 2).toBeGreaterThan(1 << 20);

      // A worker that fails (here: its file broken) leaves its rows to the main thread: same text.
      writeFileSync(join(outdir, 'cli', 'kmTableWorker.mjs'), "throw new Error('broken worker');\n");
      const fallback = execFileSync(process.execPath, ['--input-type=module', '-e', script, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
      expect(fallback).toBe(stdout);

      // stdout is written with blocking writes on fd 1 (standardOutput.ts): a reader that stops
      // early (`| head`) ends the output quietly — exit 0, nothing on stderr.
      const child = spawn(process.execPath, ['--input-type=module', '-e', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderrText = '';
      child.stderr.on('data', (d: Buffer) => (stderrText += d));
      const first = await new Promise<string>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(String(d))));
      child.stdout.destroy();
      const exitCode = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(first.startsWith('{"groups"')).toBe(true);
      expect(stderrText).toBe('');
      expect(exitCode).toBe(0);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }, 120_000);
});
