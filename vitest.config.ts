import { defineConfig } from 'vitest/config';

// One runner for the whole project. Tests that need ../shared/data skip with a visible reason
// when it is absent (see tests/helpers/shared.ts).
export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // tfjs keeps one global engine per process: isolate files in forks, two at a time (2 cores).
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
