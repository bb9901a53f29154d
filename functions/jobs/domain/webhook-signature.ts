import { createHmac, randomBytes } from 'node:crypto';

/**
 * The environment's webhook signing secrets (Secrets Manager `jobs-<env>/webhook-signing`): a
 * rotation makes a new `current` and keeps the one before as `previous`, so a receiver that has
 * not switched yet still finds a signature it can check until the next rotation.
 */
export interface SigningSecrets {
  readonly current: string;
  readonly previous?: string;
}

/** The secret value is not `{"current": "...", "previous"?: "..."}`: the deliverer cannot sign with it. */
export class InvalidSigningSecretError extends Error {
  constructor(reason: string) {
    super(`The webhook signing secret is invalid: ${reason}`);
    this.name = 'InvalidSigningSecretError';
  }
}

/** Parses the secret's JSON value, refusing one without a non-empty `current`. */
export function parseSigningSecrets(value: unknown): SigningSecrets {
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      throw new InvalidSigningSecretError('its value is not JSON');
    }
  }
  const { current, previous } = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  if (typeof current !== 'string' || current === '') throw new InvalidSigningSecretError('it has no "current" string');
  if (previous !== undefined && typeof previous !== 'string') throw new InvalidSigningSecretError('"previous" is not a string');
  return previous === undefined || previous === '' || previous === current ? { current } : { current, previous };
}

/** Hex HMAC-SHA256 of `<t>.<body>`: what a `v1=` entry carries. */
export function signatureOf(secret: string, timestampSeconds: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
}

/**
 * The `Job-Signature` header of one try: `t=<unix seconds>,v1=<hex>` with one `v1=` per valid
 * secret, the current one first (SPEC §11). The timestamp is signed too, so a receiver that
 * refuses old timestamps cannot be sent a captured request again later.
 */
export function signatureHeader(body: string, secrets: SigningSecrets, timestampSeconds: number): string {
  const keys = secrets.previous === undefined ? [secrets.current] : [secrets.current, secrets.previous];
  return [`t=${timestampSeconds}`, ...keys.map((secret) => `v1=${signatureOf(secret, timestampSeconds, body)}`)].join(',');
}

/**
 * `Job-Event-Id`: the same for every try of one event, and for a repeat of the event itself
 * (events are at least once), so receivers deduplicate on it: one job, status and run.
 */
export function webhookEventId(job: { readonly jobId: string; readonly status: string; readonly run: number }): string {
  return `${job.jobId}:${job.status}:${job.run}`;
}

/** A fresh signing key: 32 random bytes, hex (the HMAC-SHA256 block-size guidance asks for at least the hash's 32). */
export function newSigningKey(): string {
  return randomBytes(32).toString('hex');
}

/** The secrets after a rotation: the new key signs first, the one it replaces stays valid until the next rotation. */
export function rotatedSigningSecrets(before: SigningSecrets, newKey: string): SigningSecrets {
  return { current: newKey, previous: before.current };
}
