import { type Env, loadConfig, serviceConfigSpec } from '@microshop/kit';

export const SERVICE = 'cart';

/** The only place the cart reads the environment. */
export function loadCartConfig(env: Env = process.env) {
  return loadConfig({ ...serviceConfigSpec(SERVICE) }, env);
}

export type CartConfig = ReturnType<typeof loadCartConfig>;
