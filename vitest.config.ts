import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      // Synthesizing bundles each function with esbuild: allow a minute per hook.
      { test: { name: 'infra', include: ['test/infra/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 180_000 } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // One local platform (DynamoDB Local, fauxqs, the functions) serves every file.
          globalSetup: ['test/integration/support/global-setup.ts'],
          testTimeout: 90_000,
          hookTimeout: 120_000,
        },
      },
      // The full-size load proof (10,000 jobs, its own DynamoDB Local and fauxqs): `npm run
      // test:load`. `npm test` leaves it out; the integration project runs a smaller version.
      { test: { name: 'load', include: ['test/load/**/*.test.ts'], testTimeout: 900_000, hookTimeout: 900_000 } },
    ],
  },
});
