import { type FormEvent, useRef, useState } from 'react';
import { api, ApiError, describeError, type Order } from '../api';
import { Field, Notice, PageTitle } from '../components/ui';
import { money } from '../format';
import { Link, navigate } from '../router';
import { useSession } from '../session';

const FIELDS = ['name', 'line1', 'city', 'postalCode', 'country', 'cardNumber', 'expMonth', 'expYear', 'cvc'] as const;
type FieldName = (typeof FIELDS)[number];
type Values = Record<FieldName, string>;
type Errors = Partial<Record<FieldName, string>>;

/** The Luhn checksum every card number carries. */
function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** What is wrong with each field, in a shopper's words; empty when the form can be sent. */
export function validate(values: Values, now = new Date()): Errors {
  const errors: Errors = {};
  const required: Array<[FieldName, string]> = [
    ['name', 'Enter the name of the person receiving the order.'],
    ['line1', 'Enter the street address.'],
    ['city', 'Enter the city.'],
    ['postalCode', 'Enter the postal code.'],
    ['country', 'Enter the country.'],
  ];
  for (const [field, message] of required) if (!values[field].trim()) errors[field] = message;
  const card = values.cardNumber.replace(/[\s-]/g, '');
  if (!card) errors.cardNumber = 'Enter the card number.';
  else if (!/^\d{12,19}$/.test(card)) errors.cardNumber = 'A card number is 12 to 19 digits.';
  else if (!luhn(card)) errors.cardNumber = 'This card number is not valid. Check the digits.';
  const month = Number(values.expMonth);
  const year = Number(values.expYear);
  if (!/^\d{1,2}$/.test(values.expMonth.trim()) || month < 1 || month > 12) errors.expMonth = 'Enter the month as a number from 1 to 12.';
  if (!/^\d{4}$/.test(values.expYear.trim())) errors.expYear = 'Enter the year with four digits, like 2030.';
  else if (year < now.getFullYear() || (year === now.getFullYear() && month >= 1 && month < now.getMonth() + 1)) errors.expYear = 'This card has expired.';
  if (!/^\d{3,4}$/.test(values.cvc.trim())) errors.cvc = 'The CVC is the 3 or 4 digits on the back of the card.';
  return errors;
}

/** `/shippingAddress/city` or `/payment/cvc` from a 400 → the form field it concerns. */
function fieldOf(path: string): FieldName | undefined {
  const last = path.split('/').filter(Boolean).pop();
  return FIELDS.find((f) => f === last);
}

const EMPTY: Values = { name: '', line1: '', city: '', postalCode: '', country: '', cardNumber: '', expMonth: '', expYear: '', cvc: '' };

export function Checkout() {
  const { user, cart, refreshCart } = useSession();
  const [values, setValues] = useState<Values>({ ...EMPTY, name: user?.name ?? '' });
  const [errors, setErrors] = useState<Errors>({});
  const [touched, setTouched] = useState<Partial<Record<FieldName, boolean>>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [placing, setPlacing] = useState(false);
  // One key per checkout: pressing "Place order" again after a network error cannot order twice.
  const idempotencyKey = useRef(crypto.randomUUID());

  if (!user) {
    return (
      <>
        <PageTitle>Checkout</PageTitle>
        <p className="empty">
          <Link href="/signin?next=%2Fcheckout">Sign in</Link> to check out.
        </p>
      </>
    );
  }

  const set = (field: FieldName) => (event: { target: { value: string } }) => {
    const next = { ...values, [field]: event.target.value };
    setValues(next);
    if (touched[field]) setErrors((current) => ({ ...current, [field]: validate(next)[field] }));
  };
  const blur = (field: FieldName) => () => {
    setTouched((current) => ({ ...current, [field]: true }));
    setErrors((current) => ({ ...current, [field]: validate(values)[field] }));
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFormError(null);
    const found = validate(values);
    setErrors(found);
    setTouched(Object.fromEntries(FIELDS.map((f) => [f, true])));
    const first = FIELDS.find((f) => found[f]);
    if (first) {
      document.querySelector<HTMLInputElement>(`[name="${first}"]`)?.focus();
      return;
    }
    setPlacing(true);
    try {
      const order = await api<Order>('/api/orders', {
        method: 'POST',
        headers: { 'idempotency-key': idempotencyKey.current },
        body: {
          shippingAddress: { name: values.name.trim(), line1: values.line1.trim(), city: values.city.trim(), postalCode: values.postalCode.trim(), country: values.country.trim() },
          payment: { cardNumber: values.cardNumber.replace(/[\s-]/g, ''), expMonth: Number(values.expMonth), expYear: Number(values.expYear), cvc: values.cvc.trim() },
        },
      });
      void refreshCart();
      navigate(`/orders/${encodeURIComponent(order.id)}`);
    } catch (e) {
      if (e instanceof ApiError && e.status === 400 && e.fieldErrors.length > 0) {
        const server: Errors = {};
        for (const { path, message } of e.fieldErrors) {
          const field = fieldOf(path);
          if (field) server[field] = message;
        }
        setErrors(server);
        if (Object.keys(server).length === 0) setFormError(e.message);
      } else if (e instanceof ApiError && e.status === 422) {
        // The other 422s (a total over the limit, another currency) explain themselves in their detail.
        setFormError(e.title === 'The cart is empty' ? 'Your cart is empty, so there is nothing to order.' : e.message);
      } else {
        setFormError(describeError(e));
      }
    } finally {
      setPlacing(false);
    }
  };

  const field = (name: FieldName, label: string, extra: Record<string, string | number> = {}) => (
    <Field label={label} name={name} value={values[name]} onChange={set(name)} onBlur={blur(name)} error={errors[name]} {...extra} />
  );

  return (
    <>
      <PageTitle sub="Delivery is by drone and free. Pay with test card 4242 4242 4242 4242 (4000 0000 0000 0002 is declined).">Checkout</PageTitle>
      <div className="checkout-layout">
        <form className="checkout-form" onSubmit={submit} noValidate aria-describedby={formError ? 'checkout-error' : undefined}>
          <fieldset>
            <legend>Shipping address</legend>
            {field('name', 'Full name', { autoComplete: 'name' })}
            {field('line1', 'Address', { autoComplete: 'address-line1' })}
            <div className="field-row">
              {field('city', 'City', { autoComplete: 'address-level2' })}
              {field('postalCode', 'Postal code', { autoComplete: 'postal-code' })}
            </div>
            {field('country', 'Country', { autoComplete: 'country-name' })}
          </fieldset>
          <fieldset>
            <legend>Payment</legend>
            {field('cardNumber', 'Card number', { inputMode: 'numeric', autoComplete: 'cc-number' })}
            <div className="field-row field-row-3">
              {field('expMonth', 'Expiry month', { inputMode: 'numeric', autoComplete: 'cc-exp-month', placeholder: 'MM' })}
              {field('expYear', 'Expiry year', { inputMode: 'numeric', autoComplete: 'cc-exp-year', placeholder: 'YYYY' })}
              {field('cvc', 'CVC', { inputMode: 'numeric', autoComplete: 'cc-csc' })}
            </div>
          </fieldset>
          {formError ? (
            <div id="checkout-error">
              <Notice kind="error">{formError}</Notice>
            </div>
          ) : null}
          <button type="submit" className="button button-block" disabled={placing}>
            {placing ? 'Placing your order…' : 'Place order'}
          </button>
        </form>
        <aside className="summary" aria-label="Order summary">
          <h2>Your order</h2>
          {cart && cart.items.length > 0 ? (
            <>
              <ul className="summary-items">
                {cart.items.map((item) => (
                  <li key={item.productId}>
                    <span>
                      {item.quantity} × {item.name}
                    </span>
                    <span>{money(item.unitPriceCents * item.quantity, cart.currency)}</span>
                  </li>
                ))}
              </ul>
              <div className="summary-row summary-total">
                <span>Total</span>
                <span>{money(cart.totalCents, cart.currency)}</span>
              </div>
            </>
          ) : (
            <p className="muted">
              Your cart is empty. <Link href="/">Browse the shop</Link>
            </p>
          )}
        </aside>
      </div>
    </>
  );
}
