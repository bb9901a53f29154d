import { ApiError, InternalError, UnavailableError } from '../domain/errors.ts';

/**
 * Error codes the AWS SDK itself retries as throttling (`@smithy/service-error-classification`);
 * SQS answers `RequestThrottled` with a 403, so the name counts, not only the status.
 */
const THROTTLING_ERROR_NAMES = new Set([
  'BandwidthLimitExceeded',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'TransactionInProgressException',
  'KMSThrottlingException',
]);
const TIMEOUT_ERROR_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);
const NETWORK_ERROR_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN']);

interface SdkErrorShape {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly $fault?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number };
  readonly $retryable?: unknown;
}

/**
 * True when a dependency failed in a way a retry can fix: throttling, a timeout, a broken
 * connection or a 5xx. Everything else (AccessDenied, ValidationException, a bug) is permanent:
 * telling the caller to retry it would only repeat the failure.
 */
export function isRetryableDependencyError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, code, $fault, $metadata, $retryable } = error as SdkErrorShape;
  const status = $metadata?.httpStatusCode ?? 0;
  return (
    (typeof name === 'string' && (THROTTLING_ERROR_NAMES.has(name) || TIMEOUT_ERROR_NAMES.has(name))) ||
    (typeof code === 'string' && NETWORK_ERROR_CODES.has(code)) ||
    status === 429 ||
    status >= 500 ||
    $fault === 'server' ||
    $retryable !== undefined
  );
}

/**
 * The API error an error is answered with: an `ApiError` as it is; a dependency failure a retry
 * can fix as `503` (safe to resend); anything else as `500 INTERNAL` (a retry will not help).
 * The same mapping serves a whole request and one slot of a batch, each with its own wording.
 */
export function asApiError(error: unknown, messages: { readonly unavailable: string; readonly internal: string }): ApiError {
  if (error instanceof ApiError) return error;
  return isRetryableDependencyError(error)
    ? new UnavailableError(messages.unavailable, undefined, { cause: error })
    : new InternalError(messages.internal, undefined, { cause: error });
}
