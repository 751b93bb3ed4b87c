import { type Context, type ContextManager, ROOT_CONTEXT } from '@opentelemetry/api';

/** `target` (when it is a function) made to run in `context`, by `manager`'s `with`. */
export function bindTo<T>(manager: Pick<ContextManager, 'with'>, context: Context, target: T): T {
  if (typeof target !== 'function') return target;
  return function bound(this: unknown, ...args: unknown[]) {
    return manager.with(context, () => (target as (...a: unknown[]) => unknown).apply(this, args));
  } as T;
}

/**
 * A context manager that follows only synchronous calls: `with(context, fn)` makes `context`
 * active while `fn` runs, and not in the callbacks or promises it leaves behind. The gateway uses
 * it instead of AsyncLocalStorage, which on Node.js 20, once used at all, hooks every promise the
 * process makes from then on; its spans are passed by hand instead (edge-span.ts), and so are
 * the client spans of its calls (fetch-part.ts).
 */
export class SyncContextManager implements ContextManager {
  #active: Context = ROOT_CONTEXT;

  active(): Context {
    return this.#active;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    context: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    const previous = this.#active;
    this.#active = context;
    try {
      return fn.call(thisArg, ...args);
    } finally {
      this.#active = previous;
    }
  }

  bind<T>(context: Context, target: T): T {
    return bindTo(this, context, target);
  }

  enable(): this {
    return this;
  }

  disable(): this {
    this.#active = ROOT_CONTEXT;
    return this;
  }
}
