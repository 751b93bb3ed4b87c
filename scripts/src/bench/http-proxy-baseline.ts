// The plain baseline of the gateway benchmark: node-http-proxy with a keep-alive agent, nothing
// else. `node http-proxy-baseline.js <port> <target>`; prints "listening" when ready.
import { Agent, createServer } from 'node:http';
import httpProxy from 'http-proxy';

const [port = '0', target = ''] = process.argv.slice(2);
const proxy = httpProxy.createProxyServer({ target, agent: new Agent({ keepAlive: true, maxSockets: 128 }) });
proxy.on('error', (_error, _request, response) => {
  if ('writeHead' in response && !response.headersSent) response.writeHead(502);
  response.end();
});
createServer((request, response) => proxy.web(request, response)).listen(Number(port), '127.0.0.1', () => process.stdout.write('listening\n'));
