import cluster from 'node:cluster';
import { ConfigError, runServer, startProcess } from '@microshop/kit';
import { startTelemetry } from '@microshop/kit/telemetry';
import { buildGateway, traceStoreFor } from './app.js';
import { announceReady, gatewayProcesses, inCluster, runPrimary, shareFaults, shareTraces } from './cluster.js';
import { loadGatewayConfig } from './config.js';
import { FaultInjector } from './faults.js';
import { LocalSpans } from './traces/local-spans.js';

startProcess(async () => {
  let processes: number;
  try {
    processes = gatewayProcesses();
  } catch (error) {
    throw new ConfigError([(error as Error).message]);
  }
  const config = loadGatewayConfig();
  // Several processes on the port: this one forks them and relays (cluster.ts).
  if (processes > 1 && cluster.isPrimary) {
    runPrimary(processes);
    return;
  }
  // The gateway holds the built-in trace store: its own spans go straight in.
  const traces = traceStoreFor(config);
  const faults = new FaultInjector();
  if (inCluster()) {
    shareTraces(traces);
    shareFaults(faults);
  }
  startTelemetry({ service: 'gateway', instanceId: config.instanceId, local: new LocalSpans(traces), asyncContext: false, edge: true, clientSpans: false });
  const app = await buildGateway(config, { traces, faults });
  if (inCluster()) announceReady();
  await runServer(app, config);
});
