import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Model and decode tests are CPU heavy; two cores here.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    // expect.poll waits for a state the app reaches through IPC and SQLite; beside a second worker
    // decoding or training, 1 s (vitest's default) is too short. A state never reached still fails.
    expect: { poll: { timeout: 15_000 } },
    reporters: ['default'],
  },
});
