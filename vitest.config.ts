import { defineConfig } from 'vitest/config';
import PlainSummaryReporter from './test/plainSummaryReporter';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    exclude: ['test/bench/**', 'node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    reporters: ['default', new PlainSummaryReporter()],
  },
});
