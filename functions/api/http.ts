import type { APIGatewayProxyEventV2WithIAMAuthorizer, APIGatewayProxyResultV2 } from 'aws-lambda';
import {
  ApiError,
  type FieldProblem,
  InvalidJsonError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../jobs/domain/errors.ts';
import { MAX_SUBMISSION_BYTES } from '../jobs/domain/submission.ts';
import { asApiError } from '../jobs/adapters/dependency-errors.ts';

export type ApiEvent = APIGatewayProxyEventV2WithIAMAuthorizer;
export type ApiResult = APIGatewayProxyResultV2 & { statusCode: number; headers: Record<string, string>; body: string };

/** A body must fit one queue message and one table item (SPEC §2). */
export const MAX_BODY_BYTES = MAX_SUBMISSION_BYTES;

/** A batch carries up to 100 jobs; each of them is held to MAX_BODY_BYTES on its own. */
export const MAX_BATCH_BODY_BYTES = 1024 * 1024;

/**
 * Longest caller identity accepted. The owner is part of table keys (`idempotency#<owner>#<key>`
 * with a key of up to 128 characters), and a partition key holds at most 2,048 bytes (DynamoDB
 * developer guide, quotas); the longest IAM principal ARN (a 512-character path and a
 * 64-character name) is about 620.
 */
export const MAX_CALLER_BYTES = 1024;

/** JSON text exchanged between systems must be UTF-8 (RFC 8259 §8.1); `fatal` refuses invalid bytes instead of replacing them. */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): ApiResult {
  return { statusCode, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

function header(event: ApiEvent, name: string): string | undefined {
  // API Gateway lower-cases header names in payload format 2.0.
  return event.headers?.[name.toLowerCase()];
}

export function idempotencyKeyOf(event: ApiEvent): string | undefined {
  return header(event, 'idempotency-key');
}

/**
 * The calling IAM principal. An assumed role's session name changes from call to call, so a
 * role owns its jobs whatever the session (`arn:aws:sts::1:assumed-role/R/s` → `…:role/R`).
 */
export function callerOf(event: ApiEvent): string {
  const iam = event.requestContext.authorizer?.iam;
  const arn = iam?.userArn;
  if (arn === undefined || arn === null || arn === '') {
    throw new ValidationError('The request carries no caller identity');
  }
  const bytes = Buffer.byteLength(arn);
  if (bytes > MAX_CALLER_BYTES) {
    throw new ValidationError('The caller identity is too long', [
      { path: 'caller', message: `must be at most ${MAX_CALLER_BYTES} bytes, ${bytes} given` },
    ]);
  }
  const assumed = /^arn:(aws[\w-]*):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(arn);
  return assumed === null ? arn : `arn:${assumed[1]}:iam::${assumed[2]}:role/${assumed[3]}`;
}

/**
 * The request's JSON body: 415 unless it is JSON, 413 above `maxBytes` (of the bytes received),
 * 400 when it is not UTF-8 or does not parse.
 */
export function jsonBody(event: ApiEvent, maxBytes = MAX_BODY_BYTES): unknown {
  const contentType = header(event, 'content-type') ?? '';
  const mediaType = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  if (mediaType !== 'application/json' && !/^application\/[\w.+-]+\+json$/.test(mediaType)) {
    throw new UnsupportedMediaTypeError(`Content-Type must be application/json, '${contentType || '(none)'}' given`);
  }
  const raw = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
  if (raw.byteLength > maxBytes) {
    throw new PayloadTooLargeError(`The body is ${raw.byteLength} bytes; the limit is ${maxBytes} bytes`);
  }
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    throw new InvalidJsonError('The body is not valid UTF-8; JSON must be sent as UTF-8');
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidJsonError(`The body is not valid JSON: ${(error as Error).message}`);
  }
}

/** The `{"error": {code, message, details?}}` body of an API error. */
/** The `{"error"}` body of an API error; `requestId` names the logged request, for errors on-call must look up. */
export function errorBody(
  error: ApiError,
  requestId?: string,
): { error: { code: string; message: string; details?: readonly FieldProblem[]; requestId?: string } } {
  return {
    error: {
      code: error.code,
      message: error.message,
      ...(error.details === undefined ? {} : { details: error.details }),
      ...(requestId === undefined ? {} : { requestId }),
    },
  };
}

/**
 * Maps an error to its response once, for every route. Only a dependency failure a retry can fix
 * is `503` with `Retry-After`; anything else is `500 INTERNAL` with the request id the logs carry,
 * so clients stop retrying what cannot succeed and on-call can find the cause.
 */
export function errorResponse(error: unknown, requestId: string): { result: ApiResult; unexpected: boolean } {
  const known = asApiError(error, {
    unavailable: 'A dependency did not answer; retry later',
    internal: `Unexpected error; it has been logged with request id ${requestId}`,
  });
  const body = errorBody(known, known.status === 500 ? requestId : undefined);
  return { result: json(known.status, body, known.status === 503 ? { 'retry-after': '1' } : {}), unexpected: known.status >= 500 };
}
