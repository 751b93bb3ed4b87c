import { type Env, loadConfig, serviceConfigSpec } from '@microshop/kit';

export const SERVICE = 'payments';

/** The only place payments reads the environment. */
export function loadPaymentsConfig(env: Env = process.env) {
  return loadConfig({ ...serviceConfigSpec(SERVICE) }, env);
}

export type PaymentsConfig = ReturnType<typeof loadPaymentsConfig>;
