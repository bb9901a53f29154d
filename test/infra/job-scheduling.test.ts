import { describe, expect, it } from 'vitest';
import { resourceNames } from '../../lib/config/resource-names.ts';
import { ENVIRONMENT_NAMES, synthesizePlatform } from '../helpers/synth.ts';

type Resource = { Type: string; Properties: Record<string, any> };

function resources(environmentName: string): Record<string, Resource> {
  return synthesizePlatform(environmentName).template.toJSON().Resources as Record<string, Resource>;
}

/** The statements of every policy attached to the role with this logical id. */
function statementsOf(all: Record<string, Resource>, roleId: string): any[] {
  return Object.values(all)
    .filter((resource) => resource.Type === 'AWS::IAM::Policy')
    .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(`"${roleId}"`))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

const logicalIdOf = (all: Record<string, Resource>, type: string, match: (properties: Record<string, any>) => boolean) =>
  Object.entries(all).find(([, resource]) => resource.Type === type && match(resource.Properties))?.[0] ?? '(none)';

describe.each(ENVIRONMENT_NAMES)('EventBridge Scheduler in %s', (environmentName) => {
  const names = resourceNames(environmentName);

  it('has one schedule group of its own, named after the environment', () => {
    const groups = Object.values(resources(environmentName)).filter((resource) => resource.Type === 'AWS::Scheduler::ScheduleGroup');
    expect(groups.map((group) => group.Properties.Name)).toEqual([names.scheduleGroup]);
  });

  it("lets the scheduler role only send to the job queues (one per priority, one per concurrency-limited type) and the schedules' DLQ, and invoke the firing function", () => {
    const all = resources(environmentName);
    const role = logicalIdOf(all, 'AWS::IAM::Role', (properties) => properties.RoleName === names.schedulerRole);
    const queueNames = [...Object.values(names.priorityQueues), `${names.queue}-type-serial`];
    const queues = queueNames.map((name) => logicalIdOf(all, 'AWS::SQS::Queue', (properties) => properties.QueueName === name));
    const scheduleDlq = logicalIdOf(all, 'AWS::SQS::Queue', (properties) => properties.QueueName === names.scheduleDeadLetterQueue);
    const firing = logicalIdOf(all, 'AWS::Lambda::Function', (properties) => properties.FunctionName === names.scheduleFiringFunction);
    const granted = statementsOf(all, role).flatMap((statement) =>
      [statement.Action]
        .flat()
        .flatMap((action: string) => [statement.Resource].flat().map((resource) => `${action} ${JSON.stringify(resource)}`)),
    );
    expect(granted.sort()).toEqual(
      [
        ...queues.map((queue) => `sqs:SendMessage ${JSON.stringify({ 'Fn::GetAtt': [queue, 'Arn'] })}`),
        `sqs:SendMessage ${JSON.stringify({ 'Fn::GetAtt': [scheduleDlq, 'Arn'] })}`,
        `lambda:InvokeFunction ${JSON.stringify({ 'Fn::GetAtt': [firing, 'Arn'] })}`,
      ].sort(),
    );
  });

  it("trusts EventBridge Scheduler only for this account's schedule group", () => {
    const all = resources(environmentName);
    const role = all[logicalIdOf(all, 'AWS::IAM::Role', (properties) => properties.RoleName === names.schedulerRole)];
    const [trust] = role?.Properties.AssumeRolePolicyDocument.Statement ?? [];
    expect(trust.Principal).toEqual({ Service: 'scheduler.amazonaws.com' });
    expect(Object.keys(trust.Condition.StringEquals)).toEqual(['aws:SourceAccount']);
    expect(JSON.stringify(trust.Condition.ArnEquals['aws:SourceArn'])).toContain(`schedule-group/${names.scheduleGroup}`);
  });

  it("lets the API manage only the group's schedules and pass only the scheduler role", () => {
    const all = resources(environmentName);
    const api = all[logicalIdOf(all, 'AWS::Lambda::Function', (properties) => properties.FunctionName === names.apiFunction)];
    const statements = statementsOf(all, api?.Properties.Role['Fn::GetAtt'][0]);
    const scheduler = statements.find((statement) => [statement.Action].flat().includes('scheduler:CreateSchedule'));
    expect(JSON.stringify(scheduler.Resource)).toContain(`:schedule/${names.scheduleGroup}/*`);
    const passRole = statements.find((statement) => statement.Action === 'iam:PassRole');
    expect(passRole.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } });
    const role = logicalIdOf(all, 'AWS::IAM::Role', (properties) => properties.RoleName === names.schedulerRole);
    expect(passRole.Resource).toEqual({ 'Fn::GetAtt': [role, 'Arn'] });
  });
});
