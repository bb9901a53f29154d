/**
 * `npm start`: the whole platform on this machine, with no AWS account and no Docker.
 * Ports: PORT (API, default 3000), DYNAMODB_PORT (default 8000), SQS_PORT (default 4566).
 */
import { localCallerArn, CALLER_HEADER, DEFAULT_CALLER } from './api-gateway.ts';
import { formatFunctionOutput } from './function-output.ts';
import { startLocalPlatform } from './platform.ts';
import { PrerequisiteError } from './services/prerequisite-error.ts';

function portFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  const port = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    console.error(`${name} must be a port number from 0 to 65535, '${raw}' given`);
    process.exit(1);
  }
  return port;
}

const startedAt = performance.now();
try {
  const platform = await startLocalPlatform({
    apiPort: portFromEnv('PORT', 3000),
    dynamoDbPort: portFromEnv('DYNAMODB_PORT', 8000),
    sqsPort: portFromEnv('SQS_PORT', 4566),
    onFunctionOutput: (line, functionName) => {
      const formatted = formatFunctionOutput(line, functionName);
      if (formatted !== undefined) console.log(formatted);
    },
    onError: (error) => console.error(`event source: ${error instanceof Error ? error.message : String(error)}`),
  });
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
  console.log(
    [
      `Job platform running locally (ready in ${seconds} s)`,
      `  API          ${platform.apiUrl}   (caller from the ${CALLER_HEADER} header, default '${DEFAULT_CALLER}' = ${localCallerArn(DEFAULT_CALLER)})`,
      `  metrics      ${platform.apiUrl}/metrics   (Prometheus text, from the functions' EMF output)`,
      `  DynamoDB     ${platform.endpoints.dynamodb}   table ${platform.tableName}`,
      `  SQS          ${platform.endpoints.sqs}   queue ${platform.queueUrl}`,
      `  DLQ          ${platform.deadLetterQueueUrl}`,
      `  e-mail       ${platform.outboxDir}`,
      ...(platform.longJobs === undefined
        ? []
        : [
            `  long jobs    Redis ${platform.longJobs.redisUrl}, outputs in s3://${platform.longJobs.outputBucket} (S3 on ${platform.endpoints.sqs})`,
          ]),
      `Try: curl -s -X POST ${platform.apiUrl}/jobs -H 'content-type: application/json' -d '{"type":"echo","payload":{"hello":"world"}}'`,
      'Ctrl-C stops everything.',
    ].join('\n'),
  );
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the local platform…`);
    platform.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
} catch (error) {
  if (error instanceof PrerequisiteError) {
    console.error(`Cannot start the local platform: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
