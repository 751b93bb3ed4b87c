import { get } from 'node:http';
import { join, resolve } from 'node:path';
import { freePort } from '@microshop/kit/light';
import type { RunnerConfig } from './config.js';
import { Supervisor } from './supervisor.js';

type Readiness = { services?: Record<string, { healthy: number; instances: number }> };

/** GET with node:http: the runner stays small by never loading fetch's HTTP client. */
function getJson(url: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const request = get(url, { timeout: 1_000, agent: false }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        text += chunk;
      });
      response.on('end', () => {
        try {
          resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) });
        } catch (error) {
          reject(error);
        }
      });
    });
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', reject);
  });
}

/** Ready means `/readyz` answers 200; for the gateway, also that it can reach every instance. */
async function isReady(url: string, gateway: boolean): Promise<boolean> {
  try {
    const { status, body } = await getJson(`${url}/readyz`);
    if (status !== 200) return false;
    return !gateway || Object.values((body as Readiness).services ?? {}).every((s) => s.healthy === s.instances);
  } catch {
    return false;
  }
}

/** The whole system on one machine: every service instance and the gateway as separate processes. */
export class Runner {
  readonly services: Supervisor[] = [];
  gateway: Supervisor | undefined;
  #stopping: Promise<void> | undefined;

  constructor(
    private readonly config: RunnerConfig,
    private readonly say: (line: string) => void = (line) => process.stdout.write(`${'runner'.padEnd(16)}| ${line}\n`),
  ) {}

  get gatewayUrl(): string {
    const host = this.config.host === '0.0.0.0' || this.config.host === '::' ? 'localhost' : this.config.host;
    return `http://${host.includes(':') ? `[${host}]` : host}:${this.config.port}`;
  }

  /** Starts everything and resolves once the gateway and every instance answer `/readyz`. */
  async start(): Promise<number> {
    const began = performance.now();
    const { root, services, instances } = this.config;
    const dataDir = resolve(this.config.dataDir);
    const pretty = this.config.logFormat === 'pretty';
    const upstreams: string[] = [];
    for (const service of services) {
      const urls: string[] = [];
      for (let i = 1; i <= (instances[service] ?? 1); i++) {
        const port = await freePort();
        const supervisor = new Supervisor(
          {
            name: `${service}-${i}`,
            script: join(root, 'services', service, 'dist', 'src', 'server.js'),
            port,
            env: {
              ...process.env,
              PORT: String(port),
              HOST: '127.0.0.1',
              MICROSHOP_DATA_DIR: dataDir,
              MICROSHOP_INSTANCE_ID: `${service}-${i}`,
            },
          },
          this.say,
          pretty,
        );
        this.services.push(supervisor);
        urls.push(supervisor.url);
      }
      upstreams.push(`${service}=${urls.join(',')}`);
    }
    this.gateway = new Supervisor(
      {
        name: 'gateway-1',
        script: join(root, 'gateway', 'dist', 'src', 'server.js'),
        port: this.config.port,
        env: {
          ...process.env,
          PORT: String(this.config.port),
          HOST: this.config.host,
          MICROSHOP_UPSTREAMS: upstreams.join(';'),
          MICROSHOP_INSTANCE_ID: 'gateway-1',
        },
      },
      this.say,
      pretty,
    );
    // Services call each other rarely (orders reads the cart), at the same addresses the gateway uses.
    for (const supervisor of this.services) supervisor.spec.env.MICROSHOP_UPSTREAMS = upstreams.join(';');
    for (const supervisor of this.services) supervisor.start();
    this.gateway.start();

    const pending = new Set([...this.services, this.gateway]);
    const deadline = Date.now() + this.config.readyTimeoutMs;
    while (pending.size > 0) {
      if (this.#stopping) throw new Error('stopped before ready');
      if (Date.now() > deadline) {
        throw new Error(`not ready after ${this.config.readyTimeoutMs} ms: ${[...pending].map((s) => s.spec.name).join(', ')}`);
      }
      await Promise.all(
        [...pending].map(async (supervisor) => {
          if (await isReady(supervisor.url, supervisor === this.gateway)) pending.delete(supervisor);
        }),
      );
      if (pending.size > 0) await new Promise((r) => setTimeout(r, 50));
    }
    return Math.round(performance.now() - began);
  }

  /** Gateway first (no new traffic), then the services; each gets SIGTERM, then SIGKILL. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      for (const supervisor of [...this.services, this.gateway]) supervisor?.prepareToStop();
      await this.gateway?.stop();
      await Promise.all(this.services.map((s) => s.stop()));
    })();
    return this.#stopping;
  }
}
