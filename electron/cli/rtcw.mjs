#!/usr/bin/env node
// The `rtcw` bin. Runs the CLI bundled by electron/build.mjs (dist/electron/cli/rtcw.mjs — built by
// `npm ci`/`npm install` through the prepare script and by `npm run build`), so nothing is compiled
// at start. A checkout without that build (or a developer changing the CLI: rebuild with
// `npm run build:electron`) falls back to the TypeScript source through tsx, a dev dependency.
import { existsSync } from 'node:fs';
import module from 'node:module';

// V8's code cache on disk (Node ≥ 22.1; the compiled bundle, never data): later starts skip parsing.
module.enableCompileCache?.();

const built = new URL('../../dist/electron/cli/rtcw.mjs', import.meta.url);
let main;
if (existsSync(built)) {
  ({ main } = await import(built.href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('./main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
