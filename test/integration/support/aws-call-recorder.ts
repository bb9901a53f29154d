/**
 * Preloaded into local function processes (`NODE_OPTIONS=--import …`) during the integration
 * tests: appends one JSON line per AWS request to `AWS_CALL_RECORD_FILE` — who made it
 * (`AWS_LAMBDA_FUNCTION_NAME`, else `POWERTOOLS_SERVICE_NAME`), the `x-amz-target` or method and
 * path, and the request body — so `iam-policy-check.ts` can hold every call against the
 * synthesized IAM policy of its function. It listens on Node's http diagnostics channel, so the
 * handlers run unchanged (`http.client.request.created` fires before the body is written). Only erasable TypeScript: Node strips the types itself, as the file
 * loads before tsx does.
 */
import { subscribe } from 'node:diagnostics_channel';
import { appendFileSync } from 'node:fs';
import type { ClientRequest } from 'node:http';

const file = process.env.AWS_CALL_RECORD_FILE;
const caller = process.env.AWS_LAMBDA_FUNCTION_NAME ?? process.env.POWERTOOLS_SERVICE_NAME ?? 'unknown';
// The platform the process belongs to, by its table (`jobs-<env>-jobs`): chunk tasks carry no
// function name. The events function has no table variable: its bus (`jobs-<env>-events`) names
// it; the secret's rotation function has its secret (`jobs-<env>/webhook-signing`).
const table =
  process.env.TABLE_NAME ??
  process.env.EVENT_BUS_NAME?.replace(/-events$/, '-jobs') ??
  process.env.WEBHOOK_SECRET_ID?.replace(/\/webhook-signing$/, '-jobs');

/**
 * The request fields that name what a call acts on (tables, indexes, queues, state machines), so
 * a record stays small however large the item or message: JSON-protocol bodies only.
 */
function resourceFields(text: string): Record<string, unknown> {
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return {};
  }
  const kept: Record<string, unknown> = {};
  for (const name of [
    'TableName',
    'IndexName',
    'QueueUrl',
    'QueueName',
    'QueueOwnerAWSAccountId',
    'stateMachineArn',
    'executionArn',
    'GroupName',
    'SecretId',
  ]) {
    if (body[name] !== undefined) kept[name] = body[name];
  }
  if (typeof body.RequestItems === 'object' && body.RequestItems !== null) {
    kept.RequestItems = Object.fromEntries(Object.keys(body.RequestItems).map((table) => [table, {}]));
  }
  if (Array.isArray(body.Entries)) {
    // PutEvents: each entry names its bus.
    kept.Entries = (body.Entries as { EventBusName?: string }[]).map((entry) => ({ EventBusName: entry.EventBusName }));
  }
  const target = body.Target as { RoleArn?: string } | undefined;
  // CreateSchedule and UpdateSchedule pass the schedule's role (iam:PassRole).
  if (typeof target?.RoleArn === 'string') kept.Target = { RoleArn: target.RoleArn };
  if (Array.isArray(body.TransactItems)) {
    kept.TransactItems = (body.TransactItems as Record<string, { TableName?: string }>[]).map((item) =>
      Object.fromEntries(Object.entries(item).map(([kind, request]) => [kind, { TableName: request.TableName }])),
    );
  }
  return kept;
}

if (file !== undefined && file !== '') {
  subscribe('http.client.request.created', (message) => {
    const { request } = message as { request: ClientRequest };
    const authorization = String(request.getHeader('authorization') ?? '');
    // Only SigV4-signed requests are AWS calls: `Credential=<key>/<date>/<region>/<service>/aws4_request`.
    const service = /Credential=[^/]+\/\d+\/[^/]+\/([^/]+)\/aws4_request/.exec(authorization)?.[1];
    if (service === undefined) return;
    const target = request.getHeader('x-amz-target');
    const chunks: Buffer[] = [];
    const end = request.end.bind(request);
    request.end = ((chunk?: unknown, ...rest: unknown[]) => {
      if (typeof chunk === 'string' || chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk));
      const record = {
        caller,
        table,
        service,
        target: target === undefined ? undefined : String(target),
        method: request.method,
        host: request.host,
        path: request.path,
        body: JSON.stringify(resourceFields(Buffer.concat(chunks).toString('utf8'))),
      };
      appendFileSync(file, `${JSON.stringify(record)}\n`);
      return end(chunk as never, ...(rest as never[]));
    }) as typeof request.end;
  });
}
