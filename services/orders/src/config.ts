import { type Env, int, loadConfig, serviceConfigSpec } from '@microshop/kit';

export const SERVICE = 'orders';

/** The only place orders reads the environment. */
export function loadOrdersConfig(env: Env = process.env) {
  return loadConfig(
    {
      ...serviceConfigSpec(SERVICE),
      // A PENDING order older than this is cancelled TIMED_OUT (deadline.ts).
      settleTimeoutMs: int('ORDERS_SETTLE_TIMEOUT_MS', { default: 120_000, min: 1_000 }),
    },
    env,
  );
}

export type OrdersConfig = ReturnType<typeof loadOrdersConfig>;
