import { useEffect, useState } from 'react';
import { api, ApiError, type Delivery, describeError, type Order, type OrderStatus } from '../api';
import { Loading, Notice } from '../components/ui';
import { dateTime, money, time } from '../format';
import { Link } from '../router';
import { useSession } from '../session';

const STEPS: Array<{ status: OrderStatus; label: string }> = [
  { status: 'PENDING', label: 'Placed' },
  { status: 'CONFIRMED', label: 'Paid and confirmed' },
  { status: 'SHIPPED', label: 'Drone on its way' },
  { status: 'DELIVERED', label: 'Delivered' },
];
const FINAL: ReadonlySet<OrderStatus> = new Set(['DELIVERED', 'CANCELLED']);
const POLL_MS = 1_000;

const REASONS = {
  PAYMENT_DECLINED: 'Your card was declined, so the order was cancelled. Nothing was charged.',
  OUT_OF_STOCK: 'Some items ran out of stock, so the order was cancelled. Nothing was charged.',
};

export function StatusBadge({ status }: { status: OrderStatus }) {
  return <span className={`status status-${status.toLowerCase()}`}>{status}</span>;
}

/** Seconds until `eta`, said plainly. */
function untilEta(eta: string, now: number): string {
  const seconds = Math.max(0, Math.round((Date.parse(eta) - now) / 1000));
  if (seconds === 0) return 'arriving now';
  if (seconds < 90) return `in about ${seconds} s`;
  return `in about ${Math.round(seconds / 60)} min`;
}

/** One order, its status kept current by polling until it is delivered or cancelled. */
export function OrderPage({ id }: { id: string }) {
  const { refreshCart } = useSession();
  const [order, setOrder] = useState<Order | null>(null);
  const [delivery, setDelivery] = useState<Delivery | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [trackingError, setTrackingError] = useState<string | null>(null);
  const [now, setNow] = useState(Date.now());

  useEffect(() => {
    let stopped = false;
    let cartRefreshed = false;
    let timer: number | undefined;
    const poll = async () => {
      let status: OrderStatus | undefined;
      try {
        const current = await api<Order>(`/api/orders/${encodeURIComponent(id)}`);
        if (stopped) return;
        setOrder(current);
        setError(null);
        status = current.status;
        // Placing the order empties the cart a moment after the 202: the badge follows once it has.
        if (status !== 'PENDING' && !cartRefreshed) {
          cartRefreshed = true;
          void refreshCart();
        }
        if (current.status === 'CONFIRMED' || current.status === 'SHIPPED' || current.status === 'DELIVERED') {
          try {
            setDelivery(await api<Delivery>(`/api/deliveries/${encodeURIComponent(id)}`));
            setTrackingError(null);
          } catch (e) {
            // A confirmed order's delivery may be a moment behind; only an outage is worth saying.
            if (!(e instanceof ApiError && e.status === 404)) setTrackingError(describeError(e));
          }
        }
      } catch (e) {
        if (stopped) return;
        if (e instanceof ApiError && e.status === 404) {
          setError('There is no order with this number in your account.');
          return;
        }
        setError(describeError(e));
      }
      setNow(Date.now());
      if (!stopped && (status === undefined || !FINAL.has(status))) timer = window.setTimeout(poll, POLL_MS);
    };
    void poll();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, [id, refreshCart]);

  if (!order && error) return <Notice kind="error">{error}</Notice>;
  if (!order) return <Loading label="Loading your order" />;
  const reached = new Map(order.history.map((h) => [h.status, h.at]));
  const cancelled = order.status === 'CANCELLED';
  return (
    <article className="order-page">
      <nav className="breadcrumbs" aria-label="Breadcrumb">
        <Link href="/orders">Orders</Link> <span aria-hidden="true">/</span> <span aria-current="page">Order {order.id.slice(-8).toUpperCase()}</span>
      </nav>
      <header className="order-header">
        <div>
          <h1>Order {order.id.slice(-8).toUpperCase()}</h1>
          <p className="muted">Placed {dateTime(order.createdAt)}</p>
        </div>
        <p className="order-status" aria-live="polite">
          Status: <StatusBadge status={order.status} />
        </p>
      </header>
      {error ? <Notice kind="warning">{error}</Notice> : null}
      {cancelled ? <Notice kind="error">{order.cancellationReason ? REASONS[order.cancellationReason] : 'This order was cancelled.'}</Notice> : null}
      {!cancelled ? (
        <ol className="timeline" aria-label="Progress">
          {STEPS.map((step) => {
            const at = reached.get(step.status);
            return (
              <li key={step.status} className={at ? 'done' : ''} aria-current={order.status === step.status ? 'step' : undefined}>
                <span className="timeline-dot" aria-hidden="true" />
                <span className="timeline-label">{step.label}</span>
                <span className="timeline-time">{at ? time(at) : ''}</span>
              </li>
            );
          })}
        </ol>
      ) : null}
      {delivery && !cancelled ? (
        <section className="delivery" aria-label="Delivery">
          <svg viewBox="0 0 48 48" width="40" height="40" aria-hidden="true">
            <rect x="14" y="18" width="20" height="8" rx="4" fill="currentColor" />
            <path d="M6 14h14M28 14h14M13 14v5M35 14v5M24 26v6" stroke="currentColor" strokeWidth="3" strokeLinecap="round" />
            <rect x="18" y="32" width="12" height="9" rx="2" fill="#f5b841" />
          </svg>
          <div>
            <p className="delivery-title">
              {delivery.status === 'DELIVERED'
                ? `Delivered by drone ${delivery.droneId}`
                : delivery.status === 'IN_TRANSIT'
                  ? `Drone ${delivery.droneId} is flying to you`
                  : `Drone ${delivery.droneId} is being loaded`}
            </p>
            <p className="muted">
              {delivery.status === 'DELIVERED' ? `Arrived ${time(delivery.eta)}` : `Expected ${time(delivery.eta)} (${untilEta(delivery.eta, now)})`}
            </p>
          </div>
        </section>
      ) : null}
      {trackingError ? <Notice kind="warning">{trackingError}</Notice> : null}
      <div className="order-details">
        <section aria-labelledby="items-title">
          <h2 id="items-title">Items</h2>
          <ul className="summary-items">
            {order.items.map((item) => (
              <li key={item.productId}>
                <span>
                  {item.quantity} × <Link href={`/products/${encodeURIComponent(item.productId)}`}>{item.name}</Link>
                </span>
                <span>{money(item.unitPriceCents * item.quantity, order.currency)}</span>
              </li>
            ))}
          </ul>
          <div className="summary-row summary-total">
            <span>Total</span>
            <span>{money(order.totalCents, order.currency)}</span>
          </div>
        </section>
        <section aria-labelledby="ship-title">
          <h2 id="ship-title">Shipping to</h2>
          <address>
            {order.shippingAddress.name}
            <br />
            {order.shippingAddress.line1}
            <br />
            {order.shippingAddress.postalCode} {order.shippingAddress.city}
            <br />
            {order.shippingAddress.country}
          </address>
        </section>
      </div>
    </article>
  );
}
