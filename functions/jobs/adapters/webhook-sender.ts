/** How long one try waits for the receiver's answer (SPEC §11). */
export const WEBHOOK_TIMEOUT_MS = 10_000;

/**
 * POSTs one signed delivery and answers the receiver's HTTP status, or why none came
 * (`timeout`, `network error`). Redirects are not followed: a signed body goes only where the
 * caller said. The answer's body is never read, so a receiver cannot make the deliverer hold it.
 */
export async function postWebhook(
  url: string,
  body: string,
  headers: Readonly<Record<string, string>>,
  timeoutMs = WEBHOOK_TIMEOUT_MS,
): Promise<number | string> {
  try {
    const response = await fetch(url, { method: 'POST', body, headers, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel().catch(() => undefined);
    return response.status;
  } catch (error) {
    return error instanceof Error && error.name === 'TimeoutError' ? 'timeout' : 'network error';
  }
}
