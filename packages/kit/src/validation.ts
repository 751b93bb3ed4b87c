import { Ajv, type ErrorObject, type Options } from 'ajv';
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

/**
 * Two validators: bodies are checked as sent (a string is not a number), while query strings,
 * path parameters and headers are text by nature and get coerced to the declared types.
 */
export function createValidatorCompiler(): FastifySchemaCompiler<FastifySchema> {
  const strictAjv = addFormats(new Ajv({ ...shared, coerceTypes: false }));
  const coercingAjv = addFormats(new Ajv({ ...shared, coerceTypes: 'array' }));
  return ({ schema, httpPart }) => {
    const ajv = httpPart === 'body' ? strictAjv : coercingAjv;
    return ajv.compile(schema as object);
  };
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
