import { ConditionalCheckFailedException, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { callerOf, errorResponse, jsonBody, MAX_BODY_BYTES } from '../../../functions/api/http.ts';
import {
  ApiError,
  ConflictError,
  InvalidJsonError,
  NotFoundError,
  PayloadTooLargeError,
  UnavailableError,
  UnknownJobTypeError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../../../functions/jobs/domain/errors.ts';
import { apiEventFactory } from '../../helpers/api-event-factory.ts';

/** A JSON document of exactly `bytes` bytes: `{"pad":"xxx…"}`. */
function jsonOfSize(bytes: number, fill = 'x'): string {
  const overhead = '{"pad":""}'.length;
  return `{"pad":"${fill.repeat(bytes - overhead)}"}`;
}

function submitEvent(body: string | undefined, contentType: string | undefined, isBase64Encoded = false) {
  return apiEventFactory({ routeKey: 'POST /jobs', body, headers: { 'content-type': contentType }, isBase64Encoded });
}

describe('jsonBody', () => {
  it.each(['application/json', 'application/json; charset=utf-8', 'Application/JSON;charset=UTF-8', 'application/vnd.api+json'])(
    'parses a body sent as %s',
    (contentType) => {
      // Prepare
      const event = submitEvent('{"type":"echo","payload":{}}', contentType);

      // Act
      const body = jsonBody(event);

      // Assess
      expect(body).toEqual({ type: 'echo', payload: {} });
    },
  );

  it.each([
    ['no content type', undefined],
    ['an empty content type', ''],
    ['text/plain', 'text/plain'],
    ['a form', 'application/x-www-form-urlencoded'],
    ['a JSON look-alike', 'application/jsonp'],
  ])('answers 415 for %s', (_, contentType) => {
    // Prepare
    const event = submitEvent('{"type":"echo","payload":{}}', contentType);

    // Act
    const parse = () => jsonBody(event);

    // Assess
    expect(parse).toThrow(UnsupportedMediaTypeError);
  });

  it('names the content type it refused', () => {
    // Act
    const parse = () => jsonBody(submitEvent('{}', 'text/csv'));

    // Assess
    expect(parse).toThrow("Content-Type must be application/json, 'text/csv' given");
  });

  it('accepts a body of exactly 256 KB', () => {
    // Prepare
    const event = submitEvent(jsonOfSize(MAX_BODY_BYTES), 'application/json');

    // Act
    const body = jsonBody(event) as { pad: string };

    // Assess
    expect(body.pad).toHaveLength(MAX_BODY_BYTES - '{"pad":""}'.length);
  });

  it.each([
    ['one byte over 256 KB', jsonOfSize(MAX_BODY_BYTES + 1)],
    ['over 256 KB in UTF-8 bytes, though not in characters', jsonOfSize(MAX_BODY_BYTES / 2 + 100, 'é')],
  ])('answers 413 for a body %s', (_, text) => {
    // Prepare
    const event = submitEvent(text, 'application/json');

    // Act
    const parse = () => jsonBody(event);

    // Assess
    expect(parse).toThrow(PayloadTooLargeError);
  });

  it('measures a base64 body after decoding: 256 KB of JSON is accepted though its encoding is longer', () => {
    // Prepare
    const encoded = Buffer.from(jsonOfSize(MAX_BODY_BYTES)).toString('base64');
    const event = submitEvent(encoded, 'application/json', true);

    // Act
    const body = jsonBody(event);

    // Assess
    expect(encoded.length).toBeGreaterThan(MAX_BODY_BYTES);
    expect(body).toHaveProperty('pad');
  });

  it('answers 413 for a base64 body that decodes to more than 256 KB', () => {
    // Prepare
    const event = submitEvent(Buffer.from(jsonOfSize(MAX_BODY_BYTES + 1)).toString('base64'), 'application/json', true);

    // Act
    const parse = () => jsonBody(event);

    // Assess
    expect(parse).toThrow(PayloadTooLargeError);
  });

  it.each([
    ['a truncated document', '{"type":'],
    ['an empty body', ''],
    ['no body at all', undefined],
    ['single quotes', "{'type':'echo'}"],
  ])('answers 400 INVALID_JSON for %s', (_, text) => {
    // Prepare
    const event = submitEvent(text, 'application/json');

    // Act
    const parse = () => jsonBody(event);

    // Assess
    expect(parse).toThrow(InvalidJsonError);
  });
});

describe('jsonBody of bytes that are not UTF-8', () => {
  it('answers 400 INVALID_JSON saying the body is not UTF-8, instead of replacing the bytes', () => {
    // Prepare
    const bytes = Buffer.concat([Buffer.from('{"type":"echo","payload":{"name":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}}')]);
    const event = submitEvent(bytes.toString('base64'), 'application/json', true);

    // Act
    const parse = () => jsonBody(event);

    // Assess
    expect(parse).toThrow(InvalidJsonError);
    expect(parse).toThrow('The body is not valid UTF-8');
  });
});

describe('callerOf', () => {
  it.each([
    ['an IAM user', 'arn:aws:iam::123456789012:user/ci-bot', 'arn:aws:iam::123456789012:user/ci-bot'],
    ['an assumed-role session', 'arn:aws:sts::123456789012:assumed-role/JobClient/session-1', 'arn:aws:iam::123456789012:role/JobClient'],
    [
      'a session name with dots and @',
      'arn:aws:sts::123456789012:assumed-role/JobClient/me@example.com',
      'arn:aws:iam::123456789012:role/JobClient',
    ],
    [
      'a session in another partition',
      'arn:aws-cn:sts::123456789012:assumed-role/JobClient/s',
      'arn:aws-cn:iam::123456789012:role/JobClient',
    ],
    ['the root user', 'arn:aws:iam::123456789012:root', 'arn:aws:iam::123456789012:root'],
  ])('identifies %s', (_, userArn, owner) => {
    // Prepare
    const event = apiEventFactory({ routeKey: 'GET /jobs', caller: userArn });

    // Act
    const caller = callerOf(event);

    // Assess
    expect(caller).toBe(owner);
  });

  it('gives two sessions of one role the same owner', () => {
    // Prepare
    const first = apiEventFactory({ routeKey: 'GET /jobs', caller: 'arn:aws:sts::123456789012:assumed-role/JobClient/a' });
    const second = apiEventFactory({ routeKey: 'GET /jobs', caller: 'arn:aws:sts::123456789012:assumed-role/JobClient/b' });

    // Act
    const owners = [callerOf(first), callerOf(second)];

    // Assess
    expect(owners[0]).toBe(owners[1]);
  });

  it('refuses a 3,000-character principal with VALIDATION_FAILED, since it could not be stored as a key', () => {
    // Prepare
    const event = apiEventFactory({ routeKey: 'GET /jobs', caller: `arn:aws:iam::123456789012:user/${'x'.repeat(3_000)}` });

    // Act
    const identify = () => callerOf(event);

    // Assess
    expect(identify).toThrow(ValidationError);
  });

  it('accepts the longest principal IAM allows (a 512-character path and a 64-character role name)', () => {
    // Prepare
    const arn = `arn:aws-us-gov:iam::123456789012:role/${'p'.repeat(510)}/${'r'.repeat(64)}`;
    const event = apiEventFactory({ routeKey: 'GET /jobs', caller: arn });

    // Act
    const caller = callerOf(event);

    // Assess
    expect(caller).toBe(arn);
  });

  it('refuses a request without a caller identity', () => {
    // Prepare
    const event = apiEventFactory({ routeKey: 'GET /jobs', caller: '' });

    // Act
    const identify = () => callerOf(event);

    // Assess
    expect(identify).toThrow(ValidationError);
  });
});

describe('errorResponse', () => {
  const details = [
    { path: 'payload.to', message: 'Invalid email address' },
    { path: 'maxAttempts', message: 'Too big' },
  ];

  it.each<[ApiError, number, string]>([
    [new InvalidJsonError('bad json'), 400, 'INVALID_JSON'],
    [new ValidationError('invalid', details), 400, 'VALIDATION_FAILED'],
    [new UnknownJobTypeError('unknown type'), 400, 'UNKNOWN_JOB_TYPE'],
    [new NotFoundError('no job'), 404, 'NOT_FOUND'],
    [new ConflictError('conflict'), 409, 'CONFLICT'],
    [new PayloadTooLargeError('too large'), 413, 'PAYLOAD_TOO_LARGE'],
    [new UnsupportedMediaTypeError('not json'), 415, 'UNSUPPORTED_MEDIA_TYPE'],
    [new UnavailableError('down'), 503, 'UNAVAILABLE'],
  ])('answers %s with %i %s', (error, status, code) => {
    // Act
    const { result } = errorResponse(error, 'request-0');

    // Assess
    expect(result.statusCode).toBe(status);
    expect(result.headers['content-type']).toBe('application/json');
    expect(JSON.parse(result.body)).toEqual({
      error: { code, message: error.message, ...(error.details === undefined ? {} : { details: error.details }) },
    });
  });

  it('lists every failing field in details', () => {
    // Act
    const { result } = errorResponse(new ValidationError('invalid', details), 'request-0');

    // Assess
    expect(JSON.parse(result.body).error.details).toEqual(details);
  });

  it.each([
    ['a client error', new NotFoundError('x'), false],
    ['an unavailable dependency', new UnavailableError('x'), true],
  ])('flags %s as unexpected only when it is a 5xx', (_, error, unexpected) => {
    // Act
    const response = errorResponse(error, 'request-0');

    // Assess
    expect(response.unexpected).toBe(unexpected);
  });

  const REQUEST_ID = 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef';
  const serviceError = (name: string, httpStatusCode: number, fault: 'client' | 'server' = 'client') =>
    Object.assign(new Error('internal detail: arn:aws:dynamodb:eu-west-1:123456789012:table/jobs-prod-jobs'), {
      name,
      $fault: fault,
      $metadata: { httpStatusCode },
    });

  it.each([
    ['DynamoDB throttling', new ProvisionedThroughputExceededException({ message: 'internal detail', $metadata: { httpStatusCode: 400 } })],
    ['SQS throttling', serviceError('RequestThrottled', 403)],
    ['a 429 from a dependency', serviceError('TooManyRequestsException', 429)],
    ['a 500 from a dependency', serviceError('InternalServerError', 500, 'server')],
    ['a 503 from a dependency', serviceError('ServiceUnavailable', 503, 'server')],
    ['a refused connection', Object.assign(new Error('internal detail'), { code: 'ECONNREFUSED' })],
    ['a reset connection', Object.assign(new Error('internal detail'), { code: 'ECONNRESET' })],
    ['an SDK timeout', Object.assign(new Error('internal detail'), { name: 'TimeoutError' })],
  ])('answers 503 UNAVAILABLE with Retry-After for %s, without its message', (_, error) => {
    // Act
    const { result, unexpected } = errorResponse(error, REQUEST_ID);

    // Assess
    expect(result.statusCode).toBe(503);
    expect(result.headers['retry-after']).toBe('1');
    expect(JSON.parse(result.body).error.code).toBe('UNAVAILABLE');
    expect(result.body).not.toContain('internal detail');
    expect(unexpected).toBe(true);
  });

  it.each([
    ['AccessDenied from a dependency', serviceError('AccessDeniedException', 400)],
    ['an S3-style AccessDenied', serviceError('AccessDenied', 403)],
    ['a ValidationException from a dependency', serviceError('ValidationException', 400)],
    [
      'a failed condition nobody handled',
      new ConditionalCheckFailedException({ message: 'internal detail', $metadata: { httpStatusCode: 400 } }),
    ],
    ['a KMS key that is disabled', serviceError('KMS.DisabledException', 400)],
    ['an Error', new Error('internal detail: table jobs-prod')],
    ['a TypeError', new TypeError('internal detail: cannot read properties of undefined')],
    ['a thrown string', 'internal detail'],
    ['undefined', undefined],
  ])('answers a permanent failure, %s, with 500 INTERNAL and the request id, never 503, and no internals', (_, error) => {
    // Act
    const { result, unexpected } = errorResponse(error, REQUEST_ID);

    // Assess
    expect(result.statusCode).toBe(500);
    expect(result.headers['retry-after']).toBeUndefined();
    expect(JSON.parse(result.body)).toEqual({
      error: { code: 'INTERNAL', message: `Unexpected error; it has been logged with request id ${REQUEST_ID}`, requestId: REQUEST_ID },
    });
    expect(result.body).not.toContain('internal detail');
    expect(unexpected).toBe(true);
  });
});
