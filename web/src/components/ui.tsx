import { type InputHTMLAttributes, type ReactNode, useId } from 'react';
import type { Product } from '../api';
import { money } from '../format';
import { Link } from '../router';

/** A labelled input with its error right under it, tied to it for screen readers. */
export function Field({ label, error, hint, ...input }: InputHTMLAttributes<HTMLInputElement> & { label: string; error?: string | undefined; hint?: string }) {
  const id = useId();
  const describedBy = [error ? `${id}-error` : '', hint ? `${id}-hint` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      <input id={id} aria-invalid={error ? true : undefined} aria-describedby={describedBy} {...input} />
      {hint && !error ? (
        <p className="field-hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
      {error ? (
        <p className="field-error" id={`${id}-error`}>
          {error}
        </p>
      ) : null}
    </div>
  );
}

/** A message about part of the page: `alert` for failures, `status` for news. */
export function Notice({ kind = 'info', children }: { kind?: 'info' | 'error' | 'success' | 'warning'; children: ReactNode }) {
  return (
    <div className={`notice notice-${kind}`} role={kind === 'error' || kind === 'warning' ? 'alert' : 'status'}>
      {children}
    </div>
  );
}

export function Loading({ label = 'Loading' }: { label?: string }) {
  return (
    <div className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {label}…
    </div>
  );
}

export function ProductImage({ product, size = 'card' }: { product: Pick<Product, 'id' | 'name'>; size?: 'card' | 'large' | 'thumb' }) {
  return <img className={`product-image product-image-${size}`} src={`/images/products/${encodeURIComponent(product.id)}.svg`} alt="" loading="lazy" />;
}

/** A product card is one link named after the product (the storefront's accessibility contract). */
export function ProductCard({ product, categoryName }: { product: Product; categoryName?: string | undefined }) {
  return (
    <Link className="product-card" href={`/products/${encodeURIComponent(product.id)}`} aria-label={product.name}>
      <ProductImage product={product} />
      <span className="product-card-body">
        {categoryName ? <span className="product-card-category">{categoryName}</span> : null}
        <span className="product-card-name">{product.name}</span>
        <span className="product-card-price">{money(product.priceCents, product.currency)}</span>
      </span>
    </Link>
  );
}

export function PageTitle({ children, sub }: { children: ReactNode; sub?: ReactNode }) {
  return (
    <header className="page-title">
      <h1>{children}</h1>
      {sub ? <p>{sub}</p> : null}
    </header>
  );
}
