import type { MessagingTables } from '@microshop/messaging';

export interface MessageTable {
  id: string;
  user_id: string;
  kind: string;
  subject: string;
  body: string;
  created_at: string;
}

export interface NotificationsDatabase extends MessagingTables {
  messages: MessageTable;
}
