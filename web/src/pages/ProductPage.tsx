import { useEffect, useState } from 'react';
import { api, ApiError, type Cart, describeError, type Product } from '../api';
import { Loading, Notice, ProductImage } from '../components/ui';
import { money } from '../format';
import { Link, navigate } from '../router';
import { useSession } from '../session';

export function ProductPage({ id }: { id: string }) {
  const { user, cart, setCart } = useSession();
  const [product, setProduct] = useState<Product | null>(null);
  const [stock, setStock] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [quantity, setQuantity] = useState(1);
  const [adding, setAdding] = useState(false);
  const [added, setAdded] = useState<string | null>(null);
  const [addError, setAddError] = useState<string | null>(null);

  useEffect(() => {
    const abort = new AbortController();
    setProduct(null);
    setError(null);
    api<Product>(`/api/products/${encodeURIComponent(id)}`, { signal: abort.signal })
      .then(setProduct)
      .catch((e: unknown) => {
        if ((e as Error).name === 'AbortError') return;
        setError(e instanceof ApiError && e.status === 404 ? 'This product does not exist (any more).' : describeError(e));
      });
    api<{ available: number }>(`/api/inventory/${encodeURIComponent(id)}`, { signal: abort.signal })
      .then((s) => setStock(s.available))
      .catch(() => setStock(null));
    return () => abort.abort();
  }, [id]);

  const inCart = cart?.items.find((item) => item.productId === id)?.quantity ?? 0;

  const add = async () => {
    if (!user) {
      navigate(`/signin?next=${encodeURIComponent(location.pathname)}`);
      return;
    }
    setAdding(true);
    setAdded(null);
    setAddError(null);
    try {
      const next = await api<Cart>(`/api/cart/items/${encodeURIComponent(id)}`, { method: 'PUT', body: { quantity: Math.min(99, inCart + quantity) } });
      setCart(next);
      setAdded(`Added ${quantity} to your cart.`);
    } catch (e) {
      setAddError(describeError(e));
    } finally {
      setAdding(false);
    }
  };

  if (error) return <Notice kind="error">{error}</Notice>;
  if (!product) return <Loading label="Loading the product" />;
  return (
    <article className="product-page">
      <nav className="breadcrumbs" aria-label="Breadcrumb">
        <Link href="/">Home</Link> <span aria-hidden="true">/</span>{' '}
        <Link href={`/category/${encodeURIComponent(product.category)}`}>{product.category.replace(/-/g, ' ')}</Link> <span aria-hidden="true">/</span>{' '}
        <span aria-current="page">{product.name}</span>
      </nav>
      <div className="product-layout">
        <ProductImage product={product} size="large" />
        <div className="product-info">
          <h1>{product.name}</h1>
          <p className="price">{money(product.priceCents, product.currency)}</p>
          <p className="description">{product.description}</p>
          <p className="stock">
            {stock === null ? 'Stock level unavailable' : stock > 10 ? 'In stock' : stock > 0 ? `Only ${stock} left` : 'Out of stock'}
            <span className="sku"> · SKU {product.sku}</span>
          </p>
          <div className="buy">
            <label htmlFor="quantity">Quantity</label>
            <select id="quantity" value={quantity} onChange={(e) => setQuantity(Number(e.target.value))}>
              {Array.from({ length: 10 }, (_, i) => i + 1).map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
            <button type="button" className="button" onClick={add} disabled={adding || stock === 0}>
              {adding ? 'Adding…' : 'Add to cart'}
            </button>
          </div>
          {added ? (
            <Notice kind="success">
              {added} <Link href="/cart">View cart</Link>
            </Notice>
          ) : null}
          {addError ? <Notice kind="error">{addError}</Notice> : null}
          {!user ? <p className="hint">Sign in to add products to your cart.</p> : null}
        </div>
      </div>
    </article>
  );
}
