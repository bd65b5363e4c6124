/**
 * The one error type of Meridian. An error carries a category; one table maps
 * the category to the HTTP status and the default OperationOutcome issue code.
 */
export type ErrorCategory =
  | 'incorrect' // 400: the request is malformed or invalid
  | 'unauthorized' // 401
  | 'forbidden' // 403
  | 'not-found' // 404
  | 'not-allowed' // 405: method not supported on this path
  | 'not-acceptable' // 406
  | 'conflict' // 409
  | 'gone' // 410
  | 'precondition-failed' // 412
  | 'too-large' // 413
  | 'unsupported-media' // 415
  | 'unprocessable' // 422: parses, but is not a valid resource
  | 'too-many' // 412 with multiple matches (conditional ops)
  | 'rate-limited' // 429
  | 'unsupported' // 501
  | 'busy' // 503
  | 'fault'; // 500: a bug of ours

export type IssueSeverity = 'fatal' | 'error' | 'warning' | 'information';

export interface Issue {
  severity: IssueSeverity;
  code: string;
  diagnostics?: string;
  expression?: string[];
}

const CATEGORY: Record<ErrorCategory, { status: number; code: string }> = {
  incorrect: { status: 400, code: 'invalid' },
  unauthorized: { status: 401, code: 'login' },
  forbidden: { status: 403, code: 'forbidden' },
  'not-found': { status: 404, code: 'not-found' },
  'not-allowed': { status: 405, code: 'not-supported' },
  'not-acceptable': { status: 406, code: 'not-supported' },
  conflict: { status: 409, code: 'conflict' },
  gone: { status: 410, code: 'deleted' },
  'precondition-failed': { status: 412, code: 'conflict' },
  'too-large': { status: 413, code: 'too-long' },
  'unsupported-media': { status: 415, code: 'not-supported' },
  unprocessable: { status: 422, code: 'processing' },
  'too-many': { status: 412, code: 'multiple-matches' },
  'rate-limited': { status: 429, code: 'throttled' },
  unsupported: { status: 501, code: 'not-supported' },
  busy: { status: 503, code: 'transient' },
  fault: { status: 500, code: 'exception' },
};

export function statusOf(category: ErrorCategory): number {
  return CATEGORY[category].status;
}

export class FhirError extends Error {
  readonly category: ErrorCategory;
  readonly issues: Issue[];
  /** The version ETag to send with the error (410 for a deleted version). */
  readonly etag?: string;

  constructor(category: ErrorCategory, diagnostics: string, opts: { code?: string; expression?: string[]; issues?: Issue[]; etag?: string } = {}) {
    super(diagnostics);
    this.name = 'FhirError';
    this.category = category;
    this.etag = opts.etag;
    this.issues = opts.issues ?? [
      {
        severity: 'error',
        code: opts.code ?? CATEGORY[category].code,
        diagnostics,
        ...(opts.expression ? { expression: opts.expression } : {}),
      },
    ];
  }

  get status(): number {
    return CATEGORY[this.category].status;
  }

  toOperationOutcome(): OperationOutcome {
    return operationOutcome(this.issues);
  }
}

export interface OperationOutcome {
  resourceType: 'OperationOutcome';
  issue: Issue[];
  [key: string]: unknown;
}

export function operationOutcome(issues: Issue[]): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: issues };
}

export function informational(diagnostics: string): OperationOutcome {
  return operationOutcome([{ severity: 'information', code: 'informational', diagnostics }]);
}

/** Wraps anything thrown into a FhirError; unknown errors become a 500 fault without leaking details. */
export function asFhirError(err: unknown): FhirError {
  if (err instanceof FhirError) return err;
  return new FhirError('fault', 'An internal error occurred; the request was not carried out. See the server log for details.');
}
