import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENVIRONMENT_NAMES, synthesizePlatform } from '../helpers/synth.ts';

function workerFunction(environmentName: string) {
  const { template } = synthesizePlatform(environmentName);
  const functions = template.findResources('AWS::Lambda::Function', {
    Properties: { FunctionName: `jobs-${environmentName}-worker` },
  });
  const [worker] = Object.values(functions) as { Properties: Record<string, any> }[];
  if (!worker) throw new Error(`no worker function in jobs-${environmentName}`);
  return worker.Properties;
}

describe.each(ENVIRONMENT_NAMES)('worker in %s', (environmentName) => {
  beforeAll(() => synthesizePlatform(environmentName));

  it('runs on arm64 with nodejs24.x', () => {
    const worker = workerFunction(environmentName);
    expect(worker.Architectures).toEqual(['arm64']);
    expect(worker.Runtime).toBe('nodejs24.x');
  });

  it("logs JSON and keeps Lambda's own START/END/REPORT lines out of the logs (system level WARN)", () => {
    expect(workerFunction(environmentName).LoggingConfig).toEqual({
      LogFormat: 'JSON',
      SystemLogLevel: 'WARN',
      ApplicationLogLevel: 'INFO',
      LogGroup: expect.anything(),
    });
  });

  it('takes memory and timeout from the environment config', () => {
    const { config } = synthesizePlatform(environmentName);
    const worker = workerFunction(environmentName);
    expect(worker.MemorySize).toBe(config.worker.memoryMb);
    expect(worker.Timeout).toBe(config.worker.timeoutSeconds);
  });

  it('reports batch item failures and takes batch size, window and max concurrency from the config', () => {
    const { config, template } = synthesizePlatform(environmentName);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: config.worker.batchSize,
      MaximumBatchingWindowInSeconds: config.worker.batchingWindowSeconds > 0 ? config.worker.batchingWindowSeconds : Match.absent(),
      ScalingConfig: { MaximumConcurrency: config.worker.maxConcurrency },
    });
  });

  it('gives the handler every variable workerRuntimeConfig reads', () => {
    const { config } = synthesizePlatform(environmentName);
    const variables = workerFunction(environmentName).Environment.Variables;
    expect(Object.keys(variables)).toEqual(
      expect.arrayContaining(['TABLE_NAME', 'QUEUE_URL', 'DEAD_LETTER_QUEUE_URL', 'RETRY_CAP_SECONDS', 'JOB_RETENTION_DAYS']),
    );
    expect(variables).toMatchObject({
      RETRY_MAX_ATTEMPTS: String(config.retry.maxAttempts),
      RETRY_BASE_SECONDS: String(config.retry.baseSeconds),
      WORKER_CONCURRENCY: String(config.worker.concurrencyPerBatch),
      WORKER_TIMEOUT_SECONDS: String(config.worker.timeoutSeconds),
      POWERTOOLS_SERVICE_NAME: 'jobs-worker',
      POWERTOOLS_METRICS_NAMESPACE: `JobPlatform/${environmentName}`,
      NODE_OPTIONS: '--enable-source-maps',
    });
  });

  it('traces with X-Ray only where the config turns tracing on', () => {
    const { config } = synthesizePlatform(environmentName);
    const worker = workerFunction(environmentName);
    expect(worker.TracingConfig?.Mode ?? 'PassThrough').toBe(config.tracing ? 'Active' : 'PassThrough');
    expect(worker.Environment.Variables.POWERTOOLS_TRACE_ENABLED).toBe(String(config.tracing));
  });

  it('keeps every function log group for the configured retention', () => {
    const { config, template } = synthesizePlatform(environmentName);
    const logGroups = Object.values(template.findResources('AWS::Logs::LogGroup')) as { Properties: Record<string, any> }[];
    expect(logGroups.length).toBeGreaterThanOrEqual(3);
    for (const logGroup of logGroups) expect(logGroup.Properties.RetentionInDays).toBe(config.logRetentionDays);
  });
});

describe('worker permissions (dev)', () => {
  function workerPolicyStatements() {
    const { template } = synthesizePlatform('dev');
    const policies = template.findResources('AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^WorkerFunctionServiceRole') }] },
    });
    return Object.values(policies).flatMap((policy: any) => policy.Properties.PolicyDocument.Statement);
  }

  it('may consume the job queue, including ChangeMessageVisibility for the backoff', () => {
    const queueStatement = workerPolicyStatements().find(
      (statement) => JSON.stringify(statement.Resource).includes('JobQueue') && !JSON.stringify(statement.Resource).includes('DeadLetter'),
    );
    expect(queueStatement.Action).toEqual(
      expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility', 'sqs:DeleteMessage']),
    );
  });

  it('may only send to the dead-letter queue (malformed messages go there at once), and never scans the table', () => {
    const statements = workerPolicyStatements();
    const onDeadLetterQueue = statements.filter((statement) => JSON.stringify(statement.Resource).includes('DeadLetterQueue'));
    expect(onDeadLetterQueue.flatMap((statement) => [statement.Action].flat())).toEqual([
      'sqs:SendMessage',
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
    ]);
    expect(JSON.stringify(statements)).not.toContain('dynamodb:Scan');
  });

  it("reads a running job's dependencies in one batch-get, and never queries the table", () => {
    const actions = workerPolicyStatements().flatMap((statement) => [statement.Action].flat());
    expect(actions).toContain('dynamodb:BatchGetItem');
    expect(actions).not.toContain('dynamodb:Query');
  });

  it('changes jobs only by conditional update: no put, no delete on the table', () => {
    const actions = workerPolicyStatements().flatMap((statement) => [statement.Action].flat());
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:UpdateItem']));
    expect(actions).not.toContain('dynamodb:PutItem');
    expect(actions).not.toContain('dynamodb:DeleteItem');
  });

  it('may send e-mail through SES and nothing else of SES', () => {
    const sesActions = workerPolicyStatements()
      .flatMap((statement) => [statement.Action].flat())
      .filter((action: string) => action.startsWith('ses:'));
    expect(sesActions).toEqual(['ses:SendEmail']);
  });
});
