import { Problem, shipping } from '@microshop/contracts';
import type { Kysely } from '@microshop/data';
import { type App, requireUser } from '@microshop/kit';
import type { NotificationsDatabase } from '../data/schema.js';

export function notificationRoutes(app: App, db: Kysely<NotificationsDatabase>): void {
  app.get(
    '/api/notifications',
    {
      config: { access: 'user' },
      schema: {
        summary: 'The messages the signed-in user was sent, newest first',
        tags: ['notifications'],
        security: [{ bearerAuth: [] }],
        response: { 200: shipping.NotificationList, 401: Problem },
      },
    },
    async (request) => {
      const user = requireUser(request);
      const rows = await db.selectFrom('messages').selectAll().where('user_id', '=', user.id).orderBy('created_at', 'desc').orderBy('id').limit(100).execute();
      return { items: rows.map((r) => ({ id: r.id, kind: r.kind, subject: r.subject, body: r.body, createdAt: r.created_at })) };
    },
  );
}
