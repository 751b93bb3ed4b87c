import { runServer, startProcess } from '@microshop/kit';
import { buildApp } from './app.js';
import { loadPaymentsConfig } from './config.js';

startProcess(async () => {
  const config = loadPaymentsConfig();
  const app = await buildApp(config);
  await runServer(app, config);
});
