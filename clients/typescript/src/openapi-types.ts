// Generated from openapi.json by `npm run openapi` (openapi-typescript): do not edit.
export interface paths {
    "/jobs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The caller's jobs, newest first */
        get: operations["listJobs"];
        put?: never;
        /** Submit a job */
        post: operations["submitJob"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/jobs/batch": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Submit 1 to 100 jobs */
        post: operations["submitJobs"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/jobs/{jobId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One job */
        get: operations["getJob"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/jobs/{jobId}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Cancel a scheduled, queued or retrying job */
        post: operations["cancelJob"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/schedules": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The caller's schedules by name */
        get: operations["listSchedules"];
        put?: never;
        /** Create a recurring schedule (an EventBridge Scheduler schedule); each firing submits its job once */
        post: operations["createSchedule"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/schedules/{name}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One schedule */
        get: operations["getSchedule"];
        put?: never;
        post?: never;
        /** Delete a schedule; the jobs it created stay */
        delete: operations["deleteSchedule"];
        options?: never;
        head?: never;
        /** Enable or disable a schedule, or change its expression, time zone or job */
        patch: operations["updateSchedule"];
        trace?: never;
    };
    "/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Whether the table and the queue answer */
        get: operations["health"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/stats": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The caller's jobs per status and the queue depths */
        get: operations["stats"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** @description Completes with its payload as the result. */
        "Payload.echo": {
            [key: string]: unknown;
        };
        "Submission.echo": {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "echo";
            payload: components["schemas"]["Payload.echo"];
            maxAttempts?: number;
            delaySeconds?: number;
            runAt?: string;
            /** @enum {string} */
            priority?: "high" | "normal" | "low";
            dependsOn?: string[];
            /** @enum {string} */
            onDependencyFailure?: "cancel" | "run";
            /** Format: uri */
            callbackUrl?: string;
        };
        "BatchItem.echo": {
            /** @constant */
            type: "echo";
            payload: components["schemas"]["Payload.echo"];
            maxAttempts?: number;
            delaySeconds?: number;
            runAt?: string;
            /** @enum {string} */
            priority?: "high" | "normal" | "low";
            dependsOn?: string[];
            /** @enum {string} */
            onDependencyFailure?: "cancel" | "run";
            /** Format: uri */
            callbackUrl?: string;
            idempotencyKey?: string;
            /** @description this item's name for the batch's other items: an entry of their `dependsOn` equal to it means this item's job */
            ref?: string;
        };
        /** @description Waits {ms} milliseconds, then completes. */
        "Payload.sleep": {
            ms: number;
        };
        "Submission.sleep": {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "sleep";
            payload: components["schemas"]["Payload.sleep"];
            maxAttempts?: number;
            delaySeconds?: number;
            runAt?: string;
            /** @enum {string} */
            priority?: "high" | "normal" | "low";
            dependsOn?: string[];
            /** @enum {string} */
            onDependencyFailure?: "cancel" | "run";
            /** Format: uri */
            callbackUrl?: string;
        };
        "BatchItem.sleep": {
            /** @constant */
            type: "sleep";
            payload: components["schemas"]["Payload.sleep"];
            maxAttempts?: number;
            delaySeconds?: number;
            runAt?: string;
            /** @enum {string} */
            priority?: "high" | "normal" | "low";
            dependsOn?: string[];
            /** @enum {string} */
            onDependencyFailure?: "cancel" | "run";
            /** Format: uri */
            callbackUrl?: string;
            idempotencyKey?: string;
            /** @description this item's name for the batch's other items: an entry of their `dependsOn` equal to it means this item's job */
            ref?: string;
        };
        /** @description Sends {to, subject, body} (SES in AWS, a local outbox directory locally). */
        "Payload.email": {
            /** Format: email */
            to: string;
            subject: string;
            body: string;
        };
        "Submission.email": {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "email";
            payload: components["schemas"]["Payload.email"];
            maxAttempts?: number;
            delaySeconds?: number;
            runAt?: string;
            /** @enum {string} */
            priority?: "high" | "normal" | "low";
            dependsOn?: string[];
            /** @enum {string} */
            onDependencyFailure?: "cancel" | "run";
            /** Format: uri */
            callbackUrl?: string;
        };
        "BatchItem.email": {
            /** @constant */
            type: "email";
            payload: components["schemas"]["Payload.email"];
            maxAttempts?: number;
            delaySeconds?: number;
            runAt?: string;
            /** @enum {string} */
            priority?: "high" | "normal" | "low";
            dependsOn?: string[];
            /** @enum {string} */
            onDependencyFailure?: "cancel" | "run";
            /** Format: uri */
            callbackUrl?: string;
            idempotencyKey?: string;
            /** @description this item's name for the batch's other items: an entry of their `dependsOn` equal to it means this item's job */
            ref?: string;
        };
        /** @description Builds a CSV of {rows} records in chunks of {chunkSize} on Fargate and stores it in S3. */
        "Payload.report": {
            rows: number;
            chunkSize: number;
        };
        "Submission.report": {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "report";
            payload: components["schemas"]["Payload.report"];
            maxAttempts?: number;
            delaySeconds?: number;
            runAt?: string;
            /** @enum {string} */
            priority?: "high" | "normal" | "low";
            dependsOn?: string[];
            /** @enum {string} */
            onDependencyFailure?: "cancel" | "run";
            /** Format: uri */
            callbackUrl?: string;
        };
        "BatchItem.report": {
            /** @constant */
            type: "report";
            payload: components["schemas"]["Payload.report"];
            maxAttempts?: number;
            delaySeconds?: number;
            runAt?: string;
            /** @enum {string} */
            priority?: "high" | "normal" | "low";
            dependsOn?: string[];
            /** @enum {string} */
            onDependencyFailure?: "cancel" | "run";
            /** Format: uri */
            callbackUrl?: string;
            idempotencyKey?: string;
            /** @description this item's name for the batch's other items: an entry of their `dependsOn` equal to it means this item's job */
            ref?: string;
        };
        /** @description A job to run: `type` picks the payload schema. At most 262144 bytes of JSON. */
        Submission: components["schemas"]["Submission.echo"] | components["schemas"]["Submission.sleep"] | components["schemas"]["Submission.email"] | components["schemas"]["Submission.report"];
        BatchSubmission: {
            /** @description Each item is a `POST /jobs` body, plus its own `idempotencyKey` and `ref` if any. A bad item rejects only itself (and the items that depend on it by `ref`); a repeated `ref` or a cycle of refs rejects the whole batch. */
            jobs: (components["schemas"]["BatchItem.echo"] | components["schemas"]["BatchItem.sleep"] | components["schemas"]["BatchItem.email"] | components["schemas"]["BatchItem.report"])[];
        };
        /** @enum {string} */
        JobStatus: "scheduled" | "waiting" | "queued" | "running" | "retrying" | "completed" | "failed" | "cancelled";
        /**
         * @description each level has its own queue and worker concurrency; `normal` when not given
         * @enum {string}
         */
        JobPriority: "high" | "normal" | "low";
        JobError: {
            /** @description cut to 1024 bytes of UTF-8 */
            message: string;
            attempt: number;
            /** Format: date-time */
            at: string;
            run: number;
        };
        Job: {
            /** Format: uuid */
            jobId: string;
            type: string;
            status: components["schemas"]["JobStatus"];
            payload: Record<string, never>;
            /** @description attempts of the current run */
            attempts: number;
            maxAttempts: number;
            priority: components["schemas"]["JobPriority"];
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
            /** Format: date-time */
            startedAt?: string;
            /** Format: date-time */
            completedAt?: string;
            /** Format: date-time */
            nextAttemptAt?: string;
            lastError?: {
                message: string;
                attempt: number;
                /** Format: date-time */
                at: string;
            };
            errorHistory: components["schemas"]["JobError"][];
            /** @description what the handler returned (a `completed` job) */
            result?: unknown;
            progress?: {
                done: number;
                total: number;
            };
            /** @description 1, then +1 per DLQ redrive */
            run: number;
            /** @description the jobs it waits for (`waiting` until each has finished) */
            dependsOn?: string[];
            /** @enum {string} */
            onDependencyFailure?: "cancel" | "run";
            /** @description why the platform cancelled it: `dependency <id> failed` */
            reason?: string;
            /**
             * Format: date-time
             * @description when the job was asked to run (`runAt`, or submission + `delaySeconds`)
             */
            runAt?: string;
            /** @description the recurring schedule whose firing created the job */
            scheduleName?: string;
            /** @description the webhook of the job’s terminal statuses (`callbackUrl`) and how its deliveries went */
            callback?: {
                /** Format: uri */
                url: string;
                /** @description the last try’s HTTP status, or `network error` / `timeout` when no answer came */
                lastStatus?: number | string;
                /** @description deliveries tried, every event and retry counted */
                attempts: number;
            };
        };
        ScheduleName: string;
        Schedule: {
            name: components["schemas"]["ScheduleName"];
            /** @description EventBridge Scheduler `cron(minutes hours day-of-month month day-of-week year)` or `rate(value unit)` */
            expression: string;
            /** @description IANA time zone the expression is read in */
            timezone: string;
            /** @description the `POST /jobs` body each firing submits */
            job: components["schemas"]["Submission.echo"] | components["schemas"]["Submission.sleep"] | components["schemas"]["Submission.email"] | components["schemas"]["Submission.report"];
            enabled: boolean;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
        };
        ScheduleCreation: {
            name: components["schemas"]["ScheduleName"];
            /**
             * @example rate(5 minutes)
             * @example cron(0 9 ? * MON-FRI *)
             */
            expression: string;
            /**
             * @default UTC
             * @example Europe/Paris
             */
            timezone: string;
            /** @description a `POST /jobs` body of a queue job type, without `runAt`, `delaySeconds` at most 900 */
            job: components["schemas"]["Submission.echo"] | components["schemas"]["Submission.sleep"] | components["schemas"]["Submission.email"] | components["schemas"]["Submission.report"];
            /** @default true */
            enabled: boolean;
        };
        ScheduleChange: {
            expression?: string;
            timezone?: string;
            job?: components["schemas"]["Submission.echo"] | components["schemas"]["Submission.sleep"] | components["schemas"]["Submission.email"] | components["schemas"]["Submission.report"];
            enabled?: boolean;
        };
        SchedulePage: {
            items: components["schemas"]["Schedule"][];
            nextCursor: string | null;
        };
        JobPage: {
            items: components["schemas"]["Job"][];
            /** @description the next page’s `cursor`; null on the last page */
            nextCursor: string | null;
        };
        BatchResult: {
            /** @description One outcome per submitted job, in order. */
            items: {
                index: number;
                /**
                 * @description 202 accepted, 200 an idempotent replay, 4xx refused, 503 not accepted (retry it), 500 not accepted (a retry will not help)
                 * @enum {integer}
                 */
                status: 200 | 202 | 400 | 409 | 413 | 500 | 503;
                job?: components["schemas"]["Job"];
                error?: components["schemas"]["ErrorDetail"];
            }[];
        };
        Stats: {
            /** @description the caller's jobs per status (a few seconds behind) */
            jobs: {
                scheduled: number;
                waiting: number;
                queued: number;
                running: number;
                retrying: number;
                completed: number;
                failed: number;
                cancelled: number;
            };
            queued: number;
            inFlight: number;
            delayed: number;
            deadLettered: number;
            /** @description queued, inFlight and delayed of each priority level’s queue; one DLQ serves every queue */
            byPriority: {
                high: components["schemas"]["QueueDepths"];
                normal: components["schemas"]["QueueDepths"];
                low: components["schemas"]["QueueDepths"];
            };
            /** @description the same for the queue of each job type with a `maxConcurrency` limit, which carries that type’s jobs at every priority (the totals add up both) */
            byLimitedType: {
                [key: string]: components["schemas"]["QueueDepths"];
            };
        };
        QueueDepths: {
            queued: number;
            inFlight: number;
            delayed: number;
        };
        Health: {
            /** @enum {string} */
            status: "ok" | "unavailable";
        };
        ErrorDetail: {
            /**
             * @description `INVALID_JSON`: the body is not JSON; `VALIDATION_FAILED`: a field is invalid; `details` lists every failing field; `UNKNOWN_JOB_TYPE`: no job type of that name; `PAYLOAD_TOO_LARGE`: the body is over the limit; `UNSUPPORTED_MEDIA_TYPE`: the body is not `application/json`; `NOT_FOUND`: no such job or schedule (or not the caller’s); `CONFLICT`: the job is not in a status that allows this, the Idempotency-Key was used for another body, the schedule name is taken, or the schedule changed meanwhile; `UNAVAILABLE`: a dependency did not answer; nothing was accepted, retry after `Retry-After`; `INTERNAL`: an unexpected error, logged with `requestId`; a retry will not help
             * @enum {string}
             */
            code: "INVALID_JSON" | "VALIDATION_FAILED" | "UNKNOWN_JOB_TYPE" | "PAYLOAD_TOO_LARGE" | "UNSUPPORTED_MEDIA_TYPE" | "NOT_FOUND" | "CONFLICT" | "UNAVAILABLE" | "INTERNAL";
            message: string;
            details?: {
                path: string;
                message: string;
            }[];
            requestId?: string;
        };
        Error: {
            error: components["schemas"]["ErrorDetail"];
        };
        /** @description API Gateway's own answer (unknown route, missing or bad signature, body over 10 MB) */
        GatewayError: {
            message: string;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    listJobs: {
        parameters: {
            query?: {
                status?: components["schemas"]["JobStatus"];
                type?: string;
                /** @description only the jobs this recurring schedule created */
                schedule?: components["schemas"]["ScheduleName"];
                limit?: number;
                /** @description the `nextCursor` of the page before */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description a page; a filter that matches little may return a short page and a cursor */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JobPage"];
                };
            };
            /** @description a parameter or the caller identity is invalid (VALIDATION_FAILED) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the request is not signed, or the signature is refused (API Gateway) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayError"];
                };
            };
            /** @description an unexpected error, logged with the request id (INTERNAL; API Gateway's `{"message"}` when the function itself failed) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] | components["schemas"]["GatewayError"];
                };
            };
            /** @description a dependency did not answer; nothing changed, retry (UNAVAILABLE; API Gateway's `{"message"}` when the function itself failed) */
            503: {
                headers: {
                    /** @description seconds to wait before retrying (on the function's 503, not on API Gateway's) */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] | components["schemas"]["GatewayError"];
                };
            };
        };
    };
    submitJob: {
        parameters: {
            query?: never;
            header?: {
                /** @description Repeating a submission with the same key within 24 h answers the first job (200) instead of making a second one. */
                "Idempotency-Key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["Submission"];
            };
        };
        responses: {
            /** @description an idempotent replay: the job the same Idempotency-Key made */
            200: {
                headers: {
                    /** @description the job’s path, `/jobs/{jobId}` */
                    Location: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"];
                };
            };
            /** @description accepted: the job will run */
            202: {
                headers: {
                    /** @description the job’s path, `/jobs/{jobId}` */
                    Location: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"];
                };
            };
            /** @description the body or a header is invalid (INVALID_JSON, VALIDATION_FAILED, UNKNOWN_JOB_TYPE) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the request is not signed, or the signature is refused (API Gateway) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayError"];
                };
            };
            /** @description the Idempotency-Key was used for another body (CONFLICT) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the body is over the limit (PAYLOAD_TOO_LARGE, or API Gateway above 10 MB) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] | components["schemas"]["GatewayError"];
                };
            };
            /** @description the body is not JSON (UNSUPPORTED_MEDIA_TYPE) */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description an unexpected error, logged with the request id (INTERNAL; API Gateway's `{"message"}` when the function itself failed) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] | components["schemas"]["GatewayError"];
                };
            };
            /** @description a dependency did not answer; nothing changed, retry (UNAVAILABLE; API Gateway's `{"message"}` when the function itself failed) */
            503: {
                headers: {
                    /** @description seconds to wait before retrying (on the function's 503, not on API Gateway's) */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] | components["schemas"]["GatewayError"];
                };
            };
        };
    };
    submitJobs: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["BatchSubmission"];
            };
        };
        responses: {
            /** @description one outcome per job, in order; a job the platform could not take is answered in its own slot (503 UNAVAILABLE, 500 INTERNAL), never for the whole request */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BatchResult"];
                };
            };
            /** @description the body or a header is invalid (INVALID_JSON, VALIDATION_FAILED, UNKNOWN_JOB_TYPE) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the request is not signed, or the signature is refused (API Gateway) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayError"];
                };
            };
            /** @description the body is over the limit (PAYLOAD_TOO_LARGE, or API Gateway above 10 MB) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] | components["schemas"]["GatewayError"];
                };
            };
            /** @description the body is not JSON (UNSUPPORTED_MEDIA_TYPE) */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the function itself failed (API Gateway's `{"message"}`) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayError"];
                };
            };
        };
    };
    getJob: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                jobId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the job */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"];
                };
            };
            /** @description the caller identity is missing or too long (VALIDATION_FAILED) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the request is not signed, or the signature is refused (API Gateway) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayError"];
                };
            };
            /** @description no such job (NOT_FOUND) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description an unexpected error, logged with the request id (INTERNAL; API Gateway's `{"message"}` when the function itself failed) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] | components["schemas"]["GatewayError"];
                };
            };
            /** @description a dependency did not answer; nothing changed, retry (UNAVAILABLE; API Gateway's `{"message"}` when the function itself failed) */
            503: {
                headers: {
                    /** @description seconds to wait before retrying (on the function's 503, not on API Gateway's) */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] | components["schemas"]["GatewayError"];
                };
            };
        };
    };
    cancelJob: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                jobId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the cancelled job */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"];
                };
            };
            /** @description the caller identity is missing or too long (VALIDATION_FAILED) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the request is not signed, or the signature is refused (API Gateway) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayError"];
                };
            };
            /** @description no such job (NOT_FOUND) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the job is running or finished (CONFLICT) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description an unexpected error, logged with the request id (INTERNAL; API Gateway's `{"message"}` when the function itself failed) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] | components["schemas"]["GatewayError"];
                };
            };
            /** @description a dependency did not answer; nothing changed, retry (UNAVAILABLE; API Gateway's `{"message"}` when the function itself failed) */
            503: {
                headers: {
                    /** @description seconds to wait before retrying (on the function's 503, not on API Gateway's) */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] | components["schemas"]["GatewayError"];
                };
            };
        };
    };
    listSchedules: {
        parameters: {
            query?: {
                limit?: number;
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description a page */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SchedulePage"];
                };
            };
            /** @description a parameter or the caller identity is invalid (VALIDATION_FAILED) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the request is not signed, or the signature is refused (API Gateway) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayError"];
                };
            };
            /** @description an unexpected error, logged with the request id (INTERNAL; API Gateway's `{"message"}` when the function itself failed) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] | components["schemas"]["GatewayError"];
                };
            };
            /** @description a dependency did not answer; nothing changed, retry (UNAVAILABLE; API Gateway's `{"message"}` when the function itself failed) */
            503: {
                headers: {
                    /** @description seconds to wait before retrying (on the function's 503, not on API Gateway's) */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] | components["schemas"]["GatewayError"];
                };
            };
        };
    };
    createSchedule: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ScheduleCreation"];
            };
        };
        responses: {
            /** @description created */
            201: {
                headers: {
                    /** @description the job’s path, `/jobs/{jobId}` */
                    Location: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Schedule"];
                };
            };
            /** @description the body or a header is invalid (INVALID_JSON, VALIDATION_FAILED, UNKNOWN_JOB_TYPE) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the request is not signed, or the signature is refused (API Gateway) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayError"];
                };
            };
            /** @description the caller has a schedule of that name (CONFLICT) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the body is over the limit (PAYLOAD_TOO_LARGE, or API Gateway above 10 MB) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] | components["schemas"]["GatewayError"];
                };
            };
            /** @description the body is not JSON (UNSUPPORTED_MEDIA_TYPE) */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description an unexpected error, logged with the request id (INTERNAL; API Gateway's `{"message"}` when the function itself failed) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] | components["schemas"]["GatewayError"];
                };
            };
            /** @description a dependency did not answer; nothing changed, retry (UNAVAILABLE; API Gateway's `{"message"}` when the function itself failed) */
            503: {
                headers: {
                    /** @description seconds to wait before retrying (on the function's 503, not on API Gateway's) */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] | components["schemas"]["GatewayError"];
                };
            };
        };
    };
    getSchedule: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the schedule */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Schedule"];
                };
            };
            /** @description the caller identity is missing or too long (VALIDATION_FAILED) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the request is not signed, or the signature is refused (API Gateway) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayError"];
                };
            };
            /** @description no such schedule (NOT_FOUND) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description an unexpected error, logged with the request id (INTERNAL; API Gateway's `{"message"}` when the function itself failed) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] | components["schemas"]["GatewayError"];
                };
            };
            /** @description a dependency did not answer; nothing changed, retry (UNAVAILABLE; API Gateway's `{"message"}` when the function itself failed) */
            503: {
                headers: {
                    /** @description seconds to wait before retrying (on the function's 503, not on API Gateway's) */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] | components["schemas"]["GatewayError"];
                };
            };
        };
    };
    deleteSchedule: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the deleted schedule */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Schedule"];
                };
            };
            /** @description the caller identity is missing or too long (VALIDATION_FAILED) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the request is not signed, or the signature is refused (API Gateway) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayError"];
                };
            };
            /** @description no such schedule (NOT_FOUND) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description an unexpected error, logged with the request id (INTERNAL; API Gateway's `{"message"}` when the function itself failed) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] | components["schemas"]["GatewayError"];
                };
            };
            /** @description a dependency did not answer; nothing changed, retry (UNAVAILABLE; API Gateway's `{"message"}` when the function itself failed) */
            503: {
                headers: {
                    /** @description seconds to wait before retrying (on the function's 503, not on API Gateway's) */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] | components["schemas"]["GatewayError"];
                };
            };
        };
    };
    updateSchedule: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ScheduleChange"];
            };
        };
        responses: {
            /** @description the changed schedule */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Schedule"];
                };
            };
            /** @description the body or a header is invalid (INVALID_JSON, VALIDATION_FAILED, UNKNOWN_JOB_TYPE) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the request is not signed, or the signature is refused (API Gateway) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayError"];
                };
            };
            /** @description no such schedule (NOT_FOUND) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description another change of the schedule came between this one’s read and write; send it again (CONFLICT) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the body is over the limit (PAYLOAD_TOO_LARGE, or API Gateway above 10 MB) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] | components["schemas"]["GatewayError"];
                };
            };
            /** @description the body is not JSON (UNSUPPORTED_MEDIA_TYPE) */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description an unexpected error, logged with the request id (INTERNAL; API Gateway's `{"message"}` when the function itself failed) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] | components["schemas"]["GatewayError"];
                };
            };
            /** @description a dependency did not answer; nothing changed, retry (UNAVAILABLE; API Gateway's `{"message"}` when the function itself failed) */
            503: {
                headers: {
                    /** @description seconds to wait before retrying (on the function's 503, not on API Gateway's) */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] | components["schemas"]["GatewayError"];
                };
            };
        };
    };
    health: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description both answer */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Health"];
                };
            };
            /** @description the request is not signed, or the signature is refused (API Gateway) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayError"];
                };
            };
            /** @description the function itself failed (API Gateway's `{"message"}`) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayError"];
                };
            };
            /** @description one does not */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Health"];
                };
            };
        };
    };
    stats: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the counts */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Stats"];
                };
            };
            /** @description the caller identity is missing or too long (VALIDATION_FAILED) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the request is not signed, or the signature is refused (API Gateway) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayError"];
                };
            };
            /** @description an unexpected error, logged with the request id (INTERNAL; API Gateway's `{"message"}` when the function itself failed) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] | components["schemas"]["GatewayError"];
                };
            };
            /** @description a dependency did not answer; nothing changed, retry (UNAVAILABLE; API Gateway's `{"message"}` when the function itself failed) */
            503: {
                headers: {
                    /** @description seconds to wait before retrying (on the function's 503, not on API Gateway's) */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] | components["schemas"]["GatewayError"];
                };
            };
        };
    };
}
