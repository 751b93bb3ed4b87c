import { runServer, startProcess } from '@microshop/kit';
import { buildApp } from './app.js';
import { loadNotificationsConfig } from './config.js';

startProcess(async () => {
  const config = loadNotificationsConfig();
  const app = await buildApp(config);
  await runServer(app, config);
});
