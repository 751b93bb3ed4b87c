/** The gateway's API, as the pages use it: JSON in and out, problem+json turned into ApiError. */
import { useEffect, useState } from 'react';

export interface Product {
  id: string;
  sku: string;
  name: string;
  description: string;
  priceCents: number;
  currency: string;
  category: string;
  imageUrl: string;
}
export interface Category {
  id: string;
  name: string;
}
export interface CartItem {
  productId: string;
  name: string;
  quantity: number;
  unitPriceCents: number;
}
export interface Cart {
  items: CartItem[];
  totalCents: number;
  currency: string;
}
export interface User {
  id: string;
  email: string;
  name: string;
  role: 'customer' | 'admin';
}
export type OrderStatus = 'PENDING' | 'CONFIRMED' | 'SHIPPED' | 'DELIVERED' | 'CANCELLED';
export interface Order {
  id: string;
  status: OrderStatus;
  items: CartItem[];
  totalCents: number;
  currency: string;
  shippingAddress: { name: string; line1: string; city: string; postalCode: string; country: string };
  createdAt: string;
  updatedAt: string;
  cancellationReason?: 'OUT_OF_STOCK' | 'PAYMENT_DECLINED';
  history: Array<{ status: OrderStatus; at: string }>;
}
export interface Delivery {
  orderId: string;
  status: 'SCHEDULED' | 'IN_TRANSIT' | 'DELIVERED';
  droneId: string;
  eta: string;
}
export interface Notification {
  id: string;
  kind: string;
  subject: string;
  body: string;
  createdAt: string;
}
export interface Home {
  categories: Category[];
  featured: Product[];
  cart: Cart | null;
  degraded: string[];
}

/** An answer that was not a success: the problem's words, the fields it names, the service that failed. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    detail: string,
    readonly fieldErrors: Array<{ path: string; message: string }> = [],
    readonly service: string | undefined = undefined,
  ) {
    super(detail || title);
  }

  /** True when the gateway said a service has no healthy instance, or timed out waiting for it. */
  get unavailable(): boolean {
    return this.status === 502 || this.status === 503 || this.status === 504;
  }
}

const TOKEN_KEY = 'microshop.token';

export function storedToken(): string | null {
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function storeToken(token: string | null): void {
  try {
    if (token) localStorage.setItem(TOKEN_KEY, token);
    else localStorage.removeItem(TOKEN_KEY);
  } catch {
    // Private browsing without storage: the session lasts as long as the page.
  }
}

/** Called when a signed-in request comes back 401: the token expired or was revoked. */
let onUnauthorized: () => void = () => undefined;
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

export interface ApiOptions {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export async function api<T>(path: string, options: ApiOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  const token = storedToken();
  if (token) headers.authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError(0, 'Offline', 'The shop cannot be reached. Check your connection and try again.');
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (response.ok) return body as T;
  const problem = (body ?? {}) as { title?: string; detail?: string; errors?: Array<{ path: string; message: string }>; service?: string };
  if (response.status === 401 && token) onUnauthorized();
  throw new ApiError(response.status, problem.title ?? response.statusText, problem.detail ?? '', problem.errors ?? [], problem.service);
}

const SERVICE_NAMES: Record<string, string> = {
  catalog: 'The product catalog',
  cart: 'The cart',
  orders: 'Ordering',
  identity: 'Sign-in',
  payments: 'Payments',
  shipping: 'Delivery tracking',
  notifications: 'Notifications',
  inventory: 'Stock levels',
};

/** A sentence a shopper understands for an error, naming the part of the shop that is down. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.unavailable) {
      const part = error.service ? (SERVICE_NAMES[error.service] ?? `The ${error.service} service`) : 'This part of the shop';
      return `${part} is unavailable right now. The rest of the shop still works; try this again in a moment.`;
    }
    if (error.status === 429) return 'Too many requests in a short time. Wait a few seconds and try again.';
    return error.message;
  }
  return 'Something went wrong. Try again.';
}

export function unavailableNotice(service: string): string {
  return `${SERVICE_NAMES[service] ?? `The ${service} service`} is unavailable right now.`;
}

/**
 * GETs `path` when a page shows (again when the path changes; aborted when it leaves): the answer,
 * or the message to show instead. Both null while loading.
 */
export function useApi<T>(path: string): { data: T | null; error: string | null } {
  const [state, setState] = useState<{ data: T | null; error: string | null }>({ data: null, error: null });
  useEffect(() => {
    const abort = new AbortController();
    setState({ data: null, error: null });
    api<T>(path, { signal: abort.signal })
      .then((data) => setState({ data, error: null }))
      .catch((e: unknown) => {
        if (!abort.signal.aborted) setState({ data: null, error: describeError(e) });
      });
    return () => abort.abort();
  }, [path]);
  return state;
}
