/**
 * The API's contract as an OpenAPI 3.1 document, built from the schemas the API validates with:
 * the submission envelope and every job type's payload schema (zod's JSON Schema output), the
 * routes (routes.ts) and the error codes (errors.ts). `npm run openapi` writes it to
 * `openapi.json`; the local API serves it at `GET /openapi.json`.
 */
import * as z from 'zod/mini';
import { ERROR_HISTORY_LIMIT, ERROR_MESSAGE_MAX_BYTES, JOB_STATUSES } from '../jobs/domain/job.ts';
import { JOB_PRIORITIES } from '../jobs/domain/priority.ts';
import type { ApiErrorCode } from '../jobs/domain/errors.ts';
import { findSubmittableJobType, submittableJobTypeNames, type SubmittableTypes } from '../jobs/domain/registry.ts';
import { envelopeSchema, IDEMPOTENCY_KEY, MAX_SUBMISSION_BYTES, SQS_MAX_DELAY_SECONDS } from '../jobs/domain/submission.ts';
import { BATCH_REF } from '../jobs/domain/dependencies.ts';
import { SCHEDULE_NAME } from '../jobs/domain/schedule.ts';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../jobs/read-jobs.ts';
import { MAX_BATCH_JOBS } from '../jobs/submit-batch.ts';
import { API_ROUTES, parseRouteKey, type ApiRouteKey } from './routes.ts';

type Schema = Record<string, unknown>;

/** The API's version: the `v1` of SPEC §2. */
export const API_VERSION = '1.0.0';

/** Every code `{"error": {"code"}}` can carry; typed so a new code cannot be left out. */
const ERROR_CODES = {
  INVALID_JSON: 'the body is not JSON',
  VALIDATION_FAILED: 'a field is invalid; `details` lists every failing field',
  UNKNOWN_JOB_TYPE: 'no job type of that name',
  PAYLOAD_TOO_LARGE: 'the body is over the limit',
  UNSUPPORTED_MEDIA_TYPE: 'the body is not `application/json`',
  NOT_FOUND: 'no such job or schedule (or not the caller’s)',
  CONFLICT:
    'the job is not in a status that allows this, the Idempotency-Key was used for another body, the schedule name is taken, or the schedule changed meanwhile',
  UNAVAILABLE: 'a dependency did not answer; nothing was accepted, retry after `Retry-After`',
  INTERNAL: 'an unexpected error, logged with `requestId`; a retry will not help',
} satisfies Record<ApiErrorCode, string>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

/** A zod schema as JSON Schema 2020-12 (OpenAPI 3.1's dialect), without its own `$schema`. */
function jsonSchemaOf(schema: z.ZodMiniType): Schema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input' }) as Schema;
  return rest;
}

/** `POST /jobs` bodies, one per submittable type: the envelope with `type` fixed and that type's payload schema. */
function submissionSchemas(allowed: SubmittableTypes): Record<string, Schema> {
  const envelope = jsonSchemaOf(envelopeSchema);
  const envelopeProperties = envelope.properties as Record<string, Schema>;
  return Object.fromEntries(
    submittableJobTypeNames(allowed).flatMap((name) => {
      const definition = findSubmittableJobType(name, allowed);
      if (definition === undefined) return [];
      const payload = jsonSchemaOf(definition.payloadSchema);
      const properties = { ...envelopeProperties, type: { const: name }, payload: ref(`Payload.${name}`) };
      return [
        [`Payload.${name}`, { description: definition.description, ...payload }],
        [`Submission.${name}`, { ...envelope, properties }],
        [
          `BatchItem.${name}`,
          {
            ...envelope,
            properties: {
              ...properties,
              idempotencyKey: { type: 'string', pattern: IDEMPOTENCY_KEY.source },
              ref: {
                type: 'string',
                pattern: BATCH_REF.source,
                description:
                  "this item's name for the batch's other items: an entry of their `dependsOn` equal to it means this item's job",
              },
            },
          },
        ],
      ];
    }),
  );
}

function componentSchemas(allowed: SubmittableTypes): Record<string, Schema> {
  const types = submittableJobTypeNames(allowed);
  const submissions = submissionSchemas(allowed);
  const timestamp = { type: 'string', format: 'date-time' };
  const jobError = {
    type: 'object',
    required: ['message', 'attempt', 'at', 'run'],
    properties: {
      message: { type: 'string', description: `cut to ${ERROR_MESSAGE_MAX_BYTES} bytes of UTF-8` },
      attempt: { type: 'integer', minimum: 1 },
      at: timestamp,
      run: { type: 'integer', minimum: 1 },
    },
  };
  return {
    ...submissions,
    Submission: {
      description: `A job to run: \`type\` picks the payload schema. At most ${MAX_SUBMISSION_BYTES} bytes of JSON.`,
      oneOf: types.map((name) => ref(`Submission.${name}`)),
      discriminator: {
        propertyName: 'type',
        mapping: Object.fromEntries(types.map((name) => [name, `#/components/schemas/Submission.${name}`])),
      },
    },
    BatchSubmission: {
      type: 'object',
      additionalProperties: false,
      required: ['jobs'],
      properties: {
        jobs: {
          type: 'array',
          minItems: 1,
          maxItems: MAX_BATCH_JOBS,
          description:
            'Each item is a `POST /jobs` body, plus its own `idempotencyKey` and `ref` if any. A bad item rejects only itself (and the items that depend on it by `ref`); a repeated `ref` or a cycle of refs rejects the whole batch.',
          items: { oneOf: types.map((name) => ref(`BatchItem.${name}`)) },
        },
      },
    },
    JobStatus: { type: 'string', enum: [...JOB_STATUSES] },
    JobPriority: {
      type: 'string',
      enum: [...JOB_PRIORITIES],
      description: 'each level has its own queue and worker concurrency; `normal` when not given',
    },
    JobError: jobError,
    Job: {
      type: 'object',
      required: [
        'jobId',
        'type',
        'status',
        'payload',
        'attempts',
        'maxAttempts',
        'priority',
        'createdAt',
        'updatedAt',
        'errorHistory',
        'run',
      ],
      properties: {
        jobId: { type: 'string', format: 'uuid' },
        type: { type: 'string' },
        status: ref('JobStatus'),
        payload: { type: 'object' },
        attempts: { type: 'integer', minimum: 0, description: 'attempts of the current run' },
        maxAttempts: { type: 'integer', minimum: 1 },
        priority: ref('JobPriority'),
        createdAt: timestamp,
        updatedAt: timestamp,
        startedAt: timestamp,
        completedAt: timestamp,
        nextAttemptAt: timestamp,
        lastError: {
          type: 'object',
          required: ['message', 'attempt', 'at'],
          properties: { message: { type: 'string' }, attempt: { type: 'integer' }, at: timestamp },
        },
        errorHistory: { type: 'array', maxItems: ERROR_HISTORY_LIMIT, items: ref('JobError') },
        result: { description: 'what the handler returned (a `completed` job)' },
        progress: {
          type: 'object',
          required: ['done', 'total'],
          properties: { done: { type: 'integer', minimum: 0 }, total: { type: 'integer', minimum: 0 } },
        },
        run: { type: 'integer', minimum: 1, description: '1, then +1 per DLQ redrive' },
        dependsOn: {
          type: 'array',
          items: { type: 'string', format: 'uuid' },
          description: 'the jobs it waits for (`waiting` until each has finished)',
        },
        onDependencyFailure: { type: 'string', enum: ['cancel', 'run'] },
        reason: { type: 'string', description: 'why the platform cancelled it: `dependency <id> failed`' },
        runAt: { ...timestamp, description: 'when the job was asked to run (`runAt`, or submission + `delaySeconds`)' },
        scheduleName: { type: 'string', description: 'the recurring schedule whose firing created the job' },
        callback: {
          type: 'object',
          required: ['url', 'attempts'],
          description: 'the webhook of the job’s terminal statuses (`callbackUrl`) and how its deliveries went',
          properties: {
            url: { type: 'string', format: 'uri' },
            lastStatus: {
              type: ['integer', 'string'],
              description: 'the last try’s HTTP status, or `network error` / `timeout` when no answer came',
            },
            attempts: { type: 'integer', minimum: 0, description: 'deliveries tried, every event and retry counted' },
          },
        },
      },
    },
    ScheduleName: { type: 'string', pattern: SCHEDULE_NAME.source },
    Schedule: {
      type: 'object',
      required: ['name', 'expression', 'timezone', 'job', 'enabled', 'createdAt', 'updatedAt'],
      properties: {
        name: ref('ScheduleName'),
        expression: {
          type: 'string',
          description: 'EventBridge Scheduler `cron(minutes hours day-of-month month day-of-week year)` or `rate(value unit)`',
        },
        timezone: { type: 'string', description: 'IANA time zone the expression is read in' },
        job: { description: 'the `POST /jobs` body each firing submits', oneOf: types.map((name) => ref(`Submission.${name}`)) },
        enabled: { type: 'boolean' },
        createdAt: timestamp,
        updatedAt: timestamp,
      },
    },
    ScheduleCreation: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'expression', 'job'],
      properties: {
        name: ref('ScheduleName'),
        expression: { type: 'string', examples: ['rate(5 minutes)', 'cron(0 9 ? * MON-FRI *)'] },
        timezone: { type: 'string', default: 'UTC', examples: ['Europe/Paris'] },
        job: {
          description: `a \`POST /jobs\` body of a queue job type, without \`runAt\`, \`delaySeconds\` at most ${SQS_MAX_DELAY_SECONDS}`,
          oneOf: types.map((name) => ref(`Submission.${name}`)),
        },
        enabled: { type: 'boolean', default: true },
      },
    },
    ScheduleChange: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      properties: {
        expression: { type: 'string' },
        timezone: { type: 'string' },
        job: { oneOf: types.map((name) => ref(`Submission.${name}`)) },
        enabled: { type: 'boolean' },
      },
    },
    SchedulePage: {
      type: 'object',
      required: ['items', 'nextCursor'],
      properties: { items: { type: 'array', items: ref('Schedule') }, nextCursor: { type: ['string', 'null'] } },
    },
    JobPage: {
      type: 'object',
      required: ['items', 'nextCursor'],
      properties: {
        items: { type: 'array', items: ref('Job') },
        nextCursor: { type: ['string', 'null'], description: 'the next page’s `cursor`; null on the last page' },
      },
    },
    BatchResult: {
      type: 'object',
      required: ['items'],
      properties: {
        items: {
          type: 'array',
          description: 'One outcome per submitted job, in order.',
          items: {
            type: 'object',
            required: ['index', 'status'],
            properties: {
              index: { type: 'integer', minimum: 0 },
              status: {
                type: 'integer',
                enum: [200, 202, 400, 409, 413, 500, 503],
                description:
                  '202 accepted, 200 an idempotent replay, 4xx refused, 503 not accepted (retry it), 500 not accepted (a retry will not help)',
              },
              job: ref('Job'),
              error: ref('ErrorDetail'),
            },
          },
        },
      },
    },
    Stats: {
      type: 'object',
      required: ['jobs', 'queued', 'inFlight', 'delayed', 'deadLettered', 'byPriority', 'byLimitedType'],
      properties: {
        jobs: {
          type: 'object',
          description: "the caller's jobs per status (a few seconds behind)",
          required: [...JOB_STATUSES],
          properties: Object.fromEntries(JOB_STATUSES.map((status) => [status, { type: 'integer', minimum: 0 }])),
        },
        queued: { type: 'integer', minimum: 0 },
        inFlight: { type: 'integer', minimum: 0 },
        delayed: { type: 'integer', minimum: 0 },
        deadLettered: { type: 'integer', minimum: 0 },
        byPriority: {
          type: 'object',
          description: 'queued, inFlight and delayed of each priority level’s queue; one DLQ serves every queue',
          required: [...JOB_PRIORITIES],
          properties: Object.fromEntries(JOB_PRIORITIES.map((priority) => [priority, ref('QueueDepths')])),
        },
        byLimitedType: {
          type: 'object',
          description:
            'the same for the queue of each job type with a `maxConcurrency` limit, which carries that type’s jobs at every priority (the totals add up both)',
          additionalProperties: ref('QueueDepths'),
        },
      },
    },
    QueueDepths: {
      type: 'object',
      required: ['queued', 'inFlight', 'delayed'],
      properties: {
        queued: { type: 'integer', minimum: 0 },
        inFlight: { type: 'integer', minimum: 0 },
        delayed: { type: 'integer', minimum: 0 },
      },
    },
    Health: { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['ok', 'unavailable'] } } },
    ErrorDetail: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: {
          type: 'string',
          enum: Object.keys(ERROR_CODES),
          description: Object.entries(ERROR_CODES)
            .map(([code, meaning]) => `\`${code}\`: ${meaning}`)
            .join('; '),
        },
        message: { type: 'string' },
        details: {
          type: 'array',
          items: { type: 'object', required: ['path', 'message'], properties: { path: { type: 'string' }, message: { type: 'string' } } },
        },
        requestId: { type: 'string' },
      },
    },
    Error: { type: 'object', required: ['error'], properties: { error: ref('ErrorDetail') } },
    GatewayError: {
      type: 'object',
      description: "API Gateway's own answer (unknown route, missing or bad signature, body over 10 MB)",
      required: ['message'],
      properties: { message: { type: 'string' } },
    },
  };
}

const HEADERS = {
  Location: { description: 'the job’s path, `/jobs/{jobId}`', required: true, schema: { type: 'string' } },
  RetryAfter: {
    description: "seconds to wait before retrying (on the function's 503, not on API Gateway's)",
    schema: { type: 'string', pattern: '^[0-9]+$' },
  },
};

const jsonContent = (schema: Schema) => ({ 'application/json': { schema } });

function errorResponse(description: string, codes: readonly ApiErrorCode[]): Schema {
  return { description: `${description} (${codes.join(', ')})`, content: jsonContent(ref('Error')) };
}

/** The function's error, or API Gateway's own when the function itself failed or was throttled. */
const serverError = (description: string, code: ApiErrorCode) => ({
  description: `${description} (${code}; API Gateway's \`{"message"}\` when the function itself failed)`,
  content: jsonContent({ oneOf: [ref('Error'), ref('GatewayError')] }),
});

/** API Gateway's answer when the function itself failed (crashed, timed out, throttled). */
const GATEWAY_FAILURE = {
  description: 'the function itself failed (API Gateway\'s `{"message"}`)',
  content: jsonContent(ref('GatewayError')),
};

const COMMON_RESPONSES = {
  400: errorResponse('the caller identity is missing or too long', ['VALIDATION_FAILED']),
  403: { description: 'the request is not signed, or the signature is refused (API Gateway)', content: jsonContent(ref('GatewayError')) },
  500: serverError('an unexpected error, logged with the request id', 'INTERNAL'),
  503: {
    ...serverError('a dependency did not answer; nothing changed, retry', 'UNAVAILABLE'),
    headers: { 'Retry-After': HEADERS.RetryAfter },
  },
};

const jobResponse = (description: string, headers: Schema = {}) => ({ description, headers, content: jsonContent(ref('Job')) });
const jobIdParameter = { name: 'jobId', in: 'path', required: true, schema: { type: 'string' } };
const scheduleNameParameter = { name: 'name', in: 'path', required: true, schema: { type: 'string' } };
const idempotencyKeyHeader = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description: 'Repeating a submission with the same key within 24 h answers the first job (200) instead of making a second one.',
  schema: { type: 'string', pattern: IDEMPOTENCY_KEY.source },
};

/** Each route's operation; keyed by route so a new route cannot be left out of the document. */
function operations(): Record<ApiRouteKey, Schema> {
  const bodyErrors = {
    400: errorResponse('the body or a header is invalid', ['INVALID_JSON', 'VALIDATION_FAILED', 'UNKNOWN_JOB_TYPE']),
    413: {
      description: 'the body is over the limit (PAYLOAD_TOO_LARGE, or API Gateway above 10 MB)',
      content: jsonContent({ oneOf: [ref('Error'), ref('GatewayError')] }),
    },
    415: errorResponse('the body is not JSON', ['UNSUPPORTED_MEDIA_TYPE']),
  };
  return {
    'POST /jobs': {
      operationId: 'submitJob',
      summary: 'Submit a job',
      parameters: [idempotencyKeyHeader],
      requestBody: { required: true, content: jsonContent(ref('Submission')) },
      responses: {
        202: jobResponse('accepted: the job will run', { Location: HEADERS.Location }),
        200: jobResponse('an idempotent replay: the job the same Idempotency-Key made', { Location: HEADERS.Location }),
        ...COMMON_RESPONSES,
        ...bodyErrors,
        409: errorResponse('the Idempotency-Key was used for another body', ['CONFLICT']),
      },
    },
    'POST /jobs/batch': {
      operationId: 'submitJobs',
      summary: `Submit 1 to ${MAX_BATCH_JOBS} jobs`,
      requestBody: { required: true, content: jsonContent(ref('BatchSubmission')) },
      responses: {
        200: {
          description:
            'one outcome per job, in order; a job the platform could not take is answered in its own slot (503 UNAVAILABLE, 500 INTERNAL), never for the whole request',
          content: jsonContent(ref('BatchResult')),
        },
        // No 503 for the whole batch: the handler answers a dependency's failure in the slots.
        // A 500 comes only from API Gateway, when the function itself failed.
        403: COMMON_RESPONSES[403],
        500: GATEWAY_FAILURE,
        ...bodyErrors,
      },
    },
    'GET /jobs': {
      operationId: 'listJobs',
      summary: "The caller's jobs, newest first",
      parameters: [
        { name: 'status', in: 'query', required: false, schema: ref('JobStatus') },
        { name: 'type', in: 'query', required: false, schema: { type: 'string' } },
        {
          name: 'schedule',
          in: 'query',
          required: false,
          description: 'only the jobs this recurring schedule created',
          schema: ref('ScheduleName'),
        },
        {
          name: 'limit',
          in: 'query',
          required: false,
          schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE },
        },
        { name: 'cursor', in: 'query', required: false, description: 'the `nextCursor` of the page before', schema: { type: 'string' } },
      ],
      responses: {
        200: {
          description: 'a page; a filter that matches little may return a short page and a cursor',
          content: jsonContent(ref('JobPage')),
        },
        ...COMMON_RESPONSES,
        400: errorResponse('a parameter or the caller identity is invalid', ['VALIDATION_FAILED']),
      },
    },
    'GET /jobs/{jobId}': {
      operationId: 'getJob',
      summary: 'One job',
      parameters: [jobIdParameter],
      responses: { 200: jobResponse('the job'), 404: errorResponse('no such job', ['NOT_FOUND']), ...COMMON_RESPONSES },
    },
    'POST /jobs/{jobId}/cancel': {
      operationId: 'cancelJob',
      summary: 'Cancel a scheduled, queued or retrying job',
      parameters: [jobIdParameter],
      responses: {
        200: jobResponse('the cancelled job'),
        404: errorResponse('no such job', ['NOT_FOUND']),
        409: errorResponse('the job is running or finished', ['CONFLICT']),
        ...COMMON_RESPONSES,
      },
    },
    'POST /schedules': {
      operationId: 'createSchedule',
      summary: 'Create a recurring schedule (an EventBridge Scheduler schedule); each firing submits its job once',
      requestBody: { required: true, content: jsonContent(ref('ScheduleCreation')) },
      responses: {
        201: { description: 'created', headers: { Location: HEADERS.Location }, content: jsonContent(ref('Schedule')) },
        ...COMMON_RESPONSES,
        ...bodyErrors,
        409: errorResponse('the caller has a schedule of that name', ['CONFLICT']),
      },
    },
    'GET /schedules': {
      operationId: 'listSchedules',
      summary: "The caller's schedules by name",
      parameters: [
        {
          name: 'limit',
          in: 'query',
          required: false,
          schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE },
        },
        { name: 'cursor', in: 'query', required: false, schema: { type: 'string' } },
      ],
      responses: {
        200: { description: 'a page', content: jsonContent(ref('SchedulePage')) },
        ...COMMON_RESPONSES,
        400: errorResponse('a parameter or the caller identity is invalid', ['VALIDATION_FAILED']),
      },
    },
    'GET /schedules/{name}': {
      operationId: 'getSchedule',
      summary: 'One schedule',
      parameters: [scheduleNameParameter],
      responses: {
        200: { description: 'the schedule', content: jsonContent(ref('Schedule')) },
        404: errorResponse('no such schedule', ['NOT_FOUND']),
        ...COMMON_RESPONSES,
      },
    },
    'PATCH /schedules/{name}': {
      operationId: 'updateSchedule',
      summary: 'Enable or disable a schedule, or change its expression, time zone or job',
      parameters: [scheduleNameParameter],
      requestBody: { required: true, content: jsonContent(ref('ScheduleChange')) },
      responses: {
        200: { description: 'the changed schedule', content: jsonContent(ref('Schedule')) },
        404: errorResponse('no such schedule', ['NOT_FOUND']),
        ...COMMON_RESPONSES,
        ...bodyErrors,
        409: errorResponse('another change of the schedule came between this one’s read and write; send it again', ['CONFLICT']),
      },
    },
    'DELETE /schedules/{name}': {
      operationId: 'deleteSchedule',
      summary: 'Delete a schedule; the jobs it created stay',
      parameters: [scheduleNameParameter],
      responses: {
        200: { description: 'the deleted schedule', content: jsonContent(ref('Schedule')) },
        404: errorResponse('no such schedule', ['NOT_FOUND']),
        ...COMMON_RESPONSES,
      },
    },
    'GET /health': {
      operationId: 'health',
      summary: 'Whether the table and the queue answer',
      responses: {
        200: { description: 'both answer', content: jsonContent(ref('Health')) },
        403: COMMON_RESPONSES[403],
        503: { description: 'one does not', content: jsonContent(ref('Health')) },
        500: GATEWAY_FAILURE,
      },
    },
    'GET /stats': {
      operationId: 'stats',
      summary: "The caller's jobs per status and the queue depths",
      responses: { 200: { description: 'the counts', content: jsonContent(ref('Stats')) }, ...COMMON_RESPONSES },
    },
  };
}

/** The OpenAPI 3.1 document of the API as an environment serves it (drill types only where allowed). */
export function openApiDocument(allowed: SubmittableTypes = { drillJobTypes: false }): Schema {
  const byRoute = operations();
  const paths: Record<string, Record<string, Schema>> = {};
  for (const routeKey of API_ROUTES) {
    const { method, path } = parseRouteKey(routeKey);
    paths[path] = { ...paths[path], [method.toLowerCase()]: { ...byRoute[routeKey], security: [{ sigv4: [] }] } };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Job platform API',
      version: API_VERSION,
      license: { name: 'MIT', identifier: 'MIT' },
      description:
        'Submit jobs, follow them to the end, cancel them. Every request is signed with SigV4 (service `execute-api`); the caller is the signing IAM principal, and sees only its own jobs. The local API takes the caller from the `x-caller-id` header instead.',
    },
    servers: [
      {
        url: 'https://{apiId}.execute-api.{region}.amazonaws.com',
        variables: { apiId: { default: 'example' }, region: { default: 'us-east-1' } },
      },
      { url: 'http://127.0.0.1:3000', description: 'the local platform (`npm start`)' },
    ],
    paths,
    components: {
      schemas: componentSchemas(allowed),
      securitySchemes: {
        sigv4: {
          type: 'apiKey',
          name: 'Authorization',
          in: 'header',
          description: 'AWS Signature Version 4 of an IAM principal allowed `execute-api:Invoke` on the API',
          'x-amazon-apigateway-authtype': 'awsSigv4',
        },
      },
    },
  };
}
