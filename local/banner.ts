import { CALLER_HEADER, DEFAULT_CALLER, localCallerArn } from './api-gateway.ts';
import { JOB_PRIORITIES } from '../functions/jobs/domain/priority.ts';
import type { LocalPlatform } from './platform.ts';
import { LOCAL_REGION } from './services/local-aws.ts';

/** What `npm start` prints once the platform answers: where to reach each part of it. */
export function formatBanner(platform: LocalPlatform, start: { readySeconds: number; dataDir: string; reset: boolean }): string {
  const { endpoints } = platform;
  return [
    `Job platform running locally (ready in ${start.readySeconds.toFixed(1)} s)`,
    `  API          ${platform.apiUrl}   (caller from the ${CALLER_HEADER} header, default '${DEFAULT_CALLER}' = ${localCallerArn(DEFAULT_CALLER)})`,
    `  console      ${platform.apiUrl}/console/   (jobs, DLQ and queues in the browser; npm run console serves it on its own)`,
    `  metrics      ${platform.apiUrl}/metrics   (Prometheus text, from the functions' EMF output)`,
    `  contract     ${platform.apiUrl}/openapi.json   (OpenAPI 3.1; npm run openapi writes openapi.json)`,
    `  events       ${platform.apiUrl}/events   (the lifecycle events on the local bus; also events.ndjson in the state directory)`,
    `  region       ${LOCAL_REGION}   (any region and access key reach the same tables and queues)`,
    `  DynamoDB     ${endpoints.dynamodb}   table ${platform.tableName}`,
    `  SQS          ${endpoints.sqs}   queues ${JOB_PRIORITIES.map((priority) => `${priority} ${platform.queueUrls[priority]}`).join(', ')}`,
    `  DLQ          ${platform.deadLetterQueueUrl}   ARN ${platform.deadLetterQueueArn}`,
    `  e-mail       ${platform.outboxDir}`,
    `  webhooks     signing secret ${(JSON.parse(platform.webhookSigningSecret()) as { current: string }).current}   (${platform.apiUrl}/webhook-secret; POST ${platform.apiUrl}/webhook-secret/rotate rotates it)`,
    `               DLQ ${platform.webhookDeadLetterQueueUrl}`,
    ...(platform.longJobs === undefined
      ? []
      : [`  long jobs    Redis ${platform.longJobs.redisUrl}, outputs in s3://${platform.longJobs.outputBucket} (S3 on ${endpoints.sqs})`]),
    ...(platform.warming !== undefined && platform.workerEnvironments > 1
      ? [`  warm-up      API and 1 of ${platform.workerEnvironments} worker environments loaded; the others are loading now`]
      : []),
    `  state        ${start.dataDir}   (${start.reset ? 'reset at this start' : 'kept across restarts'}; npm start -- --reset clears it)`,
    `Try: curl -s -X POST ${platform.apiUrl}/jobs -H 'content-type: application/json' -d '{"type":"echo","payload":{"hello":"world"}}'`,
    'Ctrl-C stops everything.',
  ].join('\n');
}
