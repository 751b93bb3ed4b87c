import { type Env, loadConfig, serviceConfigSpec } from '@microshop/kit';

export const SERVICE = 'catalog';

/** The only place the catalog reads the environment. */
export function loadCatalogConfig(env: Env = process.env) {
  return loadConfig({ ...serviceConfigSpec(SERVICE) }, env);
}

export type CatalogConfig = ReturnType<typeof loadCatalogConfig>;
