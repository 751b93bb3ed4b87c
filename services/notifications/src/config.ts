import { type Env, loadConfig, serviceConfigSpec } from '@microshop/kit';

export const SERVICE = 'notifications';

/** The only place notifications reads the environment. */
export function loadNotificationsConfig(env: Env = process.env) {
  return loadConfig({ ...serviceConfigSpec(SERVICE) }, env);
}

export type NotificationsConfig = ReturnType<typeof loadNotificationsConfig>;
