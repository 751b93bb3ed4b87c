import { type ReactNode, useEffect } from 'react';
import { Loading, Notice } from '../components/ui';
import { AuthForm } from '../pages/AuthForm';
import { Link, match, useLocation } from '../router';
import { useSession } from '../session';
import { FaultsPage } from './FaultsPage';
import { ScalingPage } from './ScalingPage';
import { OverviewPage } from './Overview';
import { ServiceMapPage } from './ServiceMapPage';
import { TracePage } from './TracePage';
import { TracesPage } from './TracesPage';
import './traces.css';

const SECTIONS = [
  { href: '/ops', label: 'Overview' },
  { href: '/ops/traces', label: 'Traces' },
  { href: '/ops/service-map', label: 'Service map' },
  { href: '/ops/faults', label: 'Faults' },
  { href: '/ops/scaling', label: 'Scaling' },
] as const;

type Section = (typeof SECTIONS)[number]['href'];

function route(path: string, query: URLSearchParams): { section: Section | null; title: string; body: ReactNode } {
  const clean = path.replace(/\/+$/, '') || '/ops';
  let params: Record<string, string> | null;
  if (clean === '/ops') return { section: '/ops', title: 'Overview', body: <OverviewPage /> };
  if (clean === '/ops/traces') return { section: '/ops/traces', title: 'Traces', body: <TracesPage query={query} /> };
  if ((params = match('/ops/traces/:traceId', clean))) {
    const traceId = params.traceId ?? '';
    return { section: '/ops/traces', title: 'Trace', body: <TracePage key={traceId} traceId={traceId} spanId={query.get('span')} /> };
  }
  if (clean === '/ops/faults') return { section: '/ops/faults', title: 'Faults', body: <FaultsPage /> };
  if (clean === '/ops/scaling') return { section: '/ops/scaling', title: 'Scaling', body: <ScalingPage /> };
  if (clean === '/ops/service-map') return { section: '/ops/service-map', title: 'Service map', body: <ServiceMapPage /> };
  return {
    section: null,
    title: 'Not found',
    body: (
      <p className="empty">
        There is no such page in the dashboard. <Link href="/ops">Back to the overview</Link>
      </p>
    ),
  };
}

/** The operations dashboard, for administrators: the overview, the traces and the service map. */
export default function Ops() {
  const { user, ready, signOut } = useSession();
  const { path, query } = useLocation();
  const admin = user?.role === 'admin';
  const { section, title, body } = route(path, query);
  const here = `${path}${query.size > 0 ? `?${query}` : ''}`;

  useEffect(() => {
    document.title = `${title} · Operations · Microshop`;
  }, [title]);

  return (
    <div className="ops">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="ops-header">
        <div className="ops-header-inner">
          <Link href="/" className="brand">
            Microshop <span className="ops-tag">Operations</span>
          </Link>
          {admin ? (
            <nav className="ops-nav" aria-label="Dashboard">
              {SECTIONS.map((s) => (
                <Link key={s.href} href={s.href} aria-current={s.href === section ? 'page' : undefined}>
                  {s.label}
                </Link>
              ))}
            </nav>
          ) : null}
          {user ? (
            <span className="ops-user">
              {user.email}{' '}
              <button type="button" className="link-button" onClick={signOut}>
                Sign out
              </button>
            </span>
          ) : null}
        </div>
      </header>
      <main id="main" className="ops-main" tabIndex={-1}>
        {!ready ? <Loading /> : null}
        {ready && !user ? <AuthForm mode="signin" next={here} title="Operations sign-in" /> : null}
        {ready && user && !admin ? <Notice kind="error">Only an administrator can see the dashboard. You are signed in as {user.email}.</Notice> : null}
        {admin ? body : null}
      </main>
    </div>
  );
}
