import { startFauxqs } from 'fauxqs';
import type { RunningService } from './dynamodb-local.ts';
import { ensurePortFree } from './ports.ts';

/** Starts fauxqs (SQS and S3 in one in-process server) on `port` (a free one when 0). */
export async function startSqsLocal(port: number): Promise<RunningService> {
  if (port !== 0) await ensurePortFree(port, 'the SQS server (fauxqs)', 'SQS_PORT');
  const server = await startFauxqs({ port, logger: false });
  return { endpoint: `http://127.0.0.1:${server.port}`, stop: () => server.stop() };
}
