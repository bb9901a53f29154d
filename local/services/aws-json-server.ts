/**
 * The HTTP side of a local AWS twin that speaks the AWS JSON protocol: the SDK POSTs a JSON body
 * with the operation in `x-amz-target`, and reads a JSON answer or an error `{__type, message}`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningService } from './dynamodb-local.ts';

/** An error the twin answers as AWS would: its `__type` (the SDK's exception name) and status. */
export class AwsJsonError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/**
 * Serves `handle(operation target, parsed body)` on a free port of 127.0.0.1. What it returns is
 * the 200 answer; an `AwsJsonError` it throws is answered as that error, anything else as a 500.
 */
export async function startAwsJsonServer(handle: (target: string, body: unknown) => Promise<unknown> | unknown): Promise<RunningService> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const answer = (status: number, body: unknown) => {
        response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        response.end(JSON.stringify(body));
      };
      const run = async () => {
        let body: unknown;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
        } catch {
          throw new AwsJsonError('SerializationException', 'The request body is not JSON');
        }
        return handle(String(request.headers['x-amz-target'] ?? ''), body);
      };
      run().then(
        (result) => answer(200, result),
        (error: unknown) =>
          error instanceof AwsJsonError
            ? answer(error.status, { __type: error.type, message: error.message })
            : answer(500, { __type: 'InternalFailure', message: String(error) }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
