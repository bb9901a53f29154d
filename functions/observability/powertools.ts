import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/**
 * The one Logger and Metrics of a function, created once per cold start. Service name,
 * namespace and log level come from POWERTOOLS_* variables that the CDK construct sets.
 */
export const logger = new Logger();
export const metrics = new Metrics();
