import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Caller } from '../identity.js';
import { commonErrors } from '../problem.js';
import { SERVICE_TOKEN_HEADER } from './bundle.js';
import { bearerToken, type Trust } from './trust.js';

/**
 * Who may call a route, declared in its `config.access`:
 * - `public`: anyone; credentials are not even read (a token sent along is ignored, never refused);
 * - `user` / `admin`: an end user's identity token (401 without one, 403 for a customer on `admin`);
 * - `service`: a Microshop service's credential addressed to this service;
 * - `service-user`: both (a service acting for a signed-in user).
 * A route that declares nothing is `service`: nothing is opened by forgetting.
 */
export type Access = 'public' | 'user' | 'admin' | 'service' | 'service-user';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    caller: Caller;
  }
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

async function establish(trust: Trust, request: FastifyRequest, access: Access): Promise<Caller> {
  const caller: Caller = { user: null, token: null, service: null };
  const serviceToken = header(request, SERVICE_TOKEN_HEADER);
  if (serviceToken) caller.service = await trust.verifyService(serviceToken);
  else if (access === 'service' || access === 'service-user') {
    throw commonErrors.UNAUTHORIZED(`Only Microshop services may call this: send a service credential in ${SERVICE_TOKEN_HEADER}`);
  }
  if (access === 'service') return caller;
  const token = bearerToken(header(request, 'authorization'));
  if (!token) throw commonErrors.UNAUTHORIZED('Sign in first: send Authorization: Bearer <token>', { headers: { 'www-authenticate': 'Bearer' } });
  caller.user = await trust.verifyUser(token);
  caller.token = token;
  if (access === 'admin' && caller.user.role !== 'admin') throw commonErrors.FORBIDDEN('Only an admin may do this');
  return caller;
}

const ANONYMOUS: Caller = Object.freeze({ user: null, token: null, service: null }) as Caller;

/**
 * Establishes `request.caller` in onRequest, before the body is read or validated: a request that
 * needs an identity and has none is a 401 whatever else is wrong with it.
 */
export function installGuard(app: FastifyInstance, trust: Trust): void {
  app.decorateRequest('caller', null as unknown as Caller);
  app.addHook('onRequest', (request, _reply, done) => {
    // Unknown routes (no url) answer their 404 whoever asks.
    const access = request.routeOptions.url === undefined ? 'public' : (request.routeOptions.config.access ?? 'service');
    if (access === 'public') {
      request.caller = ANONYMOUS;
      done();
      return;
    }
    establish(trust, request, access).then(
      (caller) => {
        request.caller = caller;
        done();
      },
      (error: Error) => done(error),
    );
  });
}
