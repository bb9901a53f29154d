import type { components } from './openapi-types.ts';

/** The `error.code` values of the API, from its contract. */
export type ApiErrorCode = components['schemas']['ErrorDetail']['code'];

export interface FieldProblem {
  readonly path: string;
  readonly message: string;
}

/** An answer of the API that is not a success: its status, code and, for 400s, every failing field. */
export class JobsApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    /** undefined when API Gateway answered itself (`{"message"}`: an unsigned request, an unknown route). */
    readonly code: ApiErrorCode | undefined,
    readonly details: readonly FieldProblem[] = [],
    /** The request id of a 500, as the function's log lines carry it. */
    readonly requestId?: string,
    /** How many times the client sent the request before this answer (1: no retry). */
    readonly attempts = 1,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class InvalidJsonError extends JobsApiError {}
export class ValidationFailedError extends JobsApiError {}
export class UnknownJobTypeError extends JobsApiError {}
export class PayloadTooLargeError extends JobsApiError {}
export class UnsupportedMediaTypeError extends JobsApiError {}
export class NotFoundError extends JobsApiError {}
export class ConflictError extends JobsApiError {}
/** Nothing was accepted and a retry may succeed; the client has already retried it. */
export class UnavailableError extends JobsApiError {}
/** An unexpected error on the platform's side; a retry will not help. Quote `requestId`. */
export class InternalError extends JobsApiError {}

const BY_CODE: Record<ApiErrorCode, typeof JobsApiError> = {
  INVALID_JSON: InvalidJsonError,
  VALIDATION_FAILED: ValidationFailedError,
  UNKNOWN_JOB_TYPE: UnknownJobTypeError,
  PAYLOAD_TOO_LARGE: PayloadTooLargeError,
  UNSUPPORTED_MEDIA_TYPE: UnsupportedMediaTypeError,
  NOT_FOUND: NotFoundError,
  CONFLICT: ConflictError,
  UNAVAILABLE: UnavailableError,
  INTERNAL: InternalError,
};

interface ErrorBody {
  readonly error?: { code?: string; message?: string; details?: FieldProblem[]; requestId?: string };
  readonly message?: string;
}

/** The typed error of an error answer (`{"error": {...}}`, or API Gateway's `{"message"}`). */
export function errorOfResponse(status: number, body: unknown, attempts = 1): JobsApiError {
  const { error, message } = (typeof body === 'object' && body !== null ? body : {}) as ErrorBody;
  const code = error?.code as ApiErrorCode | undefined;
  const ErrorClass = code === undefined ? undefined : BY_CODE[code];
  if (error === undefined || ErrorClass === undefined) {
    return new JobsApiError(message ?? `HTTP ${status}`, status, undefined, [], undefined, attempts);
  }
  return new ErrorClass(error.message ?? code ?? `HTTP ${status}`, status, code, error.details ?? [], error.requestId, attempts);
}

/** The platform could not be reached (connection refused, reset, DNS) after every retry. */
export class NetworkError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'NetworkError';
  }
}

/** `waitFor` gave up before the job finished; `job` is the last state seen. */
export class WaitTimeoutError extends Error {
  constructor(
    message: string,
    readonly job: unknown,
  ) {
    super(message);
    this.name = 'WaitTimeoutError';
  }
}
