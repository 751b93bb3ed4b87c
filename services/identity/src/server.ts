import { runServer, startProcess } from '@microshop/kit';
import { buildApp } from './app.js';
import { loadIdentityConfig } from './config.js';

startProcess(async () => {
  const config = loadIdentityConfig();
  const app = await buildApp(config);
  await runServer(app, config);
});
