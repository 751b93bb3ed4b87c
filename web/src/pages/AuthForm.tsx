import { type FormEvent, useState } from 'react';
import { api, ApiError, describeError, type User } from '../api';
import { Field, Notice } from '../components/ui';
import { Link, navigate } from '../router';
import { useSession } from '../session';

type Mode = 'signin' | 'register';
type Errors = Partial<Record<'email' | 'password' | 'name', string>>;

function validate(mode: Mode, email: string, password: string, name: string): Errors {
  const errors: Errors = {};
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.trim())) errors.email = 'Enter an email address like ada@example.com.';
  if (mode === 'register' && password.length < 8) errors.password = 'Use at least 8 characters.';
  if (mode === 'signin' && !password) errors.password = 'Enter your password.';
  if (mode === 'register' && !name.trim()) errors.name = 'Enter your name.';
  return errors;
}

/** Sign-in and registration; `next` is where to go afterwards (a path in this site only). */
export function AuthForm({ mode, next, title }: { mode: Mode; next: string; title?: string }) {
  const { signedIn } = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [name, setName] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const target = next.startsWith('/') && !next.startsWith('//') ? next : '/';

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFormError(null);
    const found = validate(mode, email, password, name);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    try {
      const body = mode === 'register' ? { email: email.trim(), password, name: name.trim() } : { email: email.trim(), password };
      const result = await api<{ user: User; token: string }>(mode === 'register' ? '/api/auth/register' : '/api/auth/login', { method: 'POST', body });
      signedIn(result.token, result.user);
      navigate(target, { replace: true });
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) setFormError('That email and password do not match an account.');
      else if (e instanceof ApiError && e.status === 409) setErrors({ email: 'An account with this email already exists. Sign in instead.' });
      else if (e instanceof ApiError && e.status === 400 && e.fieldErrors.length > 0) {
        const server: Errors = {};
        for (const { path, message } of e.fieldErrors) {
          const field = path.split('/').pop();
          if (field === 'email' || field === 'password' || field === 'name') server[field] = message;
        }
        setErrors(server);
      } else setFormError(describeError(e));
    } finally {
      setBusy(false);
    }
  };

  const heading = title ?? (mode === 'register' ? 'Create your account' : 'Sign in');
  return (
    <div className="auth-card">
      <h1>{heading}</h1>
      <form onSubmit={submit} noValidate>
        {mode === 'register' ? <Field label="Name" name="name" autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} error={errors.name} /> : null}
        <Field label="Email" name="email" type="email" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} error={errors.email} />
        <Field
          label="Password"
          name="password"
          type="password"
          autoComplete={mode === 'register' ? 'new-password' : 'current-password'}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={errors.password}
          hint={mode === 'register' ? 'At least 8 characters.' : undefined}
        />
        {formError ? <Notice kind="error">{formError}</Notice> : null}
        <button type="submit" className="button button-block" disabled={busy}>
          {busy ? 'One moment…' : mode === 'register' ? 'Register' : 'Sign in'}
        </button>
      </form>
      <p className="auth-switch">
        {mode === 'register' ? (
          <>
            Already have an account? <Link href={`/signin?next=${encodeURIComponent(target)}`}>Sign in</Link>
          </>
        ) : (
          <>
            New here? <Link href={`/register?next=${encodeURIComponent(target)}`}>Register</Link>
          </>
        )}
      </p>
    </div>
  );
}
