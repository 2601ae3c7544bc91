// `npm run test:electron` (test/electron/run.ts): the shared end-to-end scenarios against the real
// Electron app. Not part of `npm test`, which cannot download the Electron binary.
import { defineConfig } from 'vitest/config';
import PlainSummaryReporter from './test/plainSummaryReporter';

export default defineConfig({
  test: {
    include: ['test/electron/**/*.electron.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    fileParallelism: false,
    reporters: ['default', new PlainSummaryReporter()],
  },
});
