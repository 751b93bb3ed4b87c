import { runServer, startProcess } from '@microshop/kit';
import { buildApp } from './app.js';
import { loadShippingConfig } from './config.js';

startProcess(async () => {
  const config = loadShippingConfig();
  const app = await buildApp(config);
  await runServer(app, config);
});
