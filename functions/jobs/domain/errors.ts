/** Codes the API returns in `{"error": {"code"}}`, one per error class below. */
export type ApiErrorCode =
  | 'INVALID_JSON'
  | 'VALIDATION_FAILED'
  | 'UNKNOWN_JOB_TYPE'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'UNAVAILABLE'
  | 'INTERNAL';

export interface FieldProblem {
  readonly path: string;
  readonly message: string;
}

/** An error the API turns into a response with its own status and code. */
export abstract class ApiError extends Error {
  abstract readonly status: number;
  abstract readonly code: ApiErrorCode;
  readonly details: readonly FieldProblem[] | undefined;

  constructor(message: string, details?: readonly FieldProblem[], options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.details = details;
  }
}

export class InvalidJsonError extends ApiError {
  readonly status = 400;
  readonly code = 'INVALID_JSON';
}

/** Every failing field is listed in `details`. */
export class ValidationError extends ApiError {
  readonly status = 400;
  readonly code = 'VALIDATION_FAILED';
}

export class UnknownJobTypeError extends ApiError {
  readonly status = 400;
  readonly code = 'UNKNOWN_JOB_TYPE';
}

export class PayloadTooLargeError extends ApiError {
  readonly status = 413;
  readonly code = 'PAYLOAD_TOO_LARGE';
}

export class UnsupportedMediaTypeError extends ApiError {
  readonly status = 415;
  readonly code = 'UNSUPPORTED_MEDIA_TYPE';
}

export class NotFoundError extends ApiError {
  readonly status = 404;
  readonly code = 'NOT_FOUND';
}

export class ConflictError extends ApiError {
  readonly status = 409;
  readonly code = 'CONFLICT';
}

/** A dependency did not answer; nothing was accepted, so the caller may retry. */
export class UnavailableError extends ApiError {
  readonly status = 503;
  readonly code = 'UNAVAILABLE';
}

/**
 * Something failed that no retry can fix (a permanent AWS error such as AccessDenied, a bug):
 * used where an error must be answered in place, as in one slot of a batch.
 */
export class InternalError extends ApiError {
  readonly status = 500;
  readonly code = 'INTERNAL';
}

/**
 * Thrown by a job handler when retrying cannot help (bad input, a refused address):
 * the job goes straight to `failed` (BullMQ calls this `UnrecoverableError`).
 */
export class PermanentJobError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PermanentJobError';
  }
}

/** Thrown when an attempt runs past its job type's timeout; retryable. */
export class JobTimeoutError extends Error {
  constructor(timeoutSeconds: number) {
    super(`attempt timed out after ${timeoutSeconds} s`);
    this.name = 'JobTimeoutError';
  }
}
