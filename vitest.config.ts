import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], sequence: { groupOrder: 0 } } },
      // Every infra file reads the same few synthesized environments: one module graph for
      // all of them (isolate: false) lets test/helpers/synth.ts synthesize each only once.
      {
        test: {
          name: 'infra',
          include: ['test/infra/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 180_000,
          isolate: false,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // One local platform (DynamoDB Local, fauxqs, the functions) serves every file.
          globalSetup: ['test/integration/support/global-setup.ts'],
          testTimeout: 90_000,
          hookTimeout: 120_000,
          // One file at a time: the fault drills cut workers off by their 5 s timeout, and a
          // second file's load on the same cores would make healthy attempts time out too.
          maxWorkers: 1,
          // The files run one after another anyway: one module graph for all of them spares each
          // file the seconds of loading the platform's modules again.
          isolate: false,
          sequence: { groupOrder: 2 },
        },
      },
      // The full-size load proof (10,000 jobs, its own DynamoDB Local and fauxqs): `npm run
      // test:load`. `npm test` leaves it out; the integration project runs a smaller version.
      {
        test: {
          name: 'load',
          include: ['test/load/**/*.test.ts'],
          testTimeout: 900_000,
          hookTimeout: 900_000,
          sequence: { groupOrder: 3 },
        },
      },
    ],
  },
});
