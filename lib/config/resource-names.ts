/**
 * Names of the platform's resources in one environment. The CDK stack and the local runtime
 * both use these, so `jobs-dev-queue` means the same queue in AWS and on a laptop.
 */
export function resourceNames(environmentName: string) {
  const prefix = `jobs-${environmentName}`;
  return {
    stack: prefix,
    table: `${prefix}-jobs`,
    // One queue per priority level (SPEC §10); the normal level keeps the plain name.
    queue: `${prefix}-queue`,
    priorityQueues: { high: `${prefix}-queue-high`, normal: `${prefix}-queue`, low: `${prefix}-queue-low` },
    deadLetterQueue: `${prefix}-dlq`,
    apiFunction: `${prefix}-api`,
    workerFunction: `${prefix}-worker`,
    reconcilerFunction: `${prefix}-reconciler`,
    countsFunction: `${prefix}-job-counts`,
    eventsFunction: `${prefix}-job-events`,
    eventBus: `${prefix}-events`,
    // EventBridge Scheduler (SPEC §10): one schedule group per environment, the dead letters of
    // firings that failed every retry, and the function recurring schedules invoke.
    scheduleGroup: prefix,
    scheduleDeadLetterQueue: `${prefix}-schedule-dlq`,
    scheduleFiringFunction: `${prefix}-schedule-firing`,
    schedulerRole: `${prefix}-scheduler`,
    // Signed webhooks (SPEC §11): the rule on the bus feeds a queue the deliverer reads; a
    // delivery that failed for 24 h lands in its DLQ. The signing secret rotates with its function.
    webhookRule: `${prefix}-webhooks`,
    webhookQueue: `${prefix}-webhooks`,
    webhookDeadLetterQueue: `${prefix}-webhooks-dlq`,
    webhookFunction: `${prefix}-webhooks`,
    webhookRotationFunction: `${prefix}-webhook-secret-rotation`,
    webhookSecret: `${prefix}/webhook-signing`,
    dashboard: `${prefix}`,
    alarmTopic: `${prefix}-alarms`,
    // The long-job companion stack (SPEC §6). In AWS the output bucket's name is generated
    // (bucket names are global); the local runtime uses `outputBucket`.
    longJobStack: `${prefix}-long-jobs`,
    longJobStateMachine: `${prefix}-long-jobs`,
    longJobStepsFunction: `${prefix}-long-job-steps`,
    longJobExecutionEndedFunction: `${prefix}-long-job-execution-ended`,
    longJobCluster: `${prefix}-long-jobs`,
    outputBucket: `${prefix}-outputs`,
  } as const;
}
