import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, inject, it } from 'vitest';

const shared = inject('platform');

/** What a developer's AWS CLI or boto3 would send with their own profile: any key, any region. */
const someoneElse = {
  region: 'eu-west-1',
  credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
};

describe('the local services seen by any AWS client', () => {
  const dynamodb = new DynamoDBClient({ ...someoneElse, endpoint: shared.endpoints.dynamodb });
  const sqs = new SQSClient({ ...someoneElse, endpoint: shared.endpoints.sqs });

  afterAll(() => {
    dynamodb.destroy();
    sqs.destroy();
  });

  it('shows the job table to other credentials and another region', async () => {
    // Act
    const { TableNames } = await dynamodb.send(new ListTablesCommand({}));

    // Assess
    expect(TableNames).toContain(shared.tableName);
  });

  it('lists queue URLs on the server’s own address, which resolve and answer', async () => {
    // Act
    const { QueueUrls = [] } = await sqs.send(new ListQueuesCommand({}));

    // Assess
    const listed = QueueUrls.filter((url) => url.endsWith(new URL(shared.queueUrl).pathname));
    expect(listed).toEqual([shared.queueUrl]);
    for (const url of QueueUrls) expect(new URL(url).host).toBe(new URL(shared.endpoints.sqs).host);
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: listed[0], AttributeNames: ['QueueArn'] }));
    expect(Attributes?.QueueArn).toMatch(/:jobs-itest-queue$/);
  });
});
