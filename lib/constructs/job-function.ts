import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { metricsNamespace } from '../../functions/observability/job-metrics.ts';
import type { EnvironmentConfig } from '../config/environments.ts';
import type { FunctionDeclaration } from '../config/function-declarations.ts';
import { acknowledgeControlTowerRule } from './control-tower-rules.ts';

/** Powertools log levels the functions accept in `POWERTOOLS_LOG_LEVEL`. */
export type FunctionLogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/**
 * Lets an ESM bundle `require()` the CommonJS modules esbuild leaves behind (some AWS SDK
 * dependencies do): ESM has no `require`, so one is made from the module's own URL.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

export interface JobFunctionProps {
  /**
   * The function as `lib/config/function-declarations.ts` declares it, once for AWS and the local
   * runtime: entry, handler, name, service name, description, timeout, memory and architecture.
   */
  readonly declaration: Omit<FunctionDeclaration, 'id' | 'environment' | 'routes'>;
  /** The environment the function belongs to: log retention, removal policy, tracing, metrics namespace. */
  readonly environmentConfig: EnvironmentConfig;
  /**
   * Powertools log level.
   * @default 'INFO'
   */
  readonly logLevel?: FunctionLogLevel;
  /**
   * Extra environment variables; the binders in `job-function-environment.ts` add the
   * resource variables together with their grants.
   * @default - only the Powertools and Node variables
   */
  readonly environment?: Readonly<Record<string, string>>;
}

const ARCHITECTURES: Readonly<Record<FunctionDeclaration['architecture'], lambda.Architecture>> = {
  arm64: lambda.Architecture.ARM_64,
};

/**
 * A Node.js Lambda function with the platform's defaults fixed:
 * - runtime `nodejs24.x`, on the declaration's architecture (arm64 for every function);
 * - esbuild bundle in ESM, minified, with source maps and `NODE_OPTIONS=--enable-source-maps`;
 * - the AWS SDK v3 bundled, not taken from the runtime (see `bundling` below);
 * - its own log group (`/aws/lambda/<name>`) with the environment's retention and removal policy,
 *   written through an explicit grant instead of `AWSLambdaBasicExecutionRole`;
 * - X-Ray tracing active when the environment's `tracing` is on, else Powertools tracing disabled;
 * - Powertools service name, metrics namespace (`JobPlatform/<env>`) and log level;
 * - JSON log format with Lambda's own platform lines at WARN, so an invocation ingests only what the handler logs.
 */
export class JobFunction extends NodejsFunction {
  /** The execution role; grants go through the binders in `job-function-environment.ts`. */
  readonly serviceRole: iam.Role;

  constructor(scope: Construct, id: string, props: JobFunctionProps) {
    const config = props.environmentConfig;
    const declaration = props.declaration;
    const logLevel = props.logLevel ?? 'INFO';
    const removalPolicy = config.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    // Created beside the function because a subclass cannot use `this` before `super()`.
    const logGroup = new logs.LogGroup(scope, `${id}LogGroup`, {
      logGroupName: `/aws/lambda/${declaration.functionName}`,
      retention: config.logRetentionDays as logs.RetentionDays,
      removalPolicy,
    });
    const role = new iam.Role(scope, `${id}ServiceRole`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${declaration.functionName}`,
    });
    // Only this log group, instead of the managed AWSLambdaBasicExecutionRole (logs:* on every group).
    logGroup.grantWrite(role);

    super(scope, id, {
      entry: declaration.entry,
      handler: declaration.handler,
      functionName: declaration.functionName,
      description: declaration.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: ARCHITECTURES[declaration.architecture],
      memorySize: declaration.memoryMb,
      timeout: Duration.seconds(declaration.timeoutSeconds),
      role,
      logGroup,
      tracing: config.tracing ? lambda.Tracing.ACTIVE : lambda.Tracing.DISABLED,
      // Logs are billed per byte ingested: with JSON logs Lambda drops its own START/END/REPORT
      // lines below WARN (~300 bytes an invocation; Duration and Errors stay in Lambda's metrics).
      loggingFormat: lambda.LoggingFormat.JSON,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      applicationLogLevelV2: lambda.ApplicationLogLevel[logLevel],
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: declaration.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: metricsNamespace(config.name),
        POWERTOOLS_LOG_LEVEL: logLevel,
        POWERTOOLS_TRACE_ENABLED: String(config.tracing),
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node24',
        minify: true,
        sourceMap: true,
        // Prefer the packages' ESM builds so esbuild can tree-shake the SDK.
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_BANNER,
        // Bundle the AWS SDK v3 instead of using the runtime's copy: the version is the one
        // the tests ran against (the runtime's changes without notice), and one tree-shaken
        // file loads faster than resolving the runtime's many SDK packages at cold start.
        bundleAwsSDK: true,
        externalModules: [],
      },
    });

    this.serviceRole = role;
    acknowledgeControlTowerRule(
      this,
      'lambda_inside_vpc_check',
      'The function reaches only AWS APIs (DynamoDB, SQS, Step Functions, SES) over TLS with IAM: a VPC would add NAT or interface endpoints (about $7 a month each per AZ) and protect nothing.',
    );

    if (config.tracing) {
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions, so tracing needs Resource "*".',
      });
    }
  }
}

/** The one wildcard a table-stream reader needs, acknowledged with its reason (cdk-nag AwsSolutions-IAM5). */
export function acknowledgeStreamListing(fn: JobFunction): void {
  if (fn.role === undefined) return;
  Validations.of(fn.role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      "dynamodb:ListStreams has no resource-level permissions; the stream event source needs it (Lambda developer guide, DynamoDB streams). Every other stream action is on this table's stream only.",
  });
}
