// The Node.js peers of the gateway benchmark, each a plain proxy of every path to one target, in
// its own process: `node node-peers.js <peer> <port> <target>`, printing "listening" when ready.
//   http-proxy       node-http-proxy with a keep-alive agent (the long-standing baseline)
//   fast-gateway     fast-gateway (restana + fast-proxy-lite), a prefix route to the target
//   fastify-proxy    Fastify with @fastify/http-proxy (undici underneath, as our gateway)
import { Agent, createServer } from 'node:http';
import httpProxy from 'http-proxy';

const [peer = '', port = '0', target = ''] = process.argv.slice(2);
const ready = () => process.stdout.write('listening\n');

async function start(): Promise<void> {
  switch (peer) {
    case 'http-proxy': {
      const proxy = httpProxy.createProxyServer({ target, agent: new Agent({ keepAlive: true, maxSockets: 128 }) });
      proxy.on('error', (_error, _request, response) => {
        if ('writeHead' in response && !response.headersSent) response.writeHead(502);
        response.end();
      });
      createServer((request, response) => proxy.web(request, response)).listen(Number(port), '127.0.0.1', ready);
      return;
    }
    case 'fast-gateway': {
      const { default: gateway } = await import('fast-gateway');
      // One prefix route for the API, kept on the way in: the target serves the same paths.
      const server = gateway({ routes: [{ prefix: '/api', prefixRewrite: '/api', target }] });
      await server.start(Number(port), '127.0.0.1');
      ready();
      return;
    }
    case 'fastify-proxy': {
      const { default: Fastify } = await import('fastify');
      const { default: proxy } = await import('@fastify/http-proxy');
      const app = Fastify({ logger: false });
      await app.register(proxy, { upstream: target });
      await app.listen({ port: Number(port), host: '127.0.0.1' });
      ready();
      return;
    }
    default:
      process.stderr.write(`unknown peer ${JSON.stringify(peer)}: http-proxy, fast-gateway or fastify-proxy\n`);
      process.exit(2);
  }
}

await start();
