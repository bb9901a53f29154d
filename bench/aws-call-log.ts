/**
 * Preloaded into the benchmark's function processes (`NODE_OPTIONS=--import …`): prints one
 * line `{"awsCall":{"target":"AmazonSQS.SendMessage","bytes":123}}` for every HTTP request the
 * process sends with an `x-amz-target` header — which is every call the AWS SDK v3 makes to
 * SQS and DynamoDB (both speak the AWS JSON protocol), retries included, as AWS would bill them.
 * A DynamoDB write refused by its condition never reaches the table's stream but is billed
 * (1 WRU): for each, it prints `{"awsConditionFailed":{"target":"DynamoDB_20120810.UpdateItem"}}`.
 * It listens on Node's http diagnostics channel, so the handlers run unchanged.
 * Only erasable TypeScript: Node strips the types itself, as the file loads before tsx does.
 */
import { subscribe } from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage } from 'node:http';

const CONDITION_FAILED = 'ConditionalCheckFailedException';

subscribe('http.client.request.start', (message) => {
  const { request } = message as { request: ClientRequest };
  const target = request.getHeader('x-amz-target');
  if (target === undefined) return;
  const bytes = Number(request.getHeader('content-length') ?? 0);
  process.stdout.write(`${JSON.stringify({ awsCall: { target: String(target), bytes } })}\n`);
});

subscribe('http.client.response.finish', (message) => {
  const { request, response } = message as { request: ClientRequest; response: IncomingMessage };
  const target = request.getHeader('x-amz-target');
  if (target === undefined || !String(target).startsWith('DynamoDB') || response.statusCode !== 400) return;
  const report = () => process.stdout.write(`${JSON.stringify({ awsConditionFailed: { target: String(target) } })}\n`);
  if (String(response.headers['x-amzn-errortype'] ?? '').startsWith(CONDITION_FAILED)) {
    report();
    return;
  }
  // No error-type header: read the body's `__type` as the SDK's own reader receives it, without
  // adding a reader of our own (which would change how the stream flows).
  const chunks: Buffer[] = [];
  const emit = response.emit.bind(response);
  response.emit = ((event: string | symbol, ...args: unknown[]) => {
    if (event === 'data') chunks.push(Buffer.from(args[0] as Buffer));
    if (event === 'end' && Buffer.concat(chunks).toString('utf8').includes(CONDITION_FAILED)) report();
    return emit(event, ...args);
  }) as typeof response.emit;
});
