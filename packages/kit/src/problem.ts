/** RFC 9457 problem details: the one error shape every service and the gateway answer with. */

export interface FieldError {
  path: string;
  message: string;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

function kebab(code: string): string {
  return code.toLowerCase().replace(/_/g, '-');
}

export function problemType(code: string): string {
  return `urn:microshop:problem:${kebab(code)}`;
}

/** An error that knows its HTTP status and stable code; thrown by routes and domain adapters. */
export class HttpProblem extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly errors: FieldError[] | undefined;
  readonly extensions: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    code: string,
    title: string,
    detail?: string,
    extras: { errors?: FieldError[]; extensions?: Record<string, unknown>; headers?: Record<string, string> } = {},
  ) {
    super(detail ?? title);
    this.name = 'HttpProblem';
    this.status = status;
    this.code = code;
    this.title = title;
    this.errors = extras.errors;
    this.extensions = extras.extensions ?? {};
    this.headers = extras.headers ?? {};
  }

  toBody(instance?: string): ProblemBody {
    const body: ProblemBody = {
      ...this.extensions,
      type: problemType(this.code),
      title: this.title,
      status: this.status,
      detail: this.message,
    };
    if (instance !== undefined) body.instance = instance;
    if (this.errors !== undefined) body.errors = this.errors;
    return body;
  }
}

export interface ErrorDefinition {
  status: number;
  title: string;
}

export type ErrorFactory = (detail?: string, extras?: ConstructorParameters<typeof HttpProblem>[4]) => HttpProblem;

/**
 * Declares a service's error catalog: each entry becomes a factory for an HttpProblem with a
 * stable code. Unknown errors never pass through here; the kit's error handler turns them into
 * one generic 500.
 */
export function defineErrors<const C extends Record<string, ErrorDefinition>>(catalog: C): { [K in keyof C]: ErrorFactory } {
  const factories: Record<string, ErrorFactory> = {};
  for (const [code, def] of Object.entries(catalog)) {
    factories[code] = (detail, extras) => new HttpProblem(def.status, code, def.title, detail, extras);
  }
  return factories as { [K in keyof C]: ErrorFactory };
}

/** The errors the kit itself raises, shared by every service and the gateway. */
export const commonErrors = defineErrors({
  VALIDATION_FAILED: { status: 400, title: 'The request is not valid' },
  MALFORMED_JSON: { status: 400, title: 'The request body is not valid JSON' },
  BAD_REQUEST: { status: 400, title: 'Bad request' },
  UNAUTHORIZED: { status: 401, title: 'Authentication required' },
  FORBIDDEN: { status: 403, title: 'Not allowed' },
  NOT_FOUND: { status: 404, title: 'Not found' },
  METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed' },
  REQUEST_TIMEOUT: { status: 408, title: 'The request took too long to arrive' },
  CONFLICT: { status: 409, title: 'Conflict' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'The request body is too large' },
  URI_TOO_LONG: { status: 414, title: 'The URI is too long' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type' },
  EXPECTATION_FAILED: { status: 417, title: 'Expectation failed' },
  UNPROCESSABLE: { status: 422, title: 'The request cannot be processed' },
  TOO_MANY_REQUESTS: { status: 429, title: 'Too many requests' },
  HEADERS_TOO_LARGE: { status: 431, title: 'The request headers are too large' },
  INTERNAL: { status: 500, title: 'Internal server error' },
  BAD_GATEWAY: { status: 502, title: 'Bad gateway' },
  SERVICE_UNAVAILABLE: { status: 503, title: 'Service unavailable' },
  GATEWAY_TIMEOUT: { status: 504, title: 'Gateway timeout' },
});
