import { inject } from 'vitest';
import { describeMixedLoad } from './support/mixed-load.ts';

// The CI-sized run of the load proof; `npm run test:load` runs the same with 10,000 jobs.
describeMixedLoad({ count: 600, concurrency: 16, endpoints: inject('platform').endpoints, settleTimeoutMs: 120_000 });
