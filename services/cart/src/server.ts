import { runServer, startProcess } from '@microshop/kit';
import { startTelemetry } from '@microshop/kit/telemetry';
import { buildApp } from './app.js';
import { loadCartConfig } from './config.js';

startProcess(async () => {
  const config = loadCartConfig();
  // Before the app is built: its database driver is instrumented as it loads.
  startTelemetry({ service: config.service, instanceId: config.instanceId });
  const app = await buildApp(config);
  await runServer(app, config);
});
