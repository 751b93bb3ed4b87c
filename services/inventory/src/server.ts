import { runServer, startProcess } from '@microshop/kit';
import { buildApp } from './app.js';
import { loadInventoryConfig } from './config.js';

startProcess(async () => {
  const config = loadInventoryConfig();
  const app = await buildApp(config);
  await runServer(app, config);
});
