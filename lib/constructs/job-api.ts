import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AccessLogField, AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { parseRouteKey } from '../../functions/api/routes.ts';
import type { EnvironmentConfig } from '../config/environments.ts';
import type { FunctionDeclaration } from '../config/function-declarations.ts';
import { bindJobPlatform, type JobPlatformResources } from './job-function-environment.ts';
import { acknowledgeControlTowerRule } from './control-tower-rules.ts';
import { JobFunction } from './job-function.ts';
import type { JobSchedulingConstruct } from './job-scheduling.ts';

export interface JobApiConstructProps {
  /** Name of the HTTP API; carries the environment (`jobs-dev-api`). */
  readonly apiName: string;
  /** The API function (HTTP API payload v2 events) and its routes, from `functionDeclarations`. */
  readonly declaration: FunctionDeclaration;
  /** Memory, throttling, log retention and tracing of this environment. */
  readonly environmentConfig: EnvironmentConfig;
  /** The table, queue and dead-letter queue the API reads and writes. */
  readonly resources: JobPlatformResources;
  /** One-time schedules of far-off jobs and the callers' recurring schedules. */
  readonly scheduling: JobSchedulingConstruct;
}

/**
 * The HTTP API: the declaration's routes to one function, IAM (SigV4) authorization on every route,
 * stage throttling from the environment config and JSON access logs.
 * The function may read and write the table, send to the job queue and read the depth of both queues.
 */
export class JobApiConstruct extends Construct {
  readonly httpApi: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  readonly function: JobFunction;
  readonly accessLogGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: JobApiConstructProps) {
    super(scope, id);
    const config = props.environmentConfig;

    this.function = new JobFunction(this, 'Function', { declaration: props.declaration, environmentConfig: config });
    bindJobPlatform(
      this.function,
      props.resources,
      // `inspect`: `/stats` and `/health` read the DLQ depth, nothing more.
      { table: 'RW', queue: 'send', deadLetterQueue: 'inspect' },
      config,
    );
    props.scheduling.bindScheduler(this.function);

    this.httpApi = new apigw.HttpApi(this, 'HttpApi', {
      apiName: props.apiName,
      description: `Job platform API v1 (${config.name})`,
      // Callers sign requests with SigV4; the caller's IAM identity is the job owner.
      defaultAuthorizer: new HttpIamAuthorizer(),
      createDefaultStage: false,
    });

    const integration = new HttpLambdaIntegration('ApiIntegration', this.function);
    for (const routeKey of props.declaration.routes) {
      const { method, path } = parseRouteKey(routeKey);
      this.httpApi.addRoutes({ path, methods: [method as apigw.HttpMethod], integration });
    }
    // API Gateway may invoke the function for this account's API only: the source account next
    // to the source ARN closes the confused-deputy gap (AWS Control Tower CT.LAMBDA.PR.2).
    for (const permission of this.httpApi.node.findAll()) {
      if (permission instanceof lambda.CfnPermission) permission.sourceAccount = Stack.of(this).account;
    }
    acknowledgeControlTowerRule(
      this.httpApi,
      'lambda_function_public_access_prohibited_check',
      'Each permission names this API as SourceArn and the account as SourceAccount; the rule accepts only literal strings, and both are CloudFormation references until the environment pins its account.',
    );

    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', {
      logGroupName: `/aws/apigateway/${props.apiName}/access`,
      retention: config.logRetentionDays as logs.RetentionDays,
      removalPolicy: config.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    this.stage = new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: config.api.throttleRatePerSecond, burstLimit: config.api.throttleBurst },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(this.accessLogGroup),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: AccessLogField.contextRequestId(),
            requestTime: AccessLogField.contextRequestTime(),
            routeKey: AccessLogField.contextRouteKey(),
            status: AccessLogField.contextStatus(),
            caller: AccessLogField.contextIdentityCaller(),
            userArn: AccessLogField.contextIdentityUserArn(),
            sourceIp: AccessLogField.contextIdentitySourceIp(),
            responseLength: AccessLogField.contextResponseLength(),
            responseLatency: AccessLogField.contextResponseLatency(),
            integrationLatency: AccessLogField.contextIntegrationLatency(),
            integrationError: AccessLogField.contextIntegrationErrorMessage(),
          }),
        ),
      },
    });
  }

  /** The URL clients call, for example `https://abc123.execute-api.eu-west-1.amazonaws.com/`. */
  get url(): string {
    return this.stage.url;
  }
}
