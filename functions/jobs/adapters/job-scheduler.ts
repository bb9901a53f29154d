import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  UpdateScheduleCommand,
  type CreateScheduleCommandInput,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler';
import type { JobMessage } from '../domain/job-message.ts';
import type { JobPriority } from '../domain/priority.ts';
import { queueUrlFor } from './job-queue.ts';
import { callerKey } from './job-keys.ts';

/** Where the environment's schedules live and what they may reach (`lib/constructs/job-scheduling.ts`). */
export interface JobSchedulerSettings {
  /** The environment's schedule group (`jobs-<env>`). */
  readonly groupName: string;
  /** The role EventBridge Scheduler assumes to send to the job queue and invoke the firing function. */
  readonly roleArn: string;
  /** Each priority level's job queue: a one-time schedule sends the job's message to its level's. */
  readonly queueArns: Readonly<Record<JobPriority, string>>;
  /** Where a firing that failed every retry lands; the reconciler reads it. */
  readonly deadLetterQueueArn: string;
  /** The function a recurring schedule invokes; it creates the firing's job. */
  readonly firingFunctionArn: string;
}

/** What a recurring schedule hands the firing function: its caller and name, and the time it fired for. */
export interface ScheduleFiring {
  readonly owner: string;
  readonly name: string;
  /** ISO-8601 UTC; EventBridge Scheduler fills in `<aws.scheduler.scheduled-time>`. */
  readonly scheduledTime: string;
}

/** A recurring schedule as EventBridge Scheduler keeps it: when it fires and whether it is on. */
export interface RecurringScheduleSpec {
  readonly owner: string;
  readonly name: string;
  readonly expression: string;
  readonly timezone: string;
  readonly enabled: boolean;
}

/**
 * A firing that fails is retried for up to a day (EventBridge Scheduler allows 0-185 retries within
 * at most 24 h, Scheduler user guide), then lands in the dead-letter queue.
 */
const RETRY_POLICY = { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 };

/** `at(yyyy-mm-ddThh:mm:ss)` in UTC: a one-time schedule's expression, rounded up to the second. */
export function atExpression(dueAt: number): string {
  return `at(${new Date(Math.ceil(dueAt / 1000) * 1000).toISOString().slice(0, 19)})`;
}

/**
 * EventBridge Scheduler names: 1-64 characters of [0-9a-zA-Z-_.] (Scheduler API reference). A
 * one-time schedule is named after its job; a recurring one after its caller's key and its name,
 * so two callers' schedules of the same name never meet.
 */
export function oneTimeScheduleName(jobId: string): string {
  return `job.${jobId}`;
}

export function recurringScheduleName(owner: string, name: string): string {
  return `rec.${callerKey(owner)}.${name}`;
}

const ignore =
  (...kinds: (new (...args: never[]) => Error)[]) =>
  (error: unknown) => {
    if (!kinds.some((kind) => error instanceof kind)) throw error;
  };

/** The environment's EventBridge Scheduler schedules: one-time ones for far-off jobs, recurring ones per caller. */
export class JobScheduler {
  constructor(
    private readonly scheduler: SchedulerClient,
    readonly settings: JobSchedulerSettings,
  ) {}

  /**
   * A one-time schedule that sends the job's message to the job queue at `dueAt`, then deletes
   * itself (`ActionAfterCompletion: DELETE`); no flexible window, so it fires within the minute.
   * Creating it again (a replay) finds it there and changes nothing.
   */
  async scheduleJob(message: JobMessage, dueAt: number): Promise<void> {
    const input: CreateScheduleCommandInput = {
      Name: oneTimeScheduleName(message.jobId),
      GroupName: this.settings.groupName,
      ScheduleExpression: atExpression(dueAt),
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      Target: {
        // EventBridge Scheduler's SQS target sets MessageGroupId only for FIFO queues, so this one
        // message reaches the (standard, fair) queue without the caller's group: see the README.
        Arn: queueUrlFor(message, this.settings.queueArns),
        RoleArn: this.settings.roleArn,
        Input: JSON.stringify(message),
        RetryPolicy: RETRY_POLICY,
        DeadLetterConfig: { Arn: this.settings.deadLetterQueueArn },
      },
    };
    await this.scheduler.send(new CreateScheduleCommand(input)).catch(ignore(ConflictException));
  }

  /** Deletes a job's one-time schedule; one already fired (and so deleted) is no error. */
  async unscheduleJob(jobId: string): Promise<void> {
    await this.scheduler
      .send(new DeleteScheduleCommand({ Name: oneTimeScheduleName(jobId), GroupName: this.settings.groupName }))
      .catch(ignore(ResourceNotFoundException));
  }

  /** The recurring schedule's full definition, as CreateSchedule and UpdateSchedule both take it. */
  private recurringInput(spec: RecurringScheduleSpec): CreateScheduleCommandInput {
    const firing: ScheduleFiring = { owner: spec.owner, name: spec.name, scheduledTime: '<aws.scheduler.scheduled-time>' };
    return {
      Name: recurringScheduleName(spec.owner, spec.name),
      GroupName: this.settings.groupName,
      ScheduleExpression: spec.expression,
      ScheduleExpressionTimezone: spec.timezone,
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: spec.enabled ? 'ENABLED' : 'DISABLED',
      Target: {
        Arn: this.settings.firingFunctionArn,
        RoleArn: this.settings.roleArn,
        Input: JSON.stringify(firing),
        RetryPolicy: RETRY_POLICY,
        DeadLetterConfig: { Arn: this.settings.deadLetterQueueArn },
      },
    };
  }

  /**
   * Creates the recurring schedule, or replaces its definition when it exists (UpdateSchedule
   * replaces every field): a schedule left behind by a delete that failed half-way is taken over.
   */
  async putRecurring(spec: RecurringScheduleSpec): Promise<void> {
    const input = this.recurringInput(spec);
    try {
      await this.scheduler.send(new CreateScheduleCommand(input));
    } catch (error) {
      if (!(error instanceof ConflictException)) throw error;
      await this.scheduler.send(new UpdateScheduleCommand(input));
    }
  }

  /** Deletes a recurring schedule; one already gone is no error. */
  async deleteRecurring(owner: string, name: string): Promise<void> {
    await this.scheduler
      .send(new DeleteScheduleCommand({ Name: recurringScheduleName(owner, name), GroupName: this.settings.groupName }))
      .catch(ignore(ResourceNotFoundException));
  }
}
