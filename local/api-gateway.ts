import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import type { APIGatewayProxyEventV2WithIAMAuthorizer } from 'aws-lambda';
import { API_ROUTES, parseRouteKey } from '../functions/api/routes.ts';
import { ensurePortFree, listenOnLoopback } from './services/ports.ts';

/** The request header that names the caller locally, where AWS would use the SigV4 signer. */
export const CALLER_HEADER = 'x-caller-id';
export const DEFAULT_CALLER = 'local-user';
/** API Gateway HTTP APIs accept bodies up to 10 MB; larger ones never reach the function. */
const GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024;

interface CompiledRoute {
  readonly routeKey: string;
  readonly method: string;
  readonly pattern: RegExp;
  readonly parameters: string[];
}

const routes: CompiledRoute[] = API_ROUTES.map((routeKey) => {
  const { method, path } = parseRouteKey(routeKey);
  const parameters: string[] = [];
  const source = path.replace(/\{(\w+)\}/g, (_, name: string) => {
    parameters.push(name);
    return '([^/]+)';
  });
  return { routeKey, method, pattern: new RegExp(`^${source}$`), parameters };
});

/** The API route a request path matches, as API Gateway would pick it; throws on a malformed percent-escape. */
export function matchRoute(method: string, path: string): { routeKey: string; pathParameters?: Record<string, string> } | undefined {
  for (const route of routes) {
    const found = route.method === method ? route.pattern.exec(path) : null;
    if (found === null) continue;
    if (route.parameters.length === 0) return { routeKey: route.routeKey };
    return {
      routeKey: route.routeKey,
      pathParameters: Object.fromEntries(route.parameters.map((name, index) => [name, decodeURIComponent(found[index + 1] ?? '')])),
    };
  }
  return undefined;
}

/** The IAM principal a local caller plays: `arn:aws:iam::000000000000:user/<caller>`. */
export function localCallerArn(caller: string): string {
  return `arn:aws:iam::000000000000:user/${caller}`;
}

const isText = (contentType: string) => /^(text\/|application\/([\w.+-]+\+)?(json|xml|x-www-form-urlencoded))/i.test(contentType);

/** Builds the payload-2.0 event API Gateway would hand the function for this request. */
function toEvent(
  request: IncomingMessage,
  body: Buffer,
  routeKey: string,
  pathParameters?: Record<string, string>,
): APIGatewayProxyEventV2WithIAMAuthorizer {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = name in query ? `${query[name]},${value}` : value;
  const caller = headers[CALLER_HEADER] || DEFAULT_CALLER;
  const now = new Date();
  // Bytes that are not UTF-8 travel base64-encoded, as API Gateway passes binary bodies, so the
  // function sees and measures the bytes sent rather than their replacement characters.
  const text = isText(headers['content-type'] ?? '') && isUtf8(body);
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    ...(pathParameters === undefined ? {} : { pathParameters }),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'localhost',
      http: {
        method: request.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
      authorizer: {
        iam: {
          accessKey: 'LOCAL',
          accountId: '000000000000',
          callerId: caller,
          cognitoIdentity: null,
          principalOrgId: '',
          userArn: localCallerArn(caller),
          userId: caller,
        },
      },
    },
    ...(body.byteLength > 0 ? { body: text ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: body.byteLength > 0 && !text,
  } as APIGatewayProxyEventV2WithIAMAuthorizer;
}

export interface ApiGatewayResult {
  statusCode: number;
  headers?: Record<string, string>;
  body?: string;
  isBase64Encoded?: boolean;
}

/**
 * A local stand-in for the HTTP API: matches the request to one of the API's routes, turns it
 * into an API Gateway event and returns the function's response. Unmatched paths get the
 * gateway's own 404, as in AWS.
 */
/** The shape of a SigV4 `Authorization` header for API Gateway (`execute-api`), as the SDK signers write it. */
const SIGV4_EXECUTE_API =
  /^AWS4-HMAC-SHA256 Credential=[^/\s]+\/\d{8}\/[a-z0-9-]+\/execute-api\/aws4_request, ?SignedHeaders=[a-z0-9;-]+, ?Signature=[0-9a-f]{64}$/;

/**
 * Whether the gateway lets a request through to the routes: locally, with no header (the caller
 * comes from `x-caller-id`), or with one shaped like a SigV4 signature for `execute-api`, which
 * is not verified here (there are no AWS credentials to verify it with). Anything else is what
 * API Gateway's IAM authorizer answers 403 to, and so is it here.
 */
function acceptableAuthorization(header: string | undefined): boolean {
  return header === undefined || SIGV4_EXECUTE_API.test(header);
}

/** A path the local gateway answers itself, next to the API's routes (e.g. `GET /metrics`). */
export type LocalEndpoint = () => Promise<{ contentType: string; body: string }>;

export async function startApiGateway(
  port: number,
  invoke: (event: APIGatewayProxyEventV2WithIAMAuthorizer) => Promise<ApiGatewayResult>,
  localEndpoints: Record<string, LocalEndpoint> = {},
): Promise<{ url: string; server: Server; mount(prefix: string, listener: RequestListener): void; close(): Promise<void> }> {
  if (port !== 0) await ensurePortFree(port, 'the local API', 'PORT');
  // Local tools served beside the API under a path of their own (the console at `/console`).
  const mounts = new Map<string, RequestListener>();
  const server = createServer((request, response) => {
    const pathname = (request.url ?? '/').split('?')[0] ?? '/';
    for (const [prefix, listener] of mounts) {
      if (pathname === prefix || pathname.startsWith(`${prefix}/`)) return void listener(request, response);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    request.on('data', (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > GATEWAY_MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    request.on('end', () => {
      const send = (statusCode: number, headers: Record<string, string>, body: string | Buffer) => {
        response.writeHead(statusCode, headers);
        response.end(body);
      };
      if (tooLarge) return send(413, { 'content-type': 'application/json' }, JSON.stringify({ message: 'Request Entity Too Large' }));
      const path = new URL(request.url ?? '/', 'http://localhost').pathname;
      let matched: ReturnType<typeof matchRoute>;
      try {
        matched = matchRoute(request.method ?? 'GET', path);
      } catch {
        // A malformed percent-escape in the path (`/jobs/%E0%A4%A`): the gateway rejects the request itself.
        return send(400, { 'content-type': 'application/json' }, JSON.stringify({ message: 'Bad Request' }));
      }
      const local = localEndpoints[`${request.method ?? 'GET'} ${path}`];
      if (local !== undefined) {
        local().then(
          ({ contentType, body }) => send(200, { 'content-type': contentType }, body),
          () => send(500, { 'content-type': 'text/plain' }, 'local endpoint failed'),
        );
        return;
      }
      if (matched === undefined) return send(404, { 'content-type': 'application/json' }, JSON.stringify({ message: 'Not Found' }));
      if (!acceptableAuthorization(request.headers.authorization)) {
        return send(403, { 'content-type': 'application/json' }, JSON.stringify({ message: 'Forbidden' }));
      }
      invoke(toEvent(request, Buffer.concat(chunks), matched.routeKey, matched.pathParameters)).then(
        (result) =>
          send(
            result.statusCode,
            result.headers ?? {},
            result.isBase64Encoded ? Buffer.from(result.body ?? '', 'base64') : (result.body ?? ''),
          ),
        () => send(500, { 'content-type': 'application/json' }, JSON.stringify({ message: 'Internal Server Error' })),
      );
    });
  });
  const { url, close } = await listenOnLoopback(server, port);
  return { url, server, mount: (prefix, listener) => void mounts.set(prefix, listener), close };
}
