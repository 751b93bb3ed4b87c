import { type Static, Type } from 'typebox';
import { Id } from './common.js';

export const Role = Type.Union([Type.Literal('customer'), Type.Literal('admin')]);

export const User = Type.Object(
  { id: Id, email: Type.String(), name: Type.String(), role: Role },
  { additionalProperties: false },
);
export type User = Static<typeof User>;

const Email = Type.String({ format: 'email', maxLength: 320, description: 'An email address' });

export const RegisterBody = Type.Object(
  {
    email: Email,
    password: Type.String({ minLength: 8, maxLength: 200, description: 'At least 8 characters' }),
    name: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' }),
  },
  { additionalProperties: false },
);
export type RegisterBody = Static<typeof RegisterBody>;

export const LoginBody = Type.Object(
  { email: Type.String({ minLength: 1, maxLength: 320 }), password: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);
export type LoginBody = Static<typeof LoginBody>;

export const AuthResult = Type.Object({ user: User, token: Type.String() }, { additionalProperties: false });
export type AuthResult = Static<typeof AuthResult>;

export const Jwks = Type.Object({ keys: Type.Array(Type.Object({}, { additionalProperties: true })) });

/** What identity's tokens claim, and what the gateway checks. */
export const TOKEN_ISSUER = 'microshop-identity';
export const TOKEN_AUDIENCE = 'microshop';
