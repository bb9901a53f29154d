/**
 * A local stand-in for EventBridge Scheduler: it serves CreateSchedule, GetSchedule,
 * UpdateSchedule, DeleteSchedule and ListSchedules in the REST-JSON protocol the SDK sends to
 * `AWS_ENDPOINT_URL_SCHEDULER`, and fires the schedules as the service does:
 *
 * - `at(...)` one-time schedules fire once at their time, then are deleted when
 *   `ActionAfterCompletion` is `DELETE`;
 * - `rate(...)` and `cron(...)` schedules fire from the same expressions, in their time zone,
 *   with EventBridge Scheduler's daylight-saving rules (functions/jobs/domain/schedule-expression.ts);
 * - a target is an SQS queue (SendMessage of `Input`) or a Lambda function (invoked with `Input`),
 *   with `<aws.scheduler.scheduled-time>` and the other context attributes filled in;
 * - a delivery that fails is retried, then sent to the target's `DeadLetterConfig` queue with the
 *   error in message attributes, as the service dead-letters it.
 *
 * Differences (README, "Local runtime: what is and is not like AWS"): a target fires at its exact
 * time, not within the minute; a failed delivery is retried twice a second apart, not with
 * backoff for up to a day; `clockScale` (tests) runs each schedule's own clock faster from its
 * creation, so a job due in 20 minutes fires after 20 / scale minutes.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { nextFiring, parseScheduleExpression, type ScheduleExpression } from '../../functions/jobs/domain/schedule-expression.ts';
import type { RunningService } from './dynamodb-local.ts';

/** A schedule's definition as CreateSchedule takes it (the fields the platform uses). */
interface ScheduleInput {
  readonly GroupName?: string;
  readonly ScheduleExpression: string;
  readonly ScheduleExpressionTimezone?: string;
  readonly State?: 'ENABLED' | 'DISABLED';
  readonly ActionAfterCompletion?: 'NONE' | 'DELETE';
  readonly FlexibleTimeWindow?: { readonly Mode: string };
  readonly Target: {
    readonly Arn: string;
    readonly RoleArn: string;
    readonly Input?: string;
    readonly DeadLetterConfig?: { readonly Arn?: string };
    readonly RetryPolicy?: { readonly MaximumRetryAttempts?: number };
  };
}

interface StoredSchedule {
  readonly name: string;
  readonly group: string;
  readonly input: ScheduleInput;
  /** Epoch ms of creation (or the last update): a rate's first interval, and the scale's origin. */
  readonly createdAt: number;
}

export interface LocalSchedulerOptions {
  readonly region: string;
  readonly account: string;
  readonly sqs: SQSClient;
  /** The URL of a queue by its ARN (targets and dead-letter queues name queues by ARN). */
  readonly queueUrlOf: (arn: string) => string | undefined;
  /** Invokes a local function by its ARN; a rejection is a failed delivery. */
  readonly invokeFunction: (arn: string, payload: unknown) => Promise<unknown>;
  /** Keeps the schedules across restarts. */
  readonly file?: string;
  /**
   * How much faster than real time each schedule's clock runs (tests only).
   * @default 1
   */
  readonly clockScale?: number;
  readonly onError?: (error: unknown) => void;
}

export interface LocalScheduler extends RunningService {
  /** The schedules that exist now, by `group/name`. */
  readonly scheduleNames: () => string[];
}

/** Retries of a failed delivery, locally (AWS retries with backoff for up to a day). */
const LOCAL_RETRIES = 2;
/** The longest a Node timer waits (about 24.8 days); longer waits are chained. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const AT = /^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$/;

class SchedulerError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** When a schedule fires next on its own clock (virtual epoch ms), or undefined when never again. */
function nextVirtualFiring(schedule: StoredSchedule, afterVirtual: number): number | undefined {
  const at = AT.exec(schedule.input.ScheduleExpression);
  if (at !== null) {
    // An at() time is read in the schedule's time zone; the platform always gives UTC.
    const due = Date.parse(`${at[1]}Z`);
    return due > afterVirtual ? due : undefined;
  }
  const expression: ScheduleExpression = parseScheduleExpression(schedule.input.ScheduleExpression);
  return nextFiring(expression, schedule.input.ScheduleExpressionTimezone ?? 'UTC', afterVirtual, schedule.createdAt);
}

/** Validates an expression as CreateSchedule does: at(), rate() or cron(). */
function checkExpression(input: ScheduleInput): void {
  const expression = input.ScheduleExpression ?? '';
  if (AT.test(expression)) return;
  try {
    parseScheduleExpression(expression);
  } catch (error) {
    throw new SchedulerError(400, 'ValidationException', `Invalid Schedule Expression ${expression}: ${(error as Error).message}`);
  }
}

export async function startLocalScheduler(options: LocalSchedulerOptions): Promise<LocalScheduler> {
  const scale = options.clockScale ?? 1;
  const schedules = new Map<string, StoredSchedule>();
  const timers = new Map<string, NodeJS.Timeout>();
  const deliveries = new Set<Promise<void>>();
  let stopped = false;
  const keyOf = (group: string, name: string) => `${group}/${name}`;
  const arnOf = (schedule: StoredSchedule) =>
    `arn:aws:scheduler:${options.region}:${options.account}:schedule/${schedule.group}/${schedule.name}`;
  // A schedule's own clock: real time since its creation, times the scale.
  const virtualNow = (schedule: StoredSchedule) => schedule.createdAt + (Date.now() - schedule.createdAt) * scale;
  const realTimeOf = (schedule: StoredSchedule, virtual: number) => schedule.createdAt + (virtual - schedule.createdAt) / scale;

  const save = () => {
    if (options.file === undefined) return;
    mkdirSync(dirname(options.file), { recursive: true });
    writeFileSync(options.file, JSON.stringify([...schedules.values()]));
  };

  const sendToQueue = async (arn: string, body: string, attributes: Record<string, string> = {}) => {
    const url = options.queueUrlOf(arn);
    if (url === undefined) throw new Error(`No queue ${arn} on the local platform`);
    await options.sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: body,
        ...(Object.keys(attributes).length === 0
          ? {}
          : {
              MessageAttributes: Object.fromEntries(
                Object.entries(attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
              ),
            }),
      }),
    );
  };

  /** Delivers one firing to the target: retried, then dead-lettered, as the service does. */
  const deliver = async (schedule: StoredSchedule, scheduledTime: number) => {
    const { Target } = schedule.input;
    const input = (Target.Input ?? '')
      .replaceAll('<aws.scheduler.scheduled-time>', new Date(scheduledTime).toISOString().replace(/\.\d{3}Z$/, 'Z'))
      .replaceAll('<aws.scheduler.schedule-arn>', arnOf(schedule))
      .replaceAll('<aws.scheduler.execution-id>', randomUUID());
    const retries = Math.min(Target.RetryPolicy?.MaximumRetryAttempts ?? 185, LOCAL_RETRIES);
    let lastError: unknown;
    for (let attempt = 1; attempt <= retries + 1; attempt += 1) {
      try {
        const body = input.replaceAll('<aws.scheduler.attempt-number>', String(attempt));
        if (Target.Arn.startsWith('arn:aws:sqs:')) await sendToQueue(Target.Arn, body);
        else await options.invokeFunction(Target.Arn, JSON.parse(body));
        return;
      } catch (error) {
        lastError = error;
        if (stopped) return;
        if (attempt <= retries) await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
    const deadLetterArn = Target.DeadLetterConfig?.Arn;
    if (deadLetterArn === undefined) return;
    await sendToQueue(deadLetterArn, input, {
      ERROR_CODE: (lastError as Error)?.name ?? 'Error',
      ERROR_MESSAGE: String((lastError as Error)?.message ?? lastError).slice(0, 256),
      EXHAUSTED_RETRY_CONDITION: 'MaximumRetryAttempts',
      RETRY_ATTEMPTS: String(retries),
      SCHEDULE_ARN: arnOf(schedule),
      TARGET_ARN: Target.Arn,
    }).catch((error: unknown) => options.onError?.(error));
  };

  const arm = (schedule: StoredSchedule) => {
    const key = keyOf(schedule.group, schedule.name);
    clearTimeout(timers.get(key));
    timers.delete(key);
    if (stopped || schedule.input.State === 'DISABLED') return;
    const next = nextVirtualFiring(schedule, virtualNow(schedule) - (AT.test(schedule.input.ScheduleExpression) ? Infinity : 0));
    if (next === undefined) return;
    const wait = Math.max(0, realTimeOf(schedule, next) - Date.now());
    const timer = setTimeout(
      () => {
        timers.delete(key);
        if (wait > MAX_TIMER_MS) return arm(schedule);
        if (schedules.get(key) !== schedule) return;
        const delivery = deliver(schedule, next)
          .catch((error: unknown) => options.onError?.(error))
          .finally(() => deliveries.delete(delivery));
        deliveries.add(delivery);
        if (AT.test(schedule.input.ScheduleExpression)) {
          if (schedule.input.ActionAfterCompletion === 'DELETE') {
            schedules.delete(key);
            save();
          }
          return;
        }
        arm(schedule);
      },
      Math.min(wait, MAX_TIMER_MS),
    );
    timers.set(key, timer);
  };

  if (options.file !== undefined && existsSync(options.file)) {
    for (const schedule of JSON.parse(readFileSync(options.file, 'utf8')) as StoredSchedule[]) {
      schedules.set(keyOf(schedule.group, schedule.name), schedule);
    }
  }

  const handle = (method: string, url: URL, body: Record<string, unknown>): { status: number; body: unknown } => {
    const path = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (path[0] !== 'schedules') throw new SchedulerError(404, 'ResourceNotFoundException', `No operation for ${method} ${url.pathname}`);
    const name = path[1];
    if (name === undefined) {
      if (method !== 'GET') throw new SchedulerError(400, 'ValidationException', 'Unsupported operation');
      const group = url.searchParams.get('ScheduleGroup');
      const prefix = url.searchParams.get('NamePrefix') ?? '';
      const found = [...schedules.values()].filter((s) => (group === null || s.group === group) && s.name.startsWith(prefix));
      return {
        status: 200,
        body: {
          Schedules: found.map((s) => ({
            Name: s.name,
            GroupName: s.group,
            Arn: arnOf(s),
            State: s.input.State ?? 'ENABLED',
            Target: { Arn: s.input.Target.Arn },
          })),
        },
      };
    }
    const group =
      (method === 'GET' || method === 'DELETE' ? url.searchParams.get('groupName') : (body.GroupName as string | undefined)) ?? 'default';
    const key = keyOf(group, name);
    const existing = schedules.get(key);
    if (method === 'POST' || method === 'PUT') {
      const input = body as unknown as ScheduleInput;
      checkExpression(input);
      if (input.Target?.Arn === undefined || input.Target.RoleArn === undefined) {
        throw new SchedulerError(400, 'ValidationException', 'Target.Arn and Target.RoleArn are required');
      }
      if (method === 'POST' && existing !== undefined)
        throw new SchedulerError(409, 'ConflictException', `Schedule ${name} already exists.`);
      if (method === 'PUT' && existing === undefined)
        throw new SchedulerError(404, 'ResourceNotFoundException', `Schedule ${name} does not exist.`);
      const schedule: StoredSchedule = { name, group, input, createdAt: Date.now() };
      schedules.set(key, schedule);
      save();
      arm(schedule);
      return { status: 200, body: { ScheduleArn: arnOf(schedule) } };
    }
    if (existing === undefined) throw new SchedulerError(404, 'ResourceNotFoundException', `Schedule ${name} does not exist.`);
    if (method === 'DELETE') {
      schedules.delete(key);
      clearTimeout(timers.get(key));
      timers.delete(key);
      save();
      return { status: 200, body: {} };
    }
    const { input } = existing;
    return {
      status: 200,
      body: {
        Name: name,
        GroupName: group,
        Arn: arnOf(existing),
        ScheduleExpression: input.ScheduleExpression,
        ScheduleExpressionTimezone: input.ScheduleExpressionTimezone,
        State: input.State ?? 'ENABLED',
        ActionAfterCompletion: input.ActionAfterCompletion ?? 'NONE',
        FlexibleTimeWindow: input.FlexibleTimeWindow,
        Target: input.Target,
      },
    };
  };

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const answer = (status: number, body: unknown, type?: string) => {
        response.writeHead(status, { 'content-type': 'application/json', ...(type === undefined ? {} : { 'x-amzn-errortype': type }) });
        response.end(JSON.stringify(body));
      };
      try {
        const text = Buffer.concat(chunks).toString('utf8');
        const result = handle(
          request.method ?? 'GET',
          new URL(request.url ?? '/', 'http://localhost'),
          text === '' ? {} : JSON.parse(text),
        );
        answer(result.status, result.body);
      } catch (error) {
        if (error instanceof SchedulerError) answer(error.status, { Message: error.message }, error.type);
        else answer(500, { Message: (error as Error).message }, 'InternalServerException');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  for (const schedule of schedules.values()) arm(schedule);
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    scheduleNames: () => [...schedules.keys()],
    stop: async () => {
      if (stopped) return;
      stopped = true;
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
      await Promise.allSettled([...deliveries]);
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}
