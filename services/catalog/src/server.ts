import { runServer, startProcess } from '@microshop/kit';
import { buildApp } from './app.js';
import { loadCatalogConfig } from './config.js';

startProcess(async () => {
  const config = loadCatalogConfig();
  const app = await buildApp(config);
  await runServer(app, config);
});
