import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    // The end-to-end workflows run on a compressed clock: on a 2-core machine shared with the rest of the
    // suite one took over 30 s once (1 s alone), so the limits leave room for a starved run.
    testTimeout: 90_000,
    hookTimeout: 90_000,
  },
});
