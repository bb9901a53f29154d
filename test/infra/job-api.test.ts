import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { API_ROUTES } from '../../functions/api/routes.ts';
import { ENVIRONMENT_NAMES, synthesizePlatform } from '../helpers/synth.ts';

describe('job API (dev)', () => {
  it('routes the twelve v1 endpoints, every one with AWS_IAM authorization', () => {
    const { template } = synthesizePlatform('dev');
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')) as any[];
    expect(routes.map((route) => route.Properties.RouteKey).sort()).toEqual(
      [
        'POST /jobs',
        'POST /jobs/batch',
        'GET /jobs',
        'GET /jobs/{jobId}',
        'POST /jobs/{jobId}/cancel',
        'POST /schedules',
        'GET /schedules',
        'GET /schedules/{name}',
        'PATCH /schedules/{name}',
        'DELETE /schedules/{name}',
        'GET /health',
        'GET /stats',
      ].sort(),
    );
    expect(routes).toHaveLength(API_ROUTES.length);
    for (const route of routes) expect(route.Properties.AuthorizationType).toBe('AWS_IAM');
  });

  it('writes JSON access logs with the request id and the caller', () => {
    const { template } = synthesizePlatform('dev');
    const [stage] = Object.values(template.findResources('AWS::ApiGatewayV2::Stage')) as any[];
    const format = JSON.parse(stage.Properties.AccessLogSettings.Format);
    expect(format).toMatchObject({ requestId: '$context.requestId', userArn: '$context.identity.userArn' });
    expect(stage.Properties.AccessLogSettings.DestinationArn).toBeDefined();
  });

  it('lets the API function send to the job queue but only read the depth of the dead-letter queue', () => {
    const { template } = synthesizePlatform('dev');
    const [policy] = Object.values(template.findResources('AWS::IAM::Policy')).filter((candidate: any) =>
      JSON.stringify(candidate.Properties.Roles).includes('ApiFunctionServiceRole'),
    ) as any[];
    const statements: any[] = policy.Properties.PolicyDocument.Statement;
    const onDeadLetterQueue = statements.filter((s) => JSON.stringify(s.Resource).includes('DeadLetterQueue'));
    expect(onDeadLetterQueue.flatMap((s) => [s.Action].flat())).toEqual(['sqs:GetQueueAttributes']);
    const actions = statements.flatMap((s) => [s.Action].flat());
    expect(actions).toContain('sqs:SendMessage');
    expect(actions).not.toContain('sqs:ReceiveMessage');
    expect(actions).not.toContain('dynamodb:Scan');
  });
});

describe.each(ENVIRONMENT_NAMES)('job API in %s', (environmentName) => {
  beforeAll(() => synthesizePlatform(environmentName));

  it('throttles the default stage with the configured rate and burst', () => {
    const { config, template } = synthesizePlatform(environmentName);
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      DefaultRouteSettings: {
        ThrottlingRateLimit: config.api.throttleRatePerSecond,
        ThrottlingBurstLimit: config.api.throttleBurst,
      },
    });
  });

  it('exports ApiUrl, QueueUrl, DeadLetterQueueUrl, TableName and Region under names carrying the environment', () => {
    const { template } = synthesizePlatform(environmentName);
    const outputs = template.toJSON().Outputs as Record<string, { Export: { Name: string } }>;
    for (const name of ['ApiUrl', 'QueueUrl', 'DeadLetterQueueUrl', 'TableName', 'Region']) {
      expect(outputs[name]?.Export.Name).toBe(`jobs-${environmentName}-${name}`);
    }
  });

  it('names the stack and tags every taggable resource with the environment', () => {
    const { stack, template } = synthesizePlatform(environmentName);
    expect(stack.stackName).toBe(`jobs-${environmentName}`);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Tags: Match.arrayWith([{ Key: 'environment', Value: environmentName }]),
    });
  });
});
