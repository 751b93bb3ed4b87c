import { type Env, int, loadConfig, serviceConfigSpec } from '@microshop/kit';

export const SERVICE = 'inventory';

/** The only place inventory reads the environment. */
export function loadInventoryConfig(env: Env = process.env) {
  return loadConfig(
    {
      ...serviceConfigSpec(SERVICE),
      // Stock a product gets when inventory first hears of it (the seed); admins set it after.
      initialStock: int('INVENTORY_INITIAL_STOCK', { default: 25, min: 0, max: 1_000_000 }),
    },
    env,
  );
}

export type InventoryConfig = ReturnType<typeof loadInventoryConfig>;
