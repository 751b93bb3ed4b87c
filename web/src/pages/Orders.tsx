import { type Order, useApi } from '../api';
import { Loading, Notice, PageTitle } from '../components/ui';
import { dateTime, money } from '../format';
import { Link } from '../router';
import { StatusBadge } from './OrderPage';

export function Orders() {
  const { data, error } = useApi<{ items: Order[] }>('/api/orders');
  const orders = data?.items ?? null;

  return (
    <>
      <PageTitle>Your orders</PageTitle>
      {error ? <Notice kind="error">{error}</Notice> : null}
      {!orders && !error ? <Loading label="Loading your orders" /> : null}
      {orders && orders.length === 0 ? (
        <p className="empty">
          No orders yet. <Link href="/">Find something you like</Link>
        </p>
      ) : null}
      {orders && orders.length > 0 ? (
        <ul className="order-list">
          {orders.map((order) => (
            <li key={order.id}>
              <Link href={`/orders/${encodeURIComponent(order.id)}`} className="order-row">
                <span className="order-row-main">
                  <span className="order-row-title">Order {order.id.slice(-8).toUpperCase()}</span>
                  <span className="muted">
                    {dateTime(order.createdAt)} · {order.items.reduce((n, i) => n + i.quantity, 0)} item(s)
                  </span>
                </span>
                <StatusBadge status={order.status} />
                <span className="order-row-total">{money(order.totalCents, order.currency)}</span>
              </Link>
            </li>
          ))}
        </ul>
      ) : null}
    </>
  );
}
