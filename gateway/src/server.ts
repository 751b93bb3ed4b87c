import { runServer, startProcess } from '@microshop/kit';
import { buildGateway } from './app.js';
import { loadGatewayConfig } from './config.js';

startProcess(async () => {
  const config = loadGatewayConfig();
  const app = await buildGateway(config);
  await runServer(app, config);
});
