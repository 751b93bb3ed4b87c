import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance, FastifySchema, FastifySchemaCompiler, RouteOptions } from 'fastify';
import type { FieldError } from './problem.js';

// ajv-formats is CommonJS; under NodeNext its default export arrives wrapped.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

const shared: Options = {
  allErrors: true,
  // Unknown fields are rejected by `additionalProperties: false`, never silently dropped.
  removeAdditional: false,
  useDefaults: true,
  strict: false,
  // Route schemas may share an `$id`; compile each without registering it globally.
  addUsedSchema: false,
};

/** What Fastify calls to validate a part of a request: Ajv's function, or one standing in for it. */
type Validator = ((data: unknown, context?: object) => boolean) & { errors?: ErrorObject[] | null; schemaEnv?: unknown };

/**
 * A validator compiled by `compile` when it is first called, not before. Compiling every route's
 * schemas was a fifth of a service's start-up CPU (Ajv in a profile of catalog's start), most of
 * it for routes a process may never serve. It stands in for Ajv's function: the errors of the
 * last call are its own, and it has a `schemaEnv`, so that Fastify passes the value's parent and
 * Ajv can coerce or default the value itself (a query string's root).
 */
function compiledOnFirstUse(compile: () => ValidateFunction): Validator {
  let compiled: ValidateFunction | undefined;
  const validate: Validator = (data, context) => {
    compiled ??= compile();
    const valid = compiled(data, context as Parameters<ValidateFunction>[1]);
    validate.errors = compiled.errors;
    return valid;
  };
  validate.errors = null;
  validate.schemaEnv = true;
  return validate;
}

/**
 * Two validators: bodies are checked as sent (a string is not a number), while query strings,
 * path parameters and headers are text by nature and get coerced to the declared types. Each is
 * compiled when its route first gets a request.
 */
export function createValidatorCompiler(): FastifySchemaCompiler<FastifySchema> {
  let strictAjv: Ajv | undefined;
  let coercingAjv: Ajv | undefined;
  return ({ schema, httpPart }) =>
    compiledOnFirstUse(() => {
      const ajv =
        httpPart === 'body'
          ? (strictAjv ??= addFormats(new Ajv({ ...shared, coerceTypes: false })))
          : (coercingAjv ??= addFormats(new Ajv({ ...shared, coerceTypes: 'array' })));
      return ajv.compile(schema as object);
    });
}

function joinPath(prefix: string, instancePath: string, extra?: string): string {
  const parts = instancePath
    .split('/')
    .filter(Boolean)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extra !== undefined) parts.push(extra);
  const path = parts.join('.');
  return prefix ? (path ? `${prefix}.${path}` : prefix) : path;
}

/** Turns ajv errors into `{ path, message }` entries that name each bad field. */
export function fieldErrors(errors: readonly ErrorObject[], context: string | undefined): FieldError[] {
  const prefix = context === 'querystring' ? 'query' : context === 'params' ? 'params' : context === 'headers' ? 'headers' : '';
  const out: FieldError[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    let path: string;
    let message: string;
    const params = e.params as Record<string, unknown>;
    switch (e.keyword) {
      case 'additionalProperties':
        path = joinPath(prefix, e.instancePath, String(params.additionalProperty));
        message = 'is not an allowed field';
        break;
      case 'required':
        path = joinPath(prefix, e.instancePath, String(params.missingProperty));
        message = 'is required';
        break;
      default:
        path = joinPath(prefix, e.instancePath);
        message = e.message ?? 'is invalid';
    }
    const key = `${path}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ path: path || prefix || 'body', message });
  }
  return out;
}

/** Set on a scope (see acceptAnyQuery) whose routes take whatever query string they are sent. */
const ANY_QUERY = Symbol('microshop.anyQuery');

/**
 * Lets the routes `scope` and its children register take any query string: pages and files a
 * browser asks for (campaign tags, cache-busters), and a proxy whose upstream judges the query.
 */
export function acceptAnyQuery(scope: FastifyInstance): void {
  if (!scope.hasDecorator(ANY_QUERY)) scope.decorate(ANY_QUERY, true);
}

/**
 * An onRoute hook: unknown query parameters are a 400 naming each. A route without a querystring
 * schema takes none; an object schema that does not say otherwise takes only what it lists. The
 * route gets its own copy: a contract's schema shared with other routes is left as it was.
 */
export function strictQuery(this: FastifyInstance, route: RouteOptions): void {
  if ((this as unknown as Record<symbol, unknown>)[ANY_QUERY] === true) return;
  const schema = route.schema ?? {};
  const query = schema.querystring as Record<string, unknown> | undefined;
  if (query === undefined) {
    route.schema = { ...schema, querystring: { type: 'object', properties: {}, additionalProperties: false } };
  } else if (query.type === 'object' && query.additionalProperties === undefined) {
    route.schema = { ...schema, querystring: { ...query, additionalProperties: false } };
  }
}
