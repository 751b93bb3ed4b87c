import { type Env, loadConfig, serviceConfigSpec } from '@microshop/kit';

export const SERVICE = 'orders';

/** The only place orders reads the environment. */
export function loadOrdersConfig(env: Env = process.env) {
  return loadConfig({ ...serviceConfigSpec(SERVICE) }, env);
}

export type OrdersConfig = ReturnType<typeof loadOrdersConfig>;
