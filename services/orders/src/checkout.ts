import { createHash, randomUUID } from 'node:crypto';
import { type cart, formatCents as amount, MAX_CENTS, type orders, type payments } from '@microshop/contracts';
import { isUniqueViolation } from '@microshop/data';
import { HttpProblem, type ServiceClient, type VerifiedUser } from '@microshop/kit';
import { type EventBus, tagOrder } from '@microshop/messaging';
import { type OrderRepository, toOrder } from './data/order-repository.js';
import type { OrdersDatabase, OrderTable } from './data/schema.js';
import { orderErrors } from './errors.js';
import type { OrderMetrics } from './metrics.js';

/** What makes two submissions "the same order": everything but the card's secret parts. */
function requestHash(body: orders.PlaceOrderBody): string {
  const { cardNumber, cvc: _cvc, ...card } = body.payment;
  const canonical = JSON.stringify({ shippingAddress: body.shippingAddress, card: { ...card, last4: cardNumber.slice(-4) } });
  return createHash('sha256').update(canonical).digest('hex');
}

/** Checkout: read the cart, tokenize the card, and place the order with its event, once per key. */
export class Checkout {
  constructor(
    private readonly bus: EventBus<OrdersDatabase>,
    private readonly repository: OrderRepository,
    private readonly cartService: ServiceClient,
    private readonly paymentsService: ServiceClient,
    /** The shop currency (MICROSHOP_CURRENCY): the only one an order is taken in. */
    private readonly currency: string,
    private readonly metrics: OrderMetrics,
  ) {}

  /** `token` is the shopper's own: orders calls cart and payments for them, with its own credential beside it. */
  async place(
    { user, token }: { user: VerifiedUser; token: string },
    key: string,
    body: orders.PlaceOrderBody,
    context: { traceparent?: string; requestId?: string },
  ): Promise<orders.Order> {
    const hash = requestHash(body);
    const existing = await this.#replay(user, key, hash);
    if (existing) return existing;

    const { traceparent, requestId } = context;
    // Payments checks the card (Luhn, expiry) and keeps brand and last 4 digits; orders never stores it.
    const method = await this.paymentsService.request<payments.PaymentMethod & { errors?: unknown; detail?: string }>('POST', '/internal/payment-methods', {
      traceparent,
      requestId,
      userToken: token,
      body: body.payment,
    });
    if (method.status === 400) {
      throw orderErrors.INVALID_CARD(method.body.detail ?? 'The card details are not valid', { errors: method.body.errors as never });
    }
    if (method.status !== 201) throw new HttpProblem(502, 'BAD_GATEWAY', 'Bad gateway', 'The card could not be registered', { extensions: { service: 'payments' } });

    const basket = await this.cartService.request<cart.Cart>('GET', '/api/cart', { traceparent, requestId, userToken: token });
    if (basket.status !== 200) throw new HttpProblem(502, 'BAD_GATEWAY', 'Bad gateway', 'The cart could not be read', { extensions: { service: 'cart' } });
    if (basket.body.items.length === 0) throw orderErrors.EMPTY_CART('Add something to the cart before placing an order');
    if (basket.body.currency !== this.currency) {
      throw orderErrors.WRONG_CURRENCY(`The cart is in ${basket.body.currency}; this shop takes orders in ${this.currency} only`);
    }
    // Summed from the lines the order keeps, so the two agree; prices that rose since the items were added can put it over the ceiling.
    const totalCents = basket.body.items.reduce((sum, item) => sum + item.quantity * item.unitPriceCents, 0);
    if (totalCents > MAX_CENTS) {
      throw orderErrors.TOTAL_TOO_HIGH(
        `An order may total at most ${amount(MAX_CENTS, this.currency)} (${MAX_CENTS} cents); this cart totals ${amount(totalCents, this.currency)}: lower a quantity or remove an item`,
      );
    }

    const now = new Date().toISOString();
    const id = `ord_${randomUUID().replace(/-/g, '')}`;
    // The request's span names the order it placed: `GET /api/admin/traces?orderId=` finds it.
    tagOrder(id);
    const row: OrderTable = {
      id,
      user_id: user.id,
      status: 'PENDING',
      items: JSON.stringify(basket.body.items),
      total_cents: totalCents,
      currency: basket.body.currency,
      shipping_address: JSON.stringify(body.shippingAddress),
      cancellation_reason: null,
      history: JSON.stringify([{ status: 'PENDING', at: now }]),
      idempotency_key: key,
      request_hash: hash,
      created_at: now,
      updated_at: now,
    };
    try {
      await this.bus.transaction(async (trx, emit) => {
        await trx.insertInto('orders').values(row).execute();
        emit('orders.order.placed', row.id, {
          orderId: row.id,
          userId: user.id,
          items: basket.body.items.map(({ productId, quantity, unitPriceCents }) => ({ productId, quantity, unitPriceCents })),
          totalCents: row.total_cents,
          currency: row.currency,
          paymentMethodId: method.body.paymentMethodId,
        });
      }, context);
      this.metrics.reached(row);
    } catch (error) {
      // The same key raced in from another request: answer with the order that won.
      if (isUniqueViolation(error)) {
        const winner = await this.#replay(user, key, hash);
        if (winner) return winner;
      }
      throw error;
    }
    return toOrder(row);
  }

  async #replay(user: VerifiedUser, key: string, hash: string): Promise<orders.Order | undefined> {
    const existing = await this.repository.byIdempotencyKey(user.id, key);
    if (!existing) return undefined;
    if (existing.request_hash !== hash) {
      throw orderErrors.IDEMPOTENCY_KEY_REUSED('Use a new Idempotency-Key for a different order', {
        errors: [{ path: 'headers.idempotency-key', message: 'was used for a different order' }],
      });
    }
    return toOrder(existing);
  }
}
