import { runServer, startProcess } from '@microshop/kit';
import { buildApp } from './app.js';
import { loadCartConfig } from './config.js';

startProcess(async () => {
  const config = loadCartConfig();
  const app = await buildApp(config);
  await runServer(app, config);
});
