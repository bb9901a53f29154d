import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApiClient, eventually } from './support/api-client.ts';

const { apiUrl } = inject('platform');

interface Received {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly answered: number;
}

/**
 * A receiver as a client would write one: it verifies `Job-Signature` against the secrets it
 * was given (the README's snippet), and answers each path as the test says.
 */
function verifies(header: string, body: string, secret: string): boolean {
  const parts = header.split(',').map((part) => part.split('=') as [string, string]);
  const timestamp = parts.find(([key]) => key === 't')?.[1];
  const expected = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest();
  return parts.some(([key, value]) => key === 'v1' && value.length === 64 && timingSafeEqual(Buffer.from(value, 'hex'), expected));
}

describe('signed webhooks on the local runtime', () => {
  const received: Received[] = [];
  /** How a path answers its nth request (0-based); 200 unless set. */
  const answers = new Map<string, (nth: number) => number>();
  let server: Server;
  let receiverUrl: string;
  const api = new ApiClient(apiUrl);
  const secret = async () => (await (await fetch(`${apiUrl}/webhook-secret`)).json()) as { current: string; previous?: string };
  const deliveriesTo = (path: string) => received.filter((delivery) => delivery.path === path);

  beforeAll(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const path = request.url ?? '/';
        const answered = answers.get(path)?.(deliveriesTo(path).length) ?? 200;
        received.push({ path, headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), answered });
        response.writeHead(answered).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('POSTs the finished job, signed with the secret the platform prints, once, and counts the try on the job', async () => {
    // Prepare
    const path = '/ok';
    const job = (await api.submit({ type: 'echo', payload: { hello: 'webhook' }, callbackUrl: `${receiverUrl}${path}` })).body;

    // Act
    await api.waitFor(job.jobId, 'completed');
    const [delivery] = await eventually('the delivery', async () => (deliveriesTo(path).length > 0 ? deliveriesTo(path) : undefined));

    // Assess
    const body = JSON.parse(delivery?.body ?? '{}') as { jobId: string; status: string; run: number; result: unknown };
    expect(body).toMatchObject({ jobId: job.jobId, status: 'completed', result: { hello: 'webhook' } });
    expect(body).not.toHaveProperty('payload');
    expect(delivery?.headers['job-event-id']).toBe(`${job.jobId}:completed:${body.run}`);
    expect(delivery?.headers['content-type']).toBe('application/json');
    expect(verifies(String(delivery?.headers['job-signature']), delivery?.body ?? '', (await secret()).current)).toBe(true);
    expect(verifies(String(delivery?.headers['job-signature']), `${delivery?.body} `, (await secret()).current)).toBe(false);
    const shown = await eventually('the try on the job', async () => {
      const current = await api.get(job.jobId);
      return current.callback?.attempts === 1 ? current : undefined;
    });
    expect(shown.callback).toEqual({ url: `${receiverUrl}${path}`, lastStatus: 200, attempts: 1 });
  });

  it('tries a receiver that fails 3 times again, with backoff, until it answers 2xx, and then never again', async () => {
    // Prepare
    const path = '/flaky';
    answers.set(path, (nth) => (nth < 3 ? 500 : 204));
    const job = (await api.submit({ type: 'echo', payload: {}, callbackUrl: `${receiverUrl}${path}` })).body;

    // Act
    await eventually('the delivery that succeeds', async () =>
      deliveriesTo(path).some((delivery) => delivery.answered === 204) ? true : undefined,
    );
    // Tries are 1-2 s apart here: any try after the success would come within 5 s.
    await new Promise((resolve) => setTimeout(resolve, 5_000));

    // Assess
    expect(deliveriesTo(path).map((delivery) => delivery.answered)).toEqual([500, 500, 500, 204]);
    expect(new Set(deliveriesTo(path).map((delivery) => delivery.headers['job-event-id']))).toEqual(new Set([`${job.jobId}:completed:1`]));
    expect((await api.get(job.jobId)).callback).toEqual({ url: `${receiverUrl}${path}`, lastStatus: 204, attempts: 4 });
  });

  it('sends failed and cancelled jobs too, and a receiver that keeps failing never changes the job', async () => {
    // Prepare
    const path = '/down';
    answers.set(path, () => 503);
    const failed = (await api.submit({ type: 'flaky', payload: { failTimes: 9 }, maxAttempts: 1, callbackUrl: `${receiverUrl}${path}` }))
      .body;
    const cancelled = (await api.submit({ type: 'echo', payload: {}, delaySeconds: 900, callbackUrl: `${receiverUrl}/cancelled` })).body;

    // Act
    expect((await api.request('POST', `/jobs/${cancelled.jobId}/cancel`)).status).toBe(200);
    await api.waitFor(failed.jobId, 'failed');
    const failedTries = await eventually('three tries of the failed job', async () => {
      const job = await api.get(failed.jobId);
      return (job.callback?.attempts ?? 0) >= 3 ? job : undefined;
    });
    await eventually('the cancelled job', async () => (deliveriesTo('/cancelled').length > 0 ? true : undefined));

    // Assess
    expect(failedTries).toMatchObject({ status: 'failed', callback: { lastStatus: 503 } });
    expect(deliveriesTo(path).every((delivery) => JSON.parse(delivery.body).status === 'failed')).toBe(true);
    expect(JSON.parse(deliveriesTo('/cancelled')[0]?.body ?? '{}')).toMatchObject({ jobId: cancelled.jobId, status: 'cancelled' });
    // Retrying is an event, not a webhook: a job with attempts left sends nothing until it ends.
    expect(deliveriesTo(path).map((delivery) => delivery.headers['job-event-id'])).not.toContain(`${failed.jobId}:retrying:1`);
  });

  it('signs with the new and the previous secret after a rotation, so a receiver that has not switched still verifies', async () => {
    // Prepare
    const before = await secret();
    const path = '/after-rotation';

    // Act
    const rotated = (await (await fetch(`${apiUrl}/webhook-secret/rotate`, { method: 'POST' })).json()) as {
      current: string;
      previous?: string;
    };
    // The deliverer keeps the secret it read for `webhooks.secretCacheSeconds` (300 s in AWS, 1 s here).
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const job = (await api.submit({ type: 'echo', payload: {}, callbackUrl: `${receiverUrl}${path}` })).body;
    await api.waitFor(job.jobId, 'completed');
    const [delivery] = await eventually('the delivery', async () => (deliveriesTo(path).length > 0 ? deliveriesTo(path) : undefined));

    // Assess
    expect(rotated.previous).toBe(before.current);
    expect(rotated.current).not.toBe(before.current);
    expect(await secret()).toEqual(rotated);
    const header = String(delivery?.headers['job-signature']);
    expect(header.match(/v1=/g)).toHaveLength(2);
    expect(verifies(header, delivery?.body ?? '', rotated.current)).toBe(true);
    expect(verifies(header, delivery?.body ?? '', before.current)).toBe(true);
  });
});
