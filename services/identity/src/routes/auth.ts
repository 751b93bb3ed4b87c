import { identity, Problem } from '@microshop/contracts';
import { type App, type Jwk, requireUser, traceContext } from '@microshop/kit';
import { type Accounts, publicUser } from '../accounts.js';
import { identityErrors } from '../errors.js';


/** `publicKeys`: what /.well-known/jwks.json publishes, the trust bundle's identity keys. */
export function authRoutes(app: App, accounts: Accounts, publicKeys: readonly Jwk[]): void {
  app.post(
    '/api/auth/register',
    {
      config: { access: 'public' },
      schema: {
        summary: 'Create a customer account and sign in',
        tags: ['identity'],
        body: identity.RegisterBody,
        response: { 201: identity.AuthResult, 400: Problem, 409: Problem },
      },
    },
    async (request, reply) => {
      const result = await accounts.register(request.body, 'customer', traceContext(request));
      return reply.code(201).send(result);
    },
  );

  app.post(
    '/api/auth/login',
    {
      config: { access: 'public' },
      schema: {
        summary: 'Sign in with email and password',
        tags: ['identity'],
        body: identity.LoginBody,
        response: { 200: identity.AuthResult, 400: Problem, 401: Problem },
      },
    },
    async (request) => accounts.login(request.body),
  );

  app.get(
    '/api/auth/me',
    { config: { access: 'user' }, schema: { summary: 'The signed-in user', tags: ['identity'], security: [{ bearerAuth: [] }], response: { 200: identity.User, 401: Problem } } },
    async (request) => {
      const user = requireUser(request);
      const row = await accounts.users.byId(user.id);
      if (!row) throw identityErrors.USER_NOT_FOUND('The account behind this token no longer exists');
      return publicUser(row);
    },
  );

  app.get(
    '/.well-known/jwks.json',
    { config: { access: 'public' }, schema: { summary: 'Public keys that verify identity tokens', tags: ['identity'], response: { 200: identity.Jwks } } },
    async (_request, reply) => {
      reply.header('cache-control', 'public, max-age=300');
      return { keys: [...publicKeys] };
    },
  );
}
