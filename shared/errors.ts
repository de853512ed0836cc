/**
 * One error hierarchy for the whole system. The HTTP middleware maps `status` and `code`
 * onto `{ error: { code, message, details } }`; messages and details must never carry
 * personal data, because they reach clients and logs.
 */
export interface ErrorDetail {
  /** Where in the input, e.g. `records[3].email`. Never the value itself. */
  path?: string;
  code: string;
  message: string;
}

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export class ValidationError extends AppError {
  constructor(message: string, details: ErrorDetail[] = []) {
    super(400, 'VALIDATION_FAILED', message, details);
    this.name = 'ValidationError';
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'Missing or invalid credentials') {
    super(401, 'UNAUTHORIZED', message);
    this.name = 'UnauthorizedError';
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'Your role does not allow this operation') {
    super(403, 'FORBIDDEN', message);
    this.name = 'ForbiddenError';
  }
}

export class NotFoundError extends AppError {
  constructor(message = 'Not found') {
    super(404, 'NOT_FOUND', message);
    this.name = 'NotFoundError';
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(limitBytes: number) {
    super(413, 'PAYLOAD_TOO_LARGE', `Request body exceeds ${limitBytes} bytes`);
    this.name = 'PayloadTooLargeError';
  }
}

export class UnsupportedMediaTypeError extends AppError {
  constructor() {
    super(415, 'UNSUPPORTED_MEDIA_TYPE', 'Content-Type must be application/json when there is a body');
    this.name = 'UnsupportedMediaTypeError';
  }
}

/** Raised at cold start when a setting is missing or malformed: fail fast, name the setting. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export class ConflictError extends AppError {
  constructor(code: string, message: string) {
    super(409, code, message);
    this.name = 'ConflictError';
  }
}

/**
 * The keyring has no secret yet: the deployment's initialiser has not run (docs/deploy.md). Functions never
 * create one themselves; 503 tells the caller to retry once the deployment is complete.
 */
export class NotInitialisedError extends AppError {
  constructor() {
    super(503, 'NOT_INITIALISED', 'riskloop is not initialised yet: the deployment has not completed');
    this.name = 'NotInitialisedError';
  }
}

/** The customer was erased: nothing new may be recorded about them (GDPR Art. 17). */
export class SubjectErasedError extends AppError {
  constructor() {
    super(410, 'SUBJECT_ERASED', 'This customer was erased: nothing new may be recorded about them');
    this.name = 'SubjectErasedError';
  }
}
