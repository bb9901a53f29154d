/**
 * The API's routes as API Gateway route keys. The CDK stack creates exactly these (each with
 * IAM authorization) and the local HTTP server matches requests against the same list.
 */
export const API_ROUTES = [
  'POST /jobs',
  'POST /jobs/batch',
  'GET /jobs',
  'GET /jobs/{jobId}',
  'POST /jobs/{jobId}/cancel',
  'POST /schedules',
  'GET /schedules',
  'GET /schedules/{name}',
  'PATCH /schedules/{name}',
  'DELETE /schedules/{name}',
  'GET /health',
  'GET /stats',
] as const;

export type ApiRouteKey = (typeof API_ROUTES)[number];

/** Splits a route key into its method and path template. */
export function parseRouteKey(routeKey: ApiRouteKey): { method: string; path: string } {
  const [method, path] = routeKey.split(' ') as [string, string];
  return { method, path };
}
