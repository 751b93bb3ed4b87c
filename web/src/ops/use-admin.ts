import { useCallback, useEffect, useState } from 'react';
import { api, ApiError, describeError } from '../api';

export interface AdminState<T> {
  data: T | null;
  error: string | null;
  /** The HTTP status of a failed answer (404 for a trace that is not, or no longer, kept). */
  status: number | null;
  reload: () => void;
}

/**
 * GETs an admin path when it changes and on `reload()`, and every `refreshMs` if given; the last
 * answer stays on the page while the next one loads.
 */
export function useAdmin<T>(path: string | null, refreshMs?: number): AdminState<T> {
  const [state, setState] = useState<Omit<AdminState<T>, 'reload'>>({ data: null, error: null, status: null });
  const [round, setRound] = useState(0);
  const reload = useCallback(() => setRound((n) => n + 1), []);

  useEffect(() => {
    setState({ data: null, error: null, status: null });
  }, [path]);

  useEffect(() => {
    if (!path) return;
    const abort = new AbortController();
    const load = () =>
      api<T>(path, { signal: abort.signal })
        .then((data) => setState({ data, error: null, status: null }))
        .catch((e: unknown) => {
          if (abort.signal.aborted) return;
          const status = e instanceof ApiError ? e.status : null;
          const error = status === 403 ? 'Only an administrator can see this.' : describeError(e);
          setState((s) => ({ data: status === 404 ? null : s.data, error, status }));
        });
    void load();
    const timer = refreshMs ? window.setInterval(() => void load(), refreshMs) : undefined;
    return () => {
      abort.abort();
      window.clearInterval(timer);
    };
  }, [path, refreshMs, round]);

  return { ...state, reload };
}
