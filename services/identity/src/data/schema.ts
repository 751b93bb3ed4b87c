import type { MessagingTables } from '@microshop/messaging';

export interface UserTable {
  id: string;
  email: string;
  name: string;
  role: 'customer' | 'admin';
  password_hash: string;
  created_at: string;
}

export interface SigningKeyTable {
  kid: string;
  private_jwk: string;
  public_jwk: string;
  created_at: string;
}

export interface IdentityDatabase extends MessagingTables {
  users: UserTable;
  signing_keys: SigningKeyTable;
}
