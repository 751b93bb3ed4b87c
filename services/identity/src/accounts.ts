import { randomUUID } from 'node:crypto';
import type { identity } from '@microshop/contracts';
import { isUniqueViolation } from '@microshop/data';
import type { EventBus } from '@microshop/messaging';
import type { IdentityDatabase } from './data/schema.js';
import { type UserRow, UserRepository } from './data/user-repository.js';
import { generatePassword, hashPassword, normalizeEmail, verifyPassword } from './domain/password.js';
import type { TokenSigner } from './domain/tokens.js';
import { identityErrors } from './errors.js';

export function publicUser(row: UserRow): identity.User {
  return { id: row.id, email: row.email, name: row.name, role: row.role };
}

/** Registration, sign-in and token issue: the glue between users, keys and events. */
export class Accounts {
  readonly users: UserRepository;
  /** Checked against when the email is unknown: same cost as real hashes, so both failures take as long. */
  readonly #unknownUserHash: Promise<string>;

  constructor(
    private readonly bus: EventBus<IdentityDatabase>,
    db: ConstructorParameters<typeof UserRepository>[0],
    private readonly signer: TokenSigner,
    private readonly options: { scryptCost: number; tokenTtlSeconds: number },
  ) {
    this.users = new UserRepository(db);
    this.#unknownUserHash = hashPassword(generatePassword(), options.scryptCost);
  }

  async register(input: identity.RegisterBody, role: 'customer' | 'admin' = 'customer', context: { traceparent?: string } = {}): Promise<identity.AuthResult> {
    const row: UserRow = {
      id: `usr_${randomUUID().replace(/-/g, '')}`,
      email: normalizeEmail(input.email),
      name: input.name.trim(),
      role,
      password_hash: await hashPassword(input.password, this.options.scryptCost),
      created_at: new Date().toISOString(),
    };
    try {
      await this.bus.transaction(async (trx, emit) => {
        await UserRepository.insert(trx, row);
        emit('identity.user.registered', row.id, { userId: row.id, email: row.email, name: row.name });
      }, context);
    } catch (error) {
      if (isUniqueViolation(error)) throw identityErrors.EMAIL_TAKEN('Sign in instead, or use another email', { errors: [{ path: 'email', message: 'is already registered' }] });
      throw error;
    }
    return this.#issue(row);
  }

  /** The same answer, after the same work, for an unknown email and a wrong password. */
  async login(input: identity.LoginBody): Promise<identity.AuthResult> {
    const row = await this.users.byEmail(normalizeEmail(input.email));
    const ok = await verifyPassword(input.password, row?.password_hash ?? (await this.#unknownUserHash));
    if (!row || !ok) throw identityErrors.BAD_CREDENTIALS('Check the email and password and try again');
    return this.#issue(row);
  }

  async #issue(row: UserRow): Promise<identity.AuthResult> {
    return { user: publicUser(row), token: await this.signer.sign(row, this.options.tokenTtlSeconds) };
  }

  /** The seeded admin of SPEC §3; returns the generated password when it had to make one. */
  async ensureAdmin(email: string, password: string | undefined, generate: () => string): Promise<string | undefined> {
    const existing = await this.users.byEmail(normalizeEmail(email));
    if (existing) return undefined;
    const chosen = password ?? generate();
    try {
      await this.register({ email, password: chosen, name: 'Administrator' }, 'admin');
    } catch (error) {
      // Another instance seeded it first.
      if ((error as { code?: string }).code === 'EMAIL_TAKEN') return undefined;
      throw error;
    }
    return password === undefined ? chosen : undefined;
  }
}
