import { useEffect, useState } from 'react';
import { api, type Category, describeError, type Product } from '../api';
import { Loading, Notice, PageTitle, ProductCard } from '../components/ui';
import { Link } from '../router';

interface Page {
  items: Product[];
  nextCursor: string | null;
}

/** A category's products, or search results: the same list with "Show more" paging. */
export function Products({ category, q }: { category?: string; q?: string }) {
  const [categories, setCategories] = useState<Category[]>([]);
  const [items, setItems] = useState<Product[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);

  const query = (after?: string) => {
    const params = new URLSearchParams({ limit: '12' });
    if (category) params.set('category', category);
    if (q) params.set('q', q);
    if (after) params.set('cursor', after);
    return `/api/products?${params}`;
  };

  useEffect(() => {
    setItems(null);
    setError(null);
    const abort = new AbortController();
    api<Page>(query(), { signal: abort.signal })
      .then((page) => {
        setItems(page.items);
        setCursor(page.nextCursor);
      })
      .catch((e: unknown) => {
        if ((e as Error).name !== 'AbortError') setError(describeError(e));
      });
    api<{ items: Category[] }>('/api/categories', { signal: abort.signal })
      .then((list) => setCategories(list.items))
      .catch(() => undefined);
    return () => abort.abort();
  }, [category, q]);

  const more = async () => {
    if (!cursor) return;
    setLoadingMore(true);
    try {
      const page = await api<Page>(query(cursor));
      setItems((current) => [...(current ?? []), ...page.items]);
      setCursor(page.nextCursor);
    } catch (e) {
      setError(describeError(e));
    } finally {
      setLoadingMore(false);
    }
  };

  const names = new Map(categories.map((c) => [c.id, c.name]));
  const title = category ? (names.get(category) ?? 'Products') : q ? `Results for “${q}”` : 'All products';
  return (
    <>
      <nav className="breadcrumbs" aria-label="Breadcrumb">
        <Link href="/">Home</Link> <span aria-hidden="true">/</span> <span aria-current="page">{category ? title : 'Search'}</span>
      </nav>
      <PageTitle>{title}</PageTitle>
      {categories.length > 0 ? (
        <nav className="chips" aria-label="Categories">
          {categories.map((c) => (
            <Link key={c.id} href={`/category/${encodeURIComponent(c.id)}`} className={`chip${c.id === category ? ' chip-active' : ''}`} aria-current={c.id === category ? 'page' : undefined}>
              {c.name}
            </Link>
          ))}
        </nav>
      ) : null}
      {error ? <Notice kind="error">{error}</Notice> : null}
      {!items && !error ? <Loading label="Loading products" /> : null}
      {items && items.length === 0 ? <p className="empty">No products match{q ? ` “${q}”` : ''}. Try another word.</p> : null}
      {items && items.length > 0 ? (
        <div className="product-grid">
          {items.map((product) => (
            <ProductCard key={product.id} product={product} categoryName={category ? undefined : names.get(product.category)} />
          ))}
        </div>
      ) : null}
      {cursor ? (
        <div className="center">
          <button type="button" className="button button-secondary" onClick={more} disabled={loadingMore}>
            {loadingMore ? 'Loading…' : 'Show more'}
          </button>
        </div>
      ) : null}
    </>
  );
}
