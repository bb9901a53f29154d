import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startApiGateway } from '../../local/api-gateway.ts';
import { startDynamoDbLocal } from '../../local/services/dynamodb-local.ts';
import { PrerequisiteError } from '../../local/services/prerequisite-error.ts';

describe('the local runtime', () => {
  let busy: Server | undefined;

  afterEach(async () => {
    vi.unstubAllEnvs();
    await new Promise<void>((resolve) => (busy === undefined ? resolve() : busy.close(() => resolve())));
    busy = undefined;
  });

  it('names Java and how to install it when java is not on the PATH', async () => {
    // Prepare
    vi.stubEnv('PATH', '/nonexistent');

    // Act
    const starting = startDynamoDbLocal(0);

    // Assess
    await expect(starting).rejects.toThrow(PrerequisiteError);
    await expect(starting).rejects.toThrow(/DynamoDB Local needs Java 17 or newer and 'java' is not on the PATH/);
  });

  it('names the port and the variable to change when the API port is taken', async () => {
    // Prepare
    busy = createServer();
    const port = await new Promise<number>((resolve) =>
      busy?.listen(0, '127.0.0.1', () => resolve((busy?.address() as { port: number }).port)),
    );

    // Act
    const starting = startApiGateway(port, async () => ({ statusCode: 200 }));

    // Assess
    await expect(starting).rejects.toThrow(
      `Port ${port} for the local API is already in use: stop what holds it or set PORT to another port`,
    );
  });
});
