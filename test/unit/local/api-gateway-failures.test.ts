import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ROUTES, parseRouteKey } from '../../../functions/api/routes.ts';
import { startApiGateway } from '../../../local/api-gateway.ts';
import { OpenApiContract } from '../../helpers/openapi-contract.ts';

/**
 * API Gateway's own answer when the function behind it fails (a crash, a timeout, a throttle):
 * 500 `{"message": "Internal Server Error"}`, which the document must allow on every route,
 * `POST /jobs/batch` included, whose handler answers every other failure in the slots.
 */
describe('the local gateway when the API function fails', () => {
  let gateway: Awaited<ReturnType<typeof startApiGateway>>;
  const contract = new OpenApiContract();

  beforeAll(async () => {
    gateway = await startApiGateway(0, () => Promise.reject(new Error('the function process exited')));
  });

  afterAll(async () => {
    await gateway.close();
  });

  it.each(API_ROUTES)('answers %s with API Gateway’s 500, as the document allows', async (routeKey) => {
    // Prepare
    const { method, path } = parseRouteKey(routeKey);
    const body = method === 'POST' || method === 'PATCH' ? JSON.stringify({ jobs: [{ type: 'echo', payload: {} }] }) : undefined;

    // Act
    const response = await fetch(`${gateway.url}${path.replace('{jobId}', 'job-1').replace('{name}', 'nightly')}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body }),
    });
    const text = await response.text();

    // Assess
    expect(response.status).toBe(500);
    expect(JSON.parse(text)).toEqual({ message: 'Internal Server Error' });
    expect(contract.check(routeKey, response.status, response.headers, text).problems).toEqual([]);
  });
});
