import { describeMixedLoad } from '../integration/support/mixed-load.ts';

// The full load proof of issue #6 on a platform with its own DynamoDB Local and fauxqs.
describeMixedLoad({ count: 10_000, concurrency: 32, settleTimeoutMs: 600_000 });
