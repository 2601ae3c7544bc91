import os from 'node:os';
import path from 'node:path';
import { defineConfig } from 'vitest/config';
import PlainSummaryReporter from './test/plainSummaryReporter';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    exclude: ['test/bench/**', 'node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // Study keys of CLI runs without --key go to $RTCW_USER_DATA/study-keys (identity/studyKey.ts):
    // a folder of this test run, never the tester's own user-data folder.
    env: { RTCW_USER_DATA: path.join(os.tmpdir(), `rtcw-test-user-data-${process.pid}`) },
    reporters: ['default', new PlainSummaryReporter()],
  },
});
