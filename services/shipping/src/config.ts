import { type Env, loadConfig, num, serviceConfigSpec } from '@microshop/kit';

export const SERVICE = 'shipping';

/** The only place shipping reads the environment. */
export function loadShippingConfig(env: Env = process.env) {
  return loadConfig(
    {
      ...serviceConfigSpec(SERVICE),
      // Simulated time runs this many times faster (SPEC §3).
      timeScale: num('MICROSHOP_TIME_SCALE', { default: 1, min: 0.01, max: 10_000 }),
    },
    env,
  );
}

export type ShippingConfig = ReturnType<typeof loadShippingConfig>;
