import type { MessagingTables } from '@microshop/messaging';

export interface UserTable {
  id: string;
  email: string;
  name: string;
  role: 'customer' | 'admin';
  password_hash: string;
  created_at: string;
}

export interface IdentityDatabase extends MessagingTables {
  users: UserTable;
}
