import { randomUUID } from 'node:crypto';
import { payments, Problem } from '@microshop/contracts';
import type { Kysely } from '@microshop/data';
import { type App, requireUser } from '@microshop/kit';
import type { PaymentsDatabase } from '../data/schema.js';
import { brandOf, notExpired, passesLuhn } from '../domain/card.js';
import type { PaymentProvider } from '../domain/provider.js';
import { paymentErrors } from '../errors.js';

export function paymentRoutes(app: App, db: Kysely<PaymentsDatabase>, provider: PaymentProvider): void {
  /**
   * Internal (the gateway does not route /internal): orders tokenizes the card at checkout.
   * The number is checked, assessed and dropped; only brand and last 4 digits are stored.
   */
  app.post(
    '/internal/payment-methods',
    {
      config: { access: 'service-user' },
      schema: {
        hide: true,
        body: payments.CardInput,
        response: { 201: payments.PaymentMethod, 400: Problem, 401: Problem },
      },
    },
    async (request, reply) => {
      const user = requireUser(request);
      const card = request.body;
      if (!passesLuhn(card.cardNumber)) {
        throw paymentErrors.INVALID_CARD('The card number is not valid', { errors: [{ path: 'payment.cardNumber', message: 'is not a valid card number' }] });
      }
      if (!notExpired(card.expMonth, card.expYear, new Date())) {
        throw paymentErrors.INVALID_CARD('The card has expired', { errors: [{ path: 'payment.expYear', message: 'the card has expired' }] });
      }
      const method = {
        id: `pm_${randomUUID().replace(/-/g, '')}`,
        user_id: user.id,
        brand: brandOf(card.cardNumber),
        last4: card.cardNumber.slice(-4),
        exp_month: card.expMonth,
        exp_year: card.expYear,
        assessment: provider.assess(card.cardNumber),
        created_at: new Date().toISOString(),
      };
      await db.insertInto('payment_methods').values(method).execute();
      return reply.code(201).send({ paymentMethodId: method.id, brand: method.brand, last4: method.last4 });
    },
  );

  app.get(
    '/api/payments',
    {
      config: { access: 'user' },
      schema: {
        summary: 'The signed-in user’s payments, optionally for one order',
        tags: ['payments'],
        security: [{ bearerAuth: [] }],
        querystring: payments.PaymentQuery,
        response: { 200: payments.PaymentList, 400: Problem, 401: Problem },
      },
    },
    async (request) => {
      const user = requireUser(request);
      let query = db.selectFrom('payments').selectAll().where('user_id', '=', user.id);
      if (request.query.orderId !== undefined) query = query.where('order_id', '=', request.query.orderId);
      const rows = await query.orderBy('created_at', 'desc').execute();
      return {
        items: rows.map((r) => ({
          id: r.id,
          orderId: r.order_id,
          status: r.status,
          amountCents: r.amount_cents,
          currency: r.currency,
          cardBrand: r.card_brand,
          cardLast4: r.card_last4,
        })),
      };
    },
  );
}
