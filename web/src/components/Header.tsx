import { type FormEvent, useEffect, useState } from 'react';
import { useSession } from '../session';
import { Link, navigate, useLocation } from '../router';

export function Header() {
  const { user, cart, signOut } = useSession();
  const { path, query } = useLocation();
  const [q, setQ] = useState(query.get('q') ?? '');
  useEffect(() => {
    // The box shows the search being looked at, and empties on other pages.
    setQ(path === '/search' ? (query.get('q') ?? '') : '');
  }, [path, query]);
  const items = cart?.items.reduce((sum, item) => sum + item.quantity, 0) ?? 0;

  const search = (event: FormEvent) => {
    event.preventDefault();
    const text = q.trim();
    navigate(text ? `/search?q=${encodeURIComponent(text)}` : '/search');
  };

  return (
    <header className="site-header">
      <div className="site-header-inner">
        <Link href="/" className="brand" aria-label="Microshop home">
          <svg viewBox="0 0 32 32" width="28" height="28" aria-hidden="true">
            <rect width="32" height="32" rx="8" fill="currentColor" />
            <path d="M8 22V10l8 7 8-7v12" stroke="white" strokeWidth="3" fill="none" strokeLinejoin="round" />
          </svg>
          <span>Microshop</span>
        </Link>
        <form className="search" role="search" onSubmit={search}>
          <label htmlFor="site-search" className="visually-hidden">
            Search products
          </label>
          <input id="site-search" type="search" placeholder="Search products" value={q} onChange={(e) => setQ(e.target.value)} />
          <button type="submit" className="search-button" aria-label="Search">
            <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
              <circle cx="11" cy="11" r="7" fill="none" stroke="currentColor" strokeWidth="2" />
              <path d="m20 20-4-4" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
            </svg>
          </button>
        </form>
        <nav className="site-nav" aria-label="Account">
          {user ? (
            <>
              <Link href="/orders">Orders</Link>
              <Link href="/notifications">Notifications</Link>
              {user.role === 'admin' ? <Link href="/ops">Operations</Link> : null}
            </>
          ) : null}
          <Link href="/cart" className="cart-link" aria-label="Cart">
            <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
              <path d="M3 4h2l2.4 10.2a1 1 0 0 0 1 .8h8.9a1 1 0 0 0 1-.8L20 8H6.2" fill="none" stroke="currentColor" strokeWidth="2" strokeLinejoin="round" />
              <circle cx="9" cy="19" r="1.6" fill="currentColor" />
              <circle cx="17" cy="19" r="1.6" fill="currentColor" />
            </svg>
            <span aria-hidden="true">Cart</span>
            {items > 0 ? (
              <span className="badge" aria-hidden="true" data-testid="cart-count">
                {items}
              </span>
            ) : null}
          </Link>
          {user ? (
            <button
              type="button"
              className="link-button"
              onClick={() => {
                signOut();
                navigate('/');
              }}
            >
              Sign out
            </button>
          ) : (
            <>
              <Link href={`/signin?next=${encodeURIComponent(path === '/signin' || path === '/register' ? '/' : path)}`}>Sign in</Link>
              <Link href="/register" className="button button-small">
                Register
              </Link>
            </>
          )}
        </nav>
      </div>
    </header>
  );
}
