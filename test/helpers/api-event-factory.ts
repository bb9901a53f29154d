import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2WithIAMAuthorizer } from 'aws-lambda';
import type { ApiRouteKey } from '../../functions/api/routes.ts';

/** The caller the IAM authorizer reports unless a test says otherwise (the local runtime's default). */
export const DEFAULT_CALLER = 'arn:aws:iam::000000000000:user/local-user';

export interface ApiEventOptions {
  readonly routeKey: ApiRouteKey;
  /** A string is sent as is; anything else as JSON. */
  readonly body?: unknown;
  /** Lower-case names, as API Gateway passes them; a name set to undefined removes a default header. */
  readonly headers?: Record<string, string | undefined>;
  readonly pathParameters?: Record<string, string>;
  readonly queryStringParameters?: Record<string, string>;
  /** The IAM principal ARN of the caller. */
  readonly caller?: string;
  readonly isBase64Encoded?: boolean;
}

/** API Gateway's request time format: `12/Mar/2020:19:03:58 +0000`. */
function requestTime(epochMs: number): string {
  const [, day, month, year, time] = new Date(epochMs).toUTCString().split(' ');
  return `${day}/${month}/${year}:${time} +0000`;
}

/**
 * An HTTP API (payload format 2.0) event with IAM authorization, as API Gateway hands it to
 * the API function. A request with a body gets `content-type: application/json` by default.
 */
export function apiEventFactory(options: ApiEventOptions): APIGatewayProxyEventV2WithIAMAuthorizer {
  const { routeKey, body, pathParameters, queryStringParameters, caller = DEFAULT_CALLER } = options;
  const [method = 'GET', template = '/'] = routeKey.split(' ');
  const rawPath = template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(pathParameters?.[name] ?? ''));
  const rawQueryString = new URLSearchParams(queryStringParameters ?? {}).toString();
  const headers = Object.fromEntries(
    Object.entries({
      host: 'api.example.com',
      'user-agent': 'vitest',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    }).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  const now = Date.now();
  const accountId = /^arn:[\w-]+:(?:iam|sts)::(\d{12}):/.exec(caller)?.[1] ?? '000000000000';
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString,
    headers,
    ...(queryStringParameters === undefined ? {} : { queryStringParameters }),
    ...(pathParameters === undefined ? {} : { pathParameters }),
    requestContext: {
      accountId: '000000000000',
      apiId: 'testapi',
      authorizer: {
        iam: {
          accessKey: 'AKIAIOSFODNN7EXAMPLE',
          accountId,
          callerId: 'AIDACKCEVSQ6C2EXAMPLE',
          cognitoIdentity: null,
          principalOrgId: '',
          userArn: caller,
          userId: 'AIDACKCEVSQ6C2EXAMPLE',
        },
      },
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: requestTime(now),
      timeEpoch: now,
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    isBase64Encoded: options.isBase64Encoded ?? false,
  };
}
