/**
 * Child-process entry that plays one Lambda execution environment: it imports a handler
 * module once (its cold start) and runs the invocations the parent sends over IPC.
 */
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import './exit-with-parent.ts';
import type { HostReply, HostRequest } from './function-process.ts';

const modulePath = process.env.LOCAL_HANDLER_MODULE;
const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'local-function';
if (modulePath === undefined || process.send === undefined) {
  throw new Error('function-host runs as a child of FunctionProcess');
}

const send = (reply: HostReply) => process.send?.(reply);

try {
  const module = (await import(pathToFileURL(modulePath).href)) as { handler: (event: unknown, context: unknown) => Promise<unknown> };
  process.on('message', (request: HostRequest) => {
    const deadline = Date.now() + request.timeoutMs;
    const context = {
      functionName,
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:000000000000:function:${functionName}`,
      memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? '512',
      awsRequestId: request.requestId ?? randomUUID(),
      logGroupName: `/aws/lambda/${functionName}`,
      logStreamName: 'local',
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    };
    module.handler(request.event, context).then(
      (result) => send({ id: request.id, ok: true, result }),
      (error: unknown) =>
        send({ id: request.id, ok: false, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }),
    );
  });
  send({ ready: true });
} catch (error) {
  send({ ready: false, error: error instanceof Error ? error.message : String(error) });
  process.exitCode = 1;
}
