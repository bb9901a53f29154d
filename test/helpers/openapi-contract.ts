import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { openApiDocument } from '../../functions/api/openapi.ts';
import { API_ROUTES, parseRouteKey, type ApiRouteKey } from '../../functions/api/routes.ts';
import { matchRoute } from '../../local/api-gateway.ts';

interface DocumentedResponse {
  readonly headers?: Record<string, { readonly required?: boolean }>;
  readonly content?: Record<string, { readonly schema: unknown }>;
}

/** What a response must be to keep the contract, or the ways it breaks it. */
export interface ContractCheck {
  readonly routeKey: ApiRouteKey;
  readonly status: number;
  readonly problems: string[];
}

/**
 * Checks answers of the API against its OpenAPI document: the status must be documented for the
 * route, the body must match that status's schema (JSON Schema 2020-12, with formats), and every
 * header the document requires for that status must be there. Records which statuses of which
 * routes were seen, so a test can tell what it covered.
 */
export class OpenApiContract {
  readonly document = openApiDocument({ drillJobTypes: true });
  private readonly ajv = addFormats.default(new Ajv2020({ strict: false, allErrors: true }));
  private readonly validators = new Map<string, ValidateFunction>();
  readonly seen = new Map<ApiRouteKey, Set<number>>();
  /** Every way a noted answer broke the contract, with its request. */
  readonly violations: string[] = [];

  constructor() {
    this.ajv.addSchema(this.document, 'openapi.json');
  }

  private responses(routeKey: ApiRouteKey): Record<string, DocumentedResponse> {
    const { method, path } = parseRouteKey(routeKey);
    const paths = this.document.paths as Record<string, Record<string, { responses: Record<string, DocumentedResponse> }>>;
    const operation = paths[path]?.[method.toLowerCase()];
    if (operation === undefined) throw new Error(`${routeKey} is not in the document`);
    return operation.responses;
  }

  /** The statuses the document gives a route. */
  documentedStatuses(routeKey: ApiRouteKey): number[] {
    return Object.keys(this.responses(routeKey)).map(Number);
  }

  check(routeKey: ApiRouteKey, status: number, headers: Headers, text: string): ContractCheck {
    this.seen.set(routeKey, (this.seen.get(routeKey) ?? new Set()).add(status));
    const documented = this.responses(routeKey)[String(status)];
    if (documented === undefined) return { routeKey, status, problems: [`status ${status} is not documented for ${routeKey}`] };
    const problems: string[] = [];
    for (const [name, header] of Object.entries(documented.headers ?? {})) {
      if (header.required === true && headers.get(name) === null) problems.push(`header ${name} missing`);
    }
    const contentType = (headers.get('content-type') ?? '').split(';')[0] ?? '';
    const content = documented.content?.[contentType];
    if (content === undefined) {
      problems.push(`content type '${contentType}' is not documented for ${status}`);
      return { routeKey, status, problems };
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return { routeKey, status, problems: [...problems, 'body is not JSON'] };
    }
    const validate = this.validator(routeKey, status, contentType);
    if (!validate(body)) problems.push(...(validate.errors ?? []).map((error) => `body${error.instancePath} ${error.message ?? ''}`));
    return { routeKey, status, problems };
  }

  private validator(routeKey: ApiRouteKey, status: number, contentType: string): ValidateFunction {
    const { method, path } = parseRouteKey(routeKey);
    return this.compiled(['paths', path, method.toLowerCase(), 'responses', String(status), 'content', contentType, 'schema']);
  }

  /** A validator of the schema at a JSON pointer into the document, compiled once. */
  private compiled(parts: readonly string[]): ValidateFunction {
    const pointer = parts.map((part) => part.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');
    let validate = this.validators.get(pointer);
    if (validate === undefined) {
      validate = this.ajv.compile({ $ref: `openapi.json#/${pointer}` });
      this.validators.set(pointer, validate);
    }
    return validate;
  }

  /**
   * Checks the answer to a request of the local API, if its path is one of the API's routes (the
   * gateway answers other paths, and malformed ones, itself).
   */
  note(method: string, pathAndQuery: string, status: number, headers: Headers, text: string): void {
    let matched: ReturnType<typeof matchRoute>;
    try {
      matched = matchRoute(method, new URL(pathAndQuery, 'http://localhost').pathname);
    } catch {
      return;
    }
    if (matched === undefined || pathAndQuery === '/openapi.json') return;
    const { problems } = this.check(matched.routeKey as ApiRouteKey, status, headers, text);
    for (const problem of problems) this.violations.push(`${method} ${pathAndQuery.slice(0, 120)} → ${status}: ${problem}`);
  }

  /** Whether a request body matches the route's documented request schema. */
  acceptsRequest(routeKey: ApiRouteKey, body: unknown): boolean {
    const { method, path } = parseRouteKey(routeKey);
    const pointer = ['paths', path, method.toLowerCase(), 'requestBody', 'content', 'application/json', 'schema'];
    return this.compiled(pointer)(body) === true;
  }

  /** Documented statuses of each route that no checked answer had. */
  unseen(except: ReadonlySet<number> = new Set()): string[] {
    return API_ROUTES.flatMap((routeKey) =>
      this.documentedStatuses(routeKey)
        .filter((status) => !except.has(status) && !(this.seen.get(routeKey)?.has(status) ?? false))
        .map((status) => `${routeKey} ${status}`),
    );
  }
}
