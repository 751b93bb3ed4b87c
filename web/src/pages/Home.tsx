import { useEffect, useState } from 'react';
import { api, describeError, type Home as HomeData, unavailableNotice } from '../api';
import { Loading, Notice, ProductCard } from '../components/ui';
import { Link } from '../router';
import { useSession } from '../session';

export function Home() {
  const { user, setCart } = useSession();
  const [home, setHome] = useState<HomeData | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const abort = new AbortController();
    api<HomeData>('/api/home', { signal: abort.signal })
      .then((data) => {
        setHome(data);
        if (data.cart) setCart(data.cart);
      })
      .catch((e: unknown) => {
        if ((e as Error).name !== 'AbortError') setError(describeError(e));
      });
    return () => abort.abort();
  }, [user, setCart]);

  if (error) return <Notice kind="error">{error}</Notice>;
  if (!home) return <Loading label="Loading the shop" />;
  const names = new Map(home.categories.map((c) => [c.id, c.name]));
  return (
    <>
      <section className="hero">
        <div>
          <p className="eyebrow">Delivered by drone, usually within a minute</p>
          <h1>Good things for everyday life.</h1>
          <p>Kitchen tools, outdoor gear, electronics, books and more, picked for lasting use.</p>
          {user ? <p className="hero-greeting">Welcome back, {user.name}.</p> : null}
        </div>
        <svg className="hero-art" viewBox="0 0 200 140" aria-hidden="true">
          <ellipse cx="100" cy="128" rx="60" ry="7" fill="rgba(0,0,0,.12)" />
          <rect x="70" y="78" width="60" height="40" rx="6" fill="#f5b841" />
          <path d="M70 92h60" stroke="#d99a1e" strokeWidth="3" />
          <path d="M100 78V58" stroke="#1d2330" strokeWidth="3" />
          <rect x="62" y="44" width="76" height="16" rx="8" fill="#1d2330" />
          <path d="M40 38h40M120 38h40" stroke="#1d2330" strokeWidth="4" strokeLinecap="round" />
          <path d="M60 38v8M140 38v8" stroke="#1d2330" strokeWidth="4" />
        </svg>
      </section>
      {home.degraded.map((service) => (
        <Notice key={service} kind="warning">
          {unavailableNotice(service)}{' '}
          {service === 'catalog' ? 'Products will be back shortly; your cart and orders still work.' : 'Everything else works as usual.'}
        </Notice>
      ))}
      {home.categories.length > 0 ? (
        <section aria-labelledby="categories-title">
          <h2 id="categories-title">Shop by category</h2>
          <ul className="category-grid">
            {home.categories.map((category) => (
              <li key={category.id}>
                <Link className="category-tile" href={`/category/${encodeURIComponent(category.id)}`}>
                  <img src={`/images/categories/${encodeURIComponent(category.id)}.svg`} alt="" />
                  <span>{category.name}</span>
                </Link>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {home.featured.length > 0 ? (
        <section aria-labelledby="featured-title">
          <h2 id="featured-title">Featured</h2>
          <div className="product-grid">
            {home.featured.map((product) => (
              <ProductCard key={product.id} product={product} categoryName={names.get(product.category)} />
            ))}
          </div>
        </section>
      ) : null}
    </>
  );
}
