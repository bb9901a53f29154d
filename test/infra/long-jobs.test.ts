import { beforeAll, describe, expect, it } from 'vitest';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadEnvironment, validateEnvironment } from '../../lib/config/environments.ts';
import { synthesizeConfig, synthesizePlatform } from '../helpers/synth.ts';

/** The long-job template of an environment that has the companion stack. */
function longJobTemplate(environmentName: string): Template {
  const { longJobs } = synthesizePlatform(environmentName);
  if (longJobs === undefined) throw new Error(`${environmentName} has no long-job stack`);
  return longJobs.template;
}

/** The parsed state machine definition: DefinitionString is an Fn::Join of text and tokens. */
function stateMachineDefinition(template: Template): any {
  const [machine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine')) as any[];
  const parts: unknown[] = machine.Properties.DefinitionString['Fn::Join'][1];
  return JSON.parse(
    parts
      .map((part) => (typeof part === 'string' ? part : '"TOKEN"'))
      .join('')
      .replace(/""TOKEN""/g, '"TOKEN"'),
  );
}

/** Every statement of the IAM policies attached to roles whose logical id contains `roleHint`. */
function statementsOf(template: Template, roleHint: string): any[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy: any) => JSON.stringify(policy.Properties.Roles).includes(roleHint))
    .flatMap((policy: any) => policy.Properties.PolicyDocument.Statement);
}

describe('long-job stack presence', () => {
  it('is not deployed in dev, where longJobs is false', () => {
    // Act
    const { longJobs, template } = synthesizePlatform('dev');

    // Assess
    expect(longJobs).toBeUndefined();
    const [api] = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { FunctionName: 'jobs-dev-api' } })) as any[];
    expect(api.Properties.Environment.Variables.STATE_MACHINE_ARN).toBeUndefined();
  });

  it.each(['staging', 'prod'])('is deployed in %s as jobs-<env>-long-jobs', (environmentName) => {
    // Act
    const { longJobs } = synthesizePlatform(environmentName);

    // Assess
    expect(longJobs?.stack.stackName).toBe(`jobs-${environmentName}-long-jobs`);
  });
});

describe.each(['staging', 'prod'])('long-job stack in %s', (environmentName) => {
  beforeAll(() => synthesizePlatform(environmentName));

  it('runs the chunk task on arm64 Linux Fargate with the configured CPU and memory, as a non-root image', () => {
    // Prepare
    const settings = loadEnvironment(environmentName).longJobs;
    if (settings === false) throw new Error('no long-job settings');

    // Assess
    longJobTemplate(environmentName).hasResourceProperties('AWS::ECS::TaskDefinition', {
      RequiresCompatibilities: ['FARGATE'],
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
      Cpu: String(settings.taskCpu),
      Memory: String(settings.taskMemoryMb),
      ContainerDefinitions: [Match.objectLike({ ReadonlyRootFilesystem: true, StopTimeout: 30 })],
    });
  });

  it('bounds the chunk Map with the configured MaxConcurrency and retries the ECS .sync task', () => {
    // Prepare
    const settings = loadEnvironment(environmentName).longJobs;
    if (settings === false) throw new Error('no long-job settings');

    // Act
    const definition = stateMachineDefinition(longJobTemplate(environmentName));

    // Assess
    const map = definition.States.RunChunks;
    expect(map).toMatchObject({
      Type: 'Map',
      MaxConcurrency: settings.maxConcurrency,
      Catch: [{ ErrorEquals: ['States.ALL'], Next: 'MarkFailed' }],
    });
    const task = map.ItemProcessor.States.RunChunk;
    expect(task.Resource).toBe('arn:aws:states:::ecs:runTask.sync');
    expect(task.Retry[0]).toMatchObject({ ErrorEquals: expect.arrayContaining(['States.TaskFailed']), MaxAttempts: settings.chunkRetries });
    expect(task.Parameters.LaunchType).toBe('FARGATE');
  });

  it('encrypts the progress store at rest and in transit, with an AUTH token, in isolated subnets', () => {
    // Act
    const template = longJobTemplate(environmentName);

    // Assess
    template.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      AtRestEncryptionEnabled: true,
      TransitEncryptionEnabled: true,
      AuthToken: Match.anyValue(),
      Port: 6380,
    });
    const [group] = Object.values(template.findResources('AWS::ElastiCache::SubnetGroup')) as any[];
    const subnets = template.findResources('AWS::EC2::Subnet');
    for (const ref of group.Properties.SubnetIds) {
      const subnet = subnets[ref.Ref] as any;
      expect(JSON.stringify(subnet.Properties.Tags)).toContain('Isolated');
    }
  });

  it('keeps outputs in an encrypted, TLS-only, private bucket whose objects expire', () => {
    // Act
    const template = longJobTemplate(environmentName);

    // Assess
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Status: 'Enabled', ExpirationInDays: Match.anyValue() })]) },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });

  it('has no NAT gateway and gives tasks a public IP in public subnets, with S3 and DynamoDB gateway endpoints', () => {
    // Act
    const template = longJobTemplate(environmentName);

    // Assess
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 2);
    const task = stateMachineDefinition(template).States.RunChunks.ItemProcessor.States.RunChunk;
    expect(task.Parameters.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp).toBe('ENABLED');
  });

  it('lets the chunk tasks open only HTTPS and the cache port, and the cache accept only the tasks', () => {
    // Act
    const template = longJobTemplate(environmentName);

    // Assess
    const groups = Object.values(template.findResources('AWS::EC2::SecurityGroup')) as any[];
    for (const group of groups) expect(JSON.stringify(group.Properties.SecurityGroupIngress ?? [])).not.toContain('0.0.0.0/0');
    const egress = Object.values(template.findResources('AWS::EC2::SecurityGroupEgress')).map((rule: any) => rule.Properties.FromPort);
    const inlineEgress = groups
      .flatMap((group) => group.Properties.SecurityGroupEgress ?? [])
      .filter((rule: any) => rule.CidrIp === '0.0.0.0/0');
    expect(inlineEgress.map((rule: any) => rule.FromPort)).toEqual([443]);
    expect(egress).toEqual([6380]);
  });

  it('grants the chunk task role item access to the job table and PutObject under reports/ only', () => {
    // Act
    const statements = statementsOf(longJobTemplate(environmentName), 'TaskRole');

    // Assess
    const actions = statements.flatMap((statement) => [statement.Action].flat());
    expect(actions.sort()).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem', 's3:PutObject'].sort());
    const put = statements.find((statement) => statement.Action === 's3:PutObject');
    expect(JSON.stringify(put.Resource)).toContain('/reports/*');
  });

  it('lets the state machine run only its task definition on its cluster, pass only the task roles, and invoke only its steps function', () => {
    // Act
    const statements = statementsOf(longJobTemplate(environmentName), 'StateMachineRole');

    // Assess
    const runTask = statements.find((statement) => statement.Action === 'ecs:RunTask');
    expect(runTask.Condition.ArnEquals['ecs:cluster']).toBeDefined();
    expect(JSON.stringify(runTask.Resource)).toContain('TaskDefinition');
    const passRole = statements.find((statement) => statement.Action === 'iam:PassRole');
    expect(passRole.Resource).toHaveLength(2);
    expect(passRole.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } });
    const invoke = statements.find((statement) => statement.Action === 'lambda:InvokeFunction');
    expect([invoke.Resource].flat()).toHaveLength(1);
    expect(statements.flatMap((statement) => [statement.Action].flat())).not.toContain('ecs:*');
  });

  it('fails the job when its execution ends FAILED, TIMED_OUT or ABORTED: a rule on the state machine targets the execution-ended function', () => {
    // Act
    const template = longJobTemplate(environmentName);

    // Assess
    const rules = Object.values(template.findResources('AWS::Events::Rule')) as any[];
    const rule = rules.find((candidate) => candidate.Properties.EventPattern?.source?.[0] === 'aws.states');
    expect(rule.Properties.EventPattern).toEqual({
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'], stateMachineArn: [{ Ref: expect.stringMatching(/^StateMachine/) }] },
    });
    const [target] = rule.Properties.Targets;
    const [endedLogicalId] = Object.keys(
      template.findResources('AWS::Lambda::Function', { Properties: { FunctionName: `jobs-${environmentName}-long-job-execution-ended` } }),
    );
    expect(target.Arn).toEqual({ 'Fn::GetAtt': [endedLogicalId, 'Arn'] });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [endedLogicalId, 'Arn'] },
    });
    const actions = statementsOf(template, 'ExecutionEndedServiceRole').flatMap((statement) => [statement.Action].flat());
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:UpdateItem']));
    expect(actions).not.toContain('dynamodb:Scan');
  });

  it('gives the API STATE_MACHINE_ARN and states:StartExecution on that state machine only', () => {
    // Act
    const { template } = synthesizePlatform(environmentName);

    // Assess
    const [api] = Object.values(
      template.findResources('AWS::Lambda::Function', { Properties: { FunctionName: `jobs-${environmentName}-api` } }),
    ) as any[];
    expect(JSON.stringify(api.Properties.Environment.Variables.STATE_MACHINE_ARN)).toContain(
      `stateMachine:jobs-${environmentName}-long-jobs`,
    );
    const start = statementsOf(template, 'ApiFunctionServiceRole').find((statement) => statement.Action === 'states:StartExecution');
    expect(JSON.stringify(start.Resource)).toContain(`stateMachine:jobs-${environmentName}-long-jobs`);
  });

  it('logs every state machine event and traces with X-Ray as the environment says', () => {
    // Assess
    longJobTemplate(environmentName).hasResourceProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: Match.objectLike({ Level: 'ALL' }),
      TracingConfiguration: { Enabled: loadEnvironment(environmentName).tracing },
    });
  });

  it('passes the cdk-nag AwsSolutions checks', () => {
    // Act
    const { longJobs } = synthesizePlatform(environmentName);
    const report = new AwsSolutionsChecks().validateScope(longJobs!.stack);

    // Assess
    expect(report.violations.map((violation) => violation.ruleName)).toEqual([]);
  });
});

describe('long-job stack with NAT gateways configured', () => {
  const staging = loadEnvironment('staging');
  const settings = staging.longJobs;
  if (settings === false) throw new Error('staging has no long-job settings');
  const { longJobs } = synthesizeConfig(validateEnvironment({ ...staging, name: 'natted', longJobs: { ...settings, natGateways: 1 } }));

  it('puts the tasks in private subnets behind the NAT gateway, without a public IP', () => {
    // Assess
    longJobs!.template.resourceCountIs('AWS::EC2::NatGateway', 1);
    const task = stateMachineDefinition(longJobs!.template).States.RunChunks.ItemProcessor.States.RunChunk;
    expect(task.Parameters.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp).toBe('DISABLED');
  });
});
