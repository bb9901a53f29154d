import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { MiddlewareObj } from '@middy/core';

/**
 * The one Logger, Metrics and Tracer of a function, created once per cold start. Service name,
 * namespace, log level and tracing come from POWERTOOLS_* variables that the CDK construct sets.
 */
export const logger = new Logger();
export const metrics = new Metrics();

// The X-Ray SDK costs cold-start time: load it only where the environment turns tracing on.
const tracingEnabled = process.env.POWERTOOLS_TRACE_ENABLED === 'true';
const tracing = tracingEnabled
  ? await Promise.all([import('@aws-lambda-powertools/tracer'), import('@aws-lambda-powertools/tracer/middleware')])
  : undefined;

export const tracer = tracing === undefined ? undefined : new tracing[0].Tracer();

/** The middy middleware that opens the handler's segment, or undefined without tracing. */
export const tracingMiddleware: MiddlewareObj | undefined =
  tracing === undefined || tracer === undefined ? undefined : (tracing[1].captureLambdaHandler(tracer) as MiddlewareObj);

/** Records an AWS SDK client's calls as subsegments (and carries the trace through SQS). */
export function traced<Client>(client: Client): Client {
  return tracer === undefined ? client : tracer.captureAWSv3Client(client);
}
