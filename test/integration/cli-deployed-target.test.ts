import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { CliError } from '../../local/cli/cli-error.ts';
import { JobsApi } from '../../local/cli/jobs-api.ts';
import { resolveTarget } from '../../local/cli/target.ts';

/**
 * The CLI against a deployed stack, with the two parts no local server plays: CloudFormation
 * (mocked: the stack's outputs) and API Gateway's IAM authorizer (a local server that records
 * what the CLI signs).
 */
describe('the jobs CLI against a deployed stack', () => {
  const cloudFormation = mockClient(CloudFormationClient);
  let server: Server;
  let apiUrl: string;
  const received: { method?: string; url?: string; headers: IncomingHttpHeaders }[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      received.push({ method: request.method, url: request.url, headers: request.headers });
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ items: [], nextCursor: null }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });

  afterAll(async () => {
    vi.unstubAllEnvs();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  beforeEach(() => {
    cloudFormation.reset();
    received.length = 0;
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDEXAMPLE');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY');
    vi.stubEnv('AWS_REGION', 'eu-west-1');
  });

  const outputs = (values: Record<string, string>) => ({
    Stacks: [
      {
        StackName: 'jobs-dev',
        CreationTime: new Date(),
        StackStatus: 'CREATE_COMPLETE' as const,
        Outputs: Object.entries(values).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
      },
    ],
  });

  it('finds the API, queues and table from the outputs of stack jobs-<env>, and signs requests with SigV4', async () => {
    // Prepare
    cloudFormation.on(DescribeStacksCommand, { StackName: 'jobs-dev' }).resolves(
      outputs({
        ApiUrl: apiUrl,
        QueueUrl: 'https://sqs/q',
        HighPriorityQueueUrl: 'https://sqs/q-high',
        LowPriorityQueueUrl: 'https://sqs/q-low',
        DeadLetterQueueUrl: 'https://sqs/dlq',
        TableName: 'jobs-dev-jobs',
        Region: 'eu-west-1',
      }),
    );

    // Act
    const target = await resolveTarget({ env: 'dev' });
    await new JobsApi(target).list({ status: 'failed', limit: 5 });

    // Assess
    expect(target).toMatchObject({
      tableName: 'jobs-dev-jobs',
      queueUrls: { high: 'https://sqs/q-high', normal: 'https://sqs/q', low: 'https://sqs/q-low' },
      deadLetterQueueUrl: 'https://sqs/dlq',
      region: 'eu-west-1',
      signRequests: true,
    });
    expect(received).toHaveLength(1);
    expect(received[0]?.url).toBe('/jobs?status=failed&limit=5');
    expect(received[0]?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=.*host.*, Signature=[0-9a-f]{64}$/,
    );
    expect(received[0]?.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
    expect(received[0]?.headers['x-caller-id']).toBeUndefined();
  });

  it('names the missing output and how to deploy when the stack lacks one', async () => {
    // Prepare
    cloudFormation
      .on(DescribeStacksCommand)
      .resolves(outputs({ ApiUrl: apiUrl, Region: 'eu-west-1', TableName: 'jobs-dev-jobs', DeadLetterQueueUrl: 'https://sqs/dlq' }));

    // Act
    const resolving = resolveTarget({ env: 'dev' });

    // Assess
    await expect(resolving).rejects.toThrow(CliError);
    await expect(resolving).rejects.toThrow("Stack jobs-dev has no output QueueUrl; deploy it with 'npx cdk deploy -c env=dev'");
  });

  it('says which stack it could not read when CloudFormation refuses', async () => {
    // Prepare
    cloudFormation.on(DescribeStacksCommand).rejects(new Error('Stack with id jobs-qa does not exist'));

    // Act
    const resolving = resolveTarget({ env: 'qa' });

    // Assess
    await expect(resolving).rejects.toMatchObject({
      exitCode: 5,
      message: 'Cannot read stack jobs-qa: Stack with id jobs-qa does not exist',
    });
  });
});
