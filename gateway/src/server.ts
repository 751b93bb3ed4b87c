import { runServer, startProcess } from '@microshop/kit';
import { startTelemetry } from '@microshop/kit/telemetry';
import { buildGateway, traceStoreFor } from './app.js';
import { loadGatewayConfig } from './config.js';
import { LocalSpans } from './traces/local-spans.js';

startProcess(async () => {
  const config = loadGatewayConfig();
  // The gateway holds the built-in trace store: its own spans go straight in.
  const traces = traceStoreFor(config);
  startTelemetry({ service: 'gateway', instanceId: config.instanceId, local: new LocalSpans(traces), asyncContext: false, edge: true });
  const app = await buildGateway(config, { traces });
  await runServer(app, config);
});
