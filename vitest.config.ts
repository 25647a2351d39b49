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
    // Stage trainers default to one worker thread per core; tests train in their own thread unless a
    // test asks for workers (tests/train/parallel.test.ts), so two test files do not oversubscribe.
    env: { SPINELAB_WORKERS: '1' },
    reporters: ['default'],
  },
});
