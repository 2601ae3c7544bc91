// `npm run bench [-- name …]`: runs the benchmarks of this folder (all *.bench.ts, or those named,
// e.g. `survival`), one child process each so their memory figures stay separate, and prints one
// JSON document { name: that benchmark's JSON output }. Benchmarks are never part of `npm test`.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.slice(0, -'.bench.ts'.length))
  .sort();
const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !available.includes(name));
if (unknown.length > 0) {
  process.stderr.write(`unknown benchmark ${unknown.join(', ')}; available: ${available.join(', ')}\n`);
  process.exit(2);
}

const results: Record<string, unknown> = {};
let failed = false;
for (const name of wanted.length > 0 ? wanted : available) {
  process.stderr.write(`bench ${name} …\n`);
  // tsx is on PATH under npm run (node_modules/.bin), on the project's pinned Node.
  const child = spawnSync('tsx', [join(here, `${name}.bench.ts`)], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (child.status !== 0) {
    failed = true;
    results[name] = { error: `exit ${child.status ?? child.signal}` };
    continue;
  }
  try {
    results[name] = JSON.parse(child.stdout);
  } catch {
    results[name] = { output: child.stdout };
  }
}
process.stdout.write(JSON.stringify(results, null, 2) + '\n');
process.exitCode = failed ? 1 : 0;
