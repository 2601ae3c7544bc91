#!/usr/bin/env node
// The `rtcw` bin. Runs the CLI bundled by electron/build.mjs (dist/electron/cli/rtcw.mjs — built by
// `npm ci`/`npm install` through the prepare script and by `npm run build`), so nothing is compiled
// at start. A checkout without that build (or a developer changing the CLI: rebuild with
// `npm run build:electron`) falls back to the TypeScript source through tsx, a dev dependency.
// Start-up is measured against bare Node (test/bench/cliStartup.bench.ts, issue 15): no `node:fs`
// import here (its ESM facade loads the stream modules) — a missing build is seen by the import.

// V8's code cache on disk (Node ≥ 22.1; the compiled bundle, never data): later starts skip parsing.
const moduleApi = process.getBuiltinModule?.('node:module') ?? (await import('node:module')).default;
moduleApi.enableCompileCache?.();

const built = new URL('../../dist/electron/cli/rtcw.mjs', import.meta.url);
let main;
try {
  ({ main } = await import(built.href));
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || error.url !== built.href) throw error;
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('./main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
