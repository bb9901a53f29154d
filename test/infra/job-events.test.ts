import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ENVIRONMENT_NAMES, synthesizePlatform } from '../helpers/synth.ts';

interface PolicyStatement {
  readonly Action: string | string[];
  readonly Resource: unknown;
}

describe.each(ENVIRONMENT_NAMES)('job lifecycle events in %s', (environmentName) => {
  const template = () => Template.fromStack(synthesizePlatform(environmentName).stack);
  /** The statements of the events function's role, with the names of the resources they grant. */
  const eventsFunctionStatements = () =>
    Object.entries(template().findResources('AWS::IAM::Policy'))
      .filter(([logicalId]) => logicalId.startsWith('EventsFunction'))
      .flatMap(([, policy]) => (policy.Properties as { PolicyDocument: { Statement: PolicyStatement[] } }).PolicyDocument.Statement);
  const actionsOn = (resourceName: RegExp) =>
    [
      ...new Set(
        eventsFunctionStatements()
          .filter((statement) => resourceName.test(JSON.stringify(statement.Resource)))
          .flatMap((statement) => [statement.Action].flat()),
      ),
    ].sort();

  it('has one event bus, named for the environment', () => {
    template().resourceCountIs('AWS::Events::EventBus', 1);
    template().hasResourceProperties('AWS::Events::EventBus', { Name: `jobs-${environmentName}-events` });
  });

  it('lets the events function put events on that bus only, and no other function put any', () => {
    // Prepare
    const policies = template().findResources('AWS::IAM::Policy');
    const putEvents = Object.entries(policies).flatMap(([logicalId, policy]) =>
      ((policy.Properties as { PolicyDocument: { Statement: PolicyStatement[] } }).PolicyDocument.Statement ?? [])
        .filter((statement) => [statement.Action].flat().some((action) => action.startsWith('events:')))
        .map((statement) => ({ logicalId, statement })),
    );

    // Assess
    expect(putEvents).toHaveLength(1);
    expect(putEvents[0]?.logicalId).toMatch(/^EventsFunction/);
    expect(putEvents[0]?.statement.Action).toBe('events:PutEvents');
    expect(JSON.stringify(putEvents[0]?.statement.Resource)).toMatch(/EventsBus/);
  });

  it('releases waiting jobs with a query of their edges and conditional updates only: no put, delete or scan of the table', () => {
    // The table's own ARN (its stream's grants name the StreamArn).
    expect(actionsOn(/"JobTable[0-9A-F]{8}","Arn"/)).toEqual(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem']);
  });

  it('may send a released job to the job queues, and touch the dead-letter queue not at all', () => {
    // Every priority level's queue: a released job goes to the queue of its priority.
    expect(actionsOn(/"JobQueue(?!DeadLetter)[A-Za-z]*[0-9A-F]{8}"/)).toEqual([
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:SendMessage',
    ]);
    expect(actionsOn(/DeadLetterQueue/)).toEqual([]);
  });

  it('starts a released long job as the API does, only where the environment has long jobs', () => {
    const starts = eventsFunctionStatements().filter((statement) => [statement.Action].flat().includes('states:StartExecution'));
    const hasLongJobs = synthesizePlatform(environmentName).config.longJobs !== false;
    expect(starts).toHaveLength(hasLongJobs ? 1 : 0);
    if (hasLongJobs) expect(JSON.stringify(starts[0]?.Resource)).toContain(`stateMachine:jobs-${environmentName}-long-jobs`);
  });

  it('reads the table stream for job items that changed to an event status, halving a failing batch', () => {
    template().hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: expectRef(template(), `jobs-${environmentName}-job-events`) },
      BisectBatchOnFunctionError: true,
      FilterCriteria: {
        Filters: [
          {
            Pattern: JSON.stringify({
              eventName: ['MODIFY'],
              dynamodb: { NewImage: { status: { S: ['retrying', 'completed', 'failed', 'cancelled'] } } },
            }),
          },
        ],
      },
    });
  });
});

/** The logical id of the function named `functionName`. */
function expectRef(template: Template, functionName: string): string {
  const [logicalId] = Object.entries(template.findResources('AWS::Lambda::Function')).find(
    ([, resource]) => (resource.Properties as { FunctionName?: string }).FunctionName === functionName,
  ) ?? [''];
  expect(logicalId).not.toBe('');
  return logicalId;
}
