import { fileURLToPath } from 'node:url';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadEnvironment } from '../../lib/config/environments.ts';
import { resourceNames } from '../../lib/config/resource-names.ts';
import { JobQueueConstruct } from '../../lib/constructs/job-queue.ts';
import { JobReconcilerConstruct } from '../../lib/constructs/job-reconciler.ts';
import { JobSchedulingConstruct } from '../../lib/constructs/job-scheduling.ts';
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
    const entry = fileURLToPath(new URL('./fixtures/scheduled-handler.ts', import.meta.url));
    const resources = { table, queues, typeQueues, deadLetterQueue };
    const scheduling = new JobSchedulingConstruct(stack, 'Scheduling', {
      groupName: 'jobs-test',
      deadLetterQueueName: 'jobs-test-schedule-dlq',
      roleName: 'jobs-test-scheduler',
      firingDeclaration: functionDeclarationFactory({ functionName: 'jobs-test-schedule-firing', entry }),
      environmentConfig: config,
      resources,
    });
    new JobReconcilerConstruct(stack, 'Reconciler', {
      declaration: functionDeclarationFactory({ functionName: 'jobs-test-reconciler', entry }),
      environmentConfig: config,
      resources,
      scheduling,
    });
    template = Template.fromStack(stack);
  });

  it('runs every minute on an EventBridge schedule', () => {
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 minute)', State: 'ENABLED' });
  });

  const reconcilerStatements = () =>
    Object.entries(template.findResources('AWS::IAM::Policy'))
      .filter(([id]) => id.startsWith('Reconciler'))
      .flatMap(([, policy]: [string, any]) => policy.Properties.PolicyDocument.Statement);
  const actionsOn = (statements: any[], resource: string) =>
    statements
      .filter((statement) => JSON.stringify(statement.Resource).includes(resource))
      .flatMap((statement) => [statement.Action].flat());

  it('may receive and hide job dead letters but never delete them, and read and write the table', () => {
    const statements = reconcilerStatements();
    expect(actionsOn(statements, 'JobQueueDeadLetterQueue').sort()).toEqual([
      'sqs:ChangeMessageVisibility',
      'sqs:GetQueueAttributes',
      'sqs:ReceiveMessage',
    ]);
    const actions = statements.flatMap((statement) => [statement.Action].flat());
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:UpdateItem']));
  });

  it("reads and deletes the schedules' dead letters, and sends only to the job queues (a due job's message)", () => {
    const statements = reconcilerStatements();
    expect(actionsOn(statements, 'SchedulingDeadLetterQueue')).toEqual(expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage']));
    const sends = statements.filter((statement) => [statement.Action].flat().includes('sqs:SendMessage'));
    const targets = sends.map((statement) => JSON.stringify(statement.Resource));
    expect(targets.length).toBeGreaterThan(0);
    for (const target of targets) expect(target).toMatch(/"JobQueue(Queue(high|low))?[0-9A-F]{8}"/);
  });
});

describe('reconciler in the platform stack (dev)', () => {
  it('is deployed with the platform', () => {
    const { template } = synthesizePlatform('dev');
    const names = Object.values(template.findResources('AWS::Lambda::Function')).map((fn: any) => fn.Properties.FunctionName);
    expect(names).toContain('jobs-dev-reconciler');
  });
});
