import type { Kysely } from '@microshop/data';
import type { IdentityDatabase, UserTable } from './schema.js';

export type UserRow = UserTable;

export class UserRepository {
  constructor(private readonly db: Kysely<IdentityDatabase>) {}

  byEmail(email: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
  }

  byId(id: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  static async insert(trx: Kysely<IdentityDatabase>, user: UserRow): Promise<void> {
    await trx.insertInto('users').values(user).execute();
  }
}
