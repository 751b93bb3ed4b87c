import { lazy, type ReactNode, Suspense, useEffect } from 'react';
import { Header } from './components/Header';
import { Loading, PageTitle } from './components/ui';
import { AuthForm } from './pages/AuthForm';
import { CartPage } from './pages/CartPage';
import { Checkout } from './pages/Checkout';
import { Home } from './pages/Home';
import { Notifications } from './pages/Notifications';
import { OrderPage } from './pages/OrderPage';
import { Orders } from './pages/Orders';
import { ProductPage } from './pages/ProductPage';
import { Products } from './pages/Products';
import { Link, match, navigate, useLocation } from './router';
import { useSession } from './session';

// The dashboard and its charting library load only for operators, keeping the shop's first load small.
const Ops = lazy(() => import('./ops/Ops'));

function RequireUser({ children }: { children: ReactNode }) {
  const { user, ready } = useSession();
  const { path } = useLocation();
  useEffect(() => {
    if (ready && !user) navigate(`/signin?next=${encodeURIComponent(path)}`, { replace: true });
  }, [ready, user, path]);
  if (!ready || !user) return <Loading />;
  return <>{children}</>;
}

function NotFound() {
  return (
    <>
      <PageTitle>Page not found</PageTitle>
      <p className="empty">
        There is nothing here. <Link href="/">Back to the shop</Link>
      </p>
    </>
  );
}

function page(path: string, query: URLSearchParams): { title: string; body: ReactNode } {
  let params: Record<string, string> | null;
  if (path === '/' || path === '') return { title: 'Microshop', body: <Home /> };
  if ((params = match('/category/:id', path))) return { title: 'Category', body: <Products key={params.id} category={params.id} /> };
  if (path === '/search') return { title: 'Search', body: <Products key={query.get('q') ?? ''} q={query.get('q') ?? ''} /> };
  if ((params = match('/products/:id', path))) return { title: 'Product', body: <ProductPage id={params.id ?? ''} /> };
  if (path === '/cart') return { title: 'Cart', body: <CartPage /> };
  if (path === '/checkout') return { title: 'Checkout', body: <RequireUser><Checkout /></RequireUser> };
  if (path === '/signin') return { title: 'Sign in', body: <AuthForm mode="signin" next={query.get('next') ?? '/'} /> };
  if (path === '/register') return { title: 'Register', body: <AuthForm mode="register" next={query.get('next') ?? '/'} /> };
  if (path === '/orders') return { title: 'Orders', body: <RequireUser><Orders /></RequireUser> };
  if ((params = match('/orders/:id', path))) return { title: 'Order', body: <RequireUser><OrderPage id={params.id ?? ''} /></RequireUser> };
  if (path === '/notifications') return { title: 'Notifications', body: <RequireUser><Notifications /></RequireUser> };
  return { title: 'Not found', body: <NotFound /> };
}

export function App() {
  const { path, query } = useLocation();
  const ops = path === '/ops' || path.startsWith('/ops/');
  const { title, body } = ops ? { title: 'Operations', body: null } : page(path, query);
  useEffect(() => {
    document.title = title === 'Microshop' ? 'Microshop' : `${title} · Microshop`;
  }, [title]);

  if (ops) {
    return (
      <Suspense fallback={<Loading label="Loading the dashboard" />}>
        <Ops />
      </Suspense>
    );
  }
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <Header />
      <main id="main" className="container" tabIndex={-1}>
        {body}
      </main>
      <footer className="site-footer">
        <div className="container">
          Microshop · a microservices demo shop · <a href="/docs">API reference</a>
        </div>
      </footer>
    </>
  );
}
