/**
 * Preloaded into the benchmark's function processes (`NODE_OPTIONS=--import …`): prints one
 * line `{"awsCall":{"target":"AmazonSQS.SendMessage","bytes":123}}` for every HTTP request the
 * process sends with an `x-amz-target` header — which is every call the AWS SDK v3 makes to
 * SQS and DynamoDB (both speak the AWS JSON protocol), retries included, as AWS would bill them.
 * It listens on Node's http diagnostics channel, so the handlers run unchanged.
 * Only erasable TypeScript: Node strips the types itself, as the file loads before tsx does.
 */
import { subscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';

subscribe('http.client.request.start', (message) => {
  const { request } = message as { request: ClientRequest };
  const target = request.getHeader('x-amz-target');
  if (target === undefined) return;
  const bytes = Number(request.getHeader('content-length') ?? 0);
  process.stdout.write(`${JSON.stringify({ awsCall: { target: String(target), bytes } })}\n`);
});
