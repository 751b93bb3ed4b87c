import { runServer, startProcess } from '@microshop/kit';
import { buildApp } from './app.js';
import { loadOrdersConfig } from './config.js';

startProcess(async () => {
  const config = loadOrdersConfig();
  const app = await buildApp(config);
  await runServer(app, config);
});
