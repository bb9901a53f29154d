import { fileURLToPath } from 'node:url';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadEnvironment } from '../../lib/config/environments.ts';
import { resourceNames } from '../../lib/config/resource-names.ts';
import { JobQueueConstruct } from '../../lib/constructs/job-queue.ts';
import { JobReconcilerConstruct } from '../../lib/constructs/job-reconciler.ts';
import { JobTableConstruct } from '../../lib/constructs/job-table.ts';
import { functionDeclarationFactory } from '../helpers/function-declaration-factory.ts';
import { SKIP_BUNDLING_CONTEXT, synthesizePlatform } from '../helpers/synth.ts';

describe('JobReconcilerConstruct', () => {
  let template: Template;

  beforeAll(() => {
    // A stand-in entry: the construct is tested whether or not the real handler exists yet.
    const stack = new Stack(new App({ context: { ...SKIP_BUNDLING_CONTEXT } }), 'ReconcilerTest');
    const config = loadEnvironment('dev');
    const { table } = new JobTableConstruct(stack, 'JobTable', { tableName: 'jobs-test-jobs', removalPolicy: 'destroy' });
    const { queues, typeQueues, deadLetterQueue } = new JobQueueConstruct(stack, 'JobQueue', {
      queueNames: resourceNames('test').priorityQueues,
      deadLetterQueueName: 'jobs-test-dlq',
      worker: config.worker,
    });
    new JobReconcilerConstruct(stack, 'Reconciler', {
      declaration: functionDeclarationFactory({
        functionName: 'jobs-test-reconciler',
        entry: fileURLToPath(new URL('./fixtures/scheduled-handler.ts', import.meta.url)),
      }),
      environmentConfig: config,
      resources: { table, queues, typeQueues, deadLetterQueue },
    });
    template = Template.fromStack(stack);
  });

  it('runs every minute on an EventBridge schedule', () => {
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 minute)', State: 'ENABLED' });
  });

  it('may receive and hide dead letters but never delete them, and read and write the table', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (policy: any) => policy.Properties.PolicyDocument.Statement,
    );
    const deadLetterActions = statements
      .filter((statement) => JSON.stringify(statement.Resource).includes('DeadLetterQueue'))
      .flatMap((statement) => [statement.Action].flat());
    expect(deadLetterActions.sort()).toEqual(['sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage']);
    const actions = statements.flatMap((statement) => [statement.Action].flat());
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:UpdateItem']));
    expect(actions).not.toContain('sqs:SendMessage');
  });
});

describe('reconciler in the platform stack (dev)', () => {
  it('is deployed with the platform', () => {
    const { template } = synthesizePlatform('dev');
    const names = Object.values(template.findResources('AWS::Lambda::Function')).map((fn: any) => fn.Properties.FunctionName);
    expect(names).toContain('jobs-dev-reconciler');
  });
});
