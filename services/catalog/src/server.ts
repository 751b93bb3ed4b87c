import { runServer, startProcess } from '@microshop/kit';
import { startTelemetry } from '@microshop/kit/telemetry';
import { buildApp } from './app.js';
import { loadCatalogConfig } from './config.js';

startProcess(async () => {
  const config = loadCatalogConfig();
  // Before the app is built: its database driver is instrumented as it loads.
  startTelemetry({ service: config.service, instanceId: config.instanceId });
  const app = await buildApp(config);
  await runServer(app, config);
});
