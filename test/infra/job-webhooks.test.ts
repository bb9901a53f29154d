import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { resourceNames } from '../../lib/config/resource-names.ts';
import { ENVIRONMENT_NAMES, synthesizePlatform } from '../helpers/synth.ts';

interface PolicyStatement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
}

describe.each(ENVIRONMENT_NAMES)('signed webhooks in %s', (environmentName) => {
  const names = resourceNames(environmentName);
  const template = () => Template.fromStack(synthesizePlatform(environmentName).stack);
  const logicalIdOf = (type: string, properties: Record<string, unknown>) => {
    const [id] = Object.keys(template().findResources(type, { Properties: properties }));
    if (id === undefined) throw new Error(`no ${type} with ${JSON.stringify(properties)}`);
    return id;
  };
  /** Every statement of every policy, with the policy's logical id (the role it belongs to). */
  const statements = () =>
    Object.entries(template().findResources('AWS::IAM::Policy')).flatMap(([policyId, policy]) =>
      ((policy.Properties as { PolicyDocument: { Statement: PolicyStatement[] } }).PolicyDocument.Statement ?? []).map((statement) => ({
        policyId,
        actions: [statement.Action].flat(),
        resource: JSON.stringify(statement.Resource),
      })),
    );

  it('sends every terminal event of a job with a callbackUrl, and nothing else, from the bus to the deliveries queue', () => {
    const queueId = logicalIdOf('AWS::SQS::Queue', { QueueName: names.webhookQueue });
    const dlqId = logicalIdOf('AWS::SQS::Queue', { QueueName: names.webhookDeadLetterQueue });
    template().hasResourceProperties('AWS::Events::Rule', {
      Name: names.webhookRule,
      EventBusName: { Ref: Match.stringLikeRegexp('^EventsBus') },
      EventPattern: {
        source: ['job-platform'],
        'detail-type': ['Job Completed', 'Job Failed', 'Job Cancelled'],
        detail: { callbackUrl: [{ exists: true }] },
      },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [queueId, 'Arn'] }, DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlqId, 'Arn'] } } })],
    });
  });

  it('keeps deliveries four days behind a DLQ that only their queue redrives into, encrypted and over TLS', () => {
    const dlqId = logicalIdOf('AWS::SQS::Queue', { QueueName: names.webhookDeadLetterQueue });
    template().hasResourceProperties('AWS::SQS::Queue', {
      QueueName: names.webhookQueue,
      MessageRetentionPeriod: 4 * 24 * 3600,
      VisibilityTimeout: 180,
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] }, maxReceiveCount: 100 },
    });
    template().hasResourceProperties('AWS::SQS::Queue', {
      QueueName: names.webhookDeadLetterQueue,
      MessageRetentionPeriod: 14 * 24 * 3600,
      RedriveAllowPolicy: { redrivePermission: 'byQueue', sourceQueueArns: [Match.objectLike({})] },
    });
  });

  it('feeds the deliverer ten at a time with the configured concurrency, reporting failed tries one by one', () => {
    const { config } = synthesizePlatform(environmentName);
    template().hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [logicalIdOf('AWS::SQS::Queue', { QueueName: names.webhookQueue }), 'Arn'] },
      FunctionName: { Ref: Match.stringLikeRegexp('^WebhooksDeliveryFunction') },
      BatchSize: 10,
      ScalingConfig: { MaximumConcurrency: config.webhooks.maxConcurrency },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    template().hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: names.webhookFunction,
      Architectures: ['arm64'],
      Environment: {
        Variables: Match.objectLike({
          WEBHOOK_RETRY_BASE_SECONDS: String(config.webhooks.retry.baseSeconds),
          WEBHOOK_RETRY_CAP_SECONDS: String(config.webhooks.retry.capSeconds),
        }),
      },
    });
  });

  it('keeps the signing secret in Secrets Manager and rotates it with its own function on the configured schedule', () => {
    const { config } = synthesizePlatform(environmentName);
    const secretId = logicalIdOf('AWS::SecretsManager::Secret', { Name: names.webhookSecret });
    template().hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      SecretId: { Ref: secretId },
      RotationLambdaARN: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WebhooksRotationFunction'), 'Arn'] },
      RotationRules: { ScheduleExpression: `rate(${config.webhooks.secretRotationDays} days)` },
    });
    // Only Secrets Manager may invoke the rotation function, and only for this secret.
    template().hasResourceProperties('AWS::Lambda::Permission', {
      FunctionName: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WebhooksRotationFunction'), 'Arn'] },
      Principal: 'secretsmanager.amazonaws.com',
      SourceArn: { Ref: secretId },
    });
  });

  it('grants the secret to the deliverer (read) and the rotation function (its four calls) only, on that secret', () => {
    const secretId = logicalIdOf('AWS::SecretsManager::Secret', { Name: names.webhookSecret });
    const secretGrants = statements().filter((statement) => statement.actions.some((action) => action.startsWith('secretsmanager:')));
    expect(secretGrants.every((statement) => statement.resource === JSON.stringify({ Ref: secretId }))).toBe(true);
    const byRole = (prefix: string) =>
      secretGrants
        .filter((statement) => statement.policyId.startsWith(prefix))
        .flatMap((statement) => statement.actions)
        .sort();
    expect(byRole('WebhooksDeliveryFunction')).toEqual(['secretsmanager:GetSecretValue']);
    expect(byRole('WebhooksRotationFunction')).toEqual([
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
      'secretsmanager:PutSecretValue',
      'secretsmanager:UpdateSecretVersionStage',
    ]);
    expect(secretGrants.filter((statement) => !/^Webhooks(Delivery|Rotation)Function/.test(statement.policyId))).toEqual([]);
  });

  it('lets the deliverer count tries on jobs with an update, and send to its DLQ, nothing more on the table or the job queues', () => {
    const tableId = logicalIdOf('AWS::DynamoDB::Table', { TableName: names.table });
    const delivererGrants = statements().filter((statement) => statement.policyId.startsWith('WebhooksDeliveryFunction'));
    const onTable = delivererGrants.filter((statement) => statement.resource.includes(tableId)).flatMap((statement) => statement.actions);
    expect([...new Set(onTable)].sort()).toEqual(['dynamodb:UpdateItem']);
    const jobQueueIds = [names.queue, names.deadLetterQueue].map((queueName) => logicalIdOf('AWS::SQS::Queue', { QueueName: queueName }));
    expect(delivererGrants.filter((statement) => jobQueueIds.some((id) => statement.resource.includes(`"${id}"`)))).toEqual([]);
    const dlqId = logicalIdOf('AWS::SQS::Queue', { QueueName: names.webhookDeadLetterQueue });
    expect(delivererGrants.some((statement) => statement.resource.includes(dlqId) && statement.actions.includes('sqs:SendMessage'))).toBe(
      true,
    );
  });
});
