import { AsyncLocalStorage } from 'node:async_hooks';
import { type Context, type ContextManager, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { bindTo } from './sync-context.js';

/**
 * The services' context manager: AsyncLocalStorage only while a recorded span is open.
 *
 * On Node.js 20, AsyncLocalStorage, once in use, runs a hook for every promise the process makes,
 * whatever it stores: measured on checkout, that alone cost 8–9 % of its throughput with tracing
 * off. Under the default sampler nearly every request and event is not recorded, and an unrecorded
 * one needs no context across its awaits: the trace id it passes on travels explicitly (the
 * caller's `traceparent` given to the service client and to the events it writes), and its log
 * lines are bound to it (server-spans.ts). So `with` follows only synchronous calls, as the
 * gateway's manager does, until a context holding a recording span is entered; from then on
 * AsyncLocalStorage carries every context across awaits, and it is turned off again once no
 * recording span is open. A recorded trace is thus whole, and an unrecorded one costs no hook.
 */
export class RecordedContextManager implements ContextManager {
  readonly #storage = new AsyncLocalStorage<Context>();
  #sync: Context = ROOT_CONTEXT;
  #async = false;
  #open = 0;
  #checking = false;

  /** Counts the recording spans not yet ended: the SDK calls a processor only for those. */
  readonly processor: SpanProcessor = {
    onStart: (_span: Span) => {
      this.#open++;
    },
    onEnd: (_span: ReadableSpan) => {
      if (--this.#open <= 0) {
        this.#open = 0;
        this.#scheduleCheck();
      }
    },
    forceFlush: async () => {},
    shutdown: async () => {},
  };

  /** Whether AsyncLocalStorage is in use now (tests look). */
  get following(): boolean {
    return this.#async;
  }

  active(): Context {
    if (this.#async) return this.#storage.getStore() ?? this.#sync;
    return this.#sync;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    context: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    if (!this.#async && trace.getSpan(context)?.isRecording()) this.#async = true;
    if (this.#async) return this.#storage.run(context, () => fn.call(thisArg, ...args));
    const previous = this.#sync;
    this.#sync = context;
    try {
      return fn.call(thisArg, ...args);
    } finally {
      this.#sync = previous;
    }
  }

  bind<T>(context: Context, target: T): T {
    return bindTo(this, context, target);
  }

  enable(): this {
    return this;
  }

  disable(): this {
    this.#storage.disable();
    this.#async = false;
    this.#sync = ROOT_CONTEXT;
    return this;
  }

  /**
   * Off again once every recording span has ended, checked from a fresh turn of the event loop
   * (never inside a `with`). A service's spans end when their work does, so nothing of a recorded
   * trace is left to follow; a promise made while it was on keeps its context if it is turned on
   * again, which only makes a late span the child of its own trace.
   */
  #scheduleCheck(): void {
    if (this.#checking || !this.#async) return;
    this.#checking = true;
    setImmediate(() => {
      this.#checking = false;
      if (this.#open === 0 && this.#async) {
        this.#storage.disable();
        this.#async = false;
      }
    }).unref();
  }
}
