import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['__tests__/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // Two cores: suites that start real servers and binaries run better a few at a time.
    maxWorkers: 2,
    reporters: ['default', './scripts/closing-line-reporter.js'],
  },
});
