import { useEffect, useState } from 'react';
import { api, type Cart, describeError } from '../api';
import { Loading, Notice, PageTitle, ProductImage } from '../components/ui';
import { money } from '../format';
import { Link } from '../router';
import { useSession } from '../session';

export function CartPage() {
  const { user, cart, setCart } = useSession();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);

  useEffect(() => {
    if (!user) return;
    api<Cart>('/api/cart')
      .then((c) => {
        setCart(c);
        setError(null);
      })
      .catch((e: unknown) => setError(describeError(e)))
      .finally(() => setLoaded(true));
  }, [user, setCart]);

  const change = async (productId: string, quantity: number) => {
    setBusy(productId);
    setError(null);
    try {
      const next =
        quantity > 0
          ? await api<Cart>(`/api/cart/items/${encodeURIComponent(productId)}`, { method: 'PUT', body: { quantity } })
          : await api<Cart>(`/api/cart/items/${encodeURIComponent(productId)}`, { method: 'DELETE' });
      setCart(next);
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(null);
    }
  };

  if (!user) {
    return (
      <>
        <PageTitle>Your cart</PageTitle>
        <p className="empty">
          <Link href="/signin?next=%2Fcart">Sign in</Link> to see your cart.
        </p>
      </>
    );
  }
  if (!loaded && !cart) return <Loading label="Loading your cart" />;
  return (
    <>
      <PageTitle>Your cart</PageTitle>
      {error ? <Notice kind="error">{error}</Notice> : null}
      {cart && cart.items.length === 0 ? (
        <p className="empty">
          Your cart is empty. <Link href="/">Browse the shop</Link>
        </p>
      ) : null}
      {cart && cart.items.length > 0 ? (
        <div className="cart-layout">
          <ul className="cart-lines" aria-label="Items in your cart">
            {cart.items.map((item) => (
              <li key={item.productId} className="cart-line">
                <ProductImage product={{ id: item.productId, name: item.name }} size="thumb" />
                <div className="cart-line-name">
                  <Link href={`/products/${encodeURIComponent(item.productId)}`}>{item.name}</Link>
                  <span className="muted">{money(item.unitPriceCents, cart.currency)} each</span>
                </div>
                <div className="stepper" role="group" aria-label={`Quantity of ${item.name}`}>
                  <button type="button" aria-label={`One less ${item.name}`} disabled={busy !== null} onClick={() => change(item.productId, item.quantity - 1)}>
                    −
                  </button>
                  <span aria-live="polite">{item.quantity}</span>
                  <button
                    type="button"
                    aria-label={`One more ${item.name}`}
                    disabled={busy !== null || item.quantity >= 99}
                    onClick={() => change(item.productId, item.quantity + 1)}
                  >
                    +
                  </button>
                </div>
                <span className="cart-line-total">{money(item.unitPriceCents * item.quantity, cart.currency)}</span>
                <button type="button" className="link-button" disabled={busy !== null} onClick={() => change(item.productId, 0)}>
                  Remove<span className="visually-hidden"> {item.name}</span>
                </button>
              </li>
            ))}
          </ul>
          <aside className="summary" aria-label="Order summary">
            <div className="summary-row">
              <span>Subtotal</span>
              <span>{money(cart.totalCents, cart.currency)}</span>
            </div>
            <div className="summary-row">
              <span>Drone delivery</span>
              <span>Free</span>
            </div>
            <div className="summary-row summary-total">
              <span>Total</span>
              <span>{money(cart.totalCents, cart.currency)}</span>
            </div>
            <Link href="/checkout" className="button button-block">
              Checkout
            </Link>
          </aside>
        </div>
      ) : null}
    </>
  );
}
