import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { api, type Cart, setUnauthorizedHandler, storedToken, storeToken, type User } from './api';

interface Session {
  user: User | null;
  /** False until a stored token has been checked with identity. */
  ready: boolean;
  cart: Cart | null;
  signedIn(token: string, user: User): void;
  signOut(): void;
  /** Fetches the cart again (after a change on another page). */
  refreshCart(): Promise<void>;
  setCart(cart: Cart | null): void;
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<User | null>(null);
  const [ready, setReady] = useState(false);
  const [cart, setCart] = useState<Cart | null>(null);

  const signOut = useCallback(() => {
    storeToken(null);
    setUser(null);
    setCart(null);
  }, []);

  const refreshCart = useCallback(async () => {
    if (!storedToken()) return;
    try {
      setCart(await api<Cart>('/api/cart'));
    } catch {
      // The cart badge is a convenience: the cart page says when the cart service is down.
    }
  }, []);

  useEffect(() => {
    setUnauthorizedHandler(signOut);
    if (!storedToken()) {
      setReady(true);
      return;
    }
    api<User>('/api/auth/me')
      .then((me) => {
        setUser(me);
        void refreshCart();
      })
      .catch(() => {
        // An expired token signed us out already; identity being down keeps the token for later.
      })
      .finally(() => setReady(true));
  }, [signOut, refreshCart]);

  const value = useMemo<Session>(
    () => ({
      user,
      ready,
      cart,
      signedIn(token, signedInUser) {
        storeToken(token);
        setUser(signedInUser);
        void refreshCart();
      },
      signOut,
      refreshCart,
      setCart,
    }),
    [user, ready, cart, signOut, refreshCart],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}
