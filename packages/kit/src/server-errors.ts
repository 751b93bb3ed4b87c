import { type IncomingMessage, type Server, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { ConnectionError, FastifyBaseLogger, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendProblem } from './error-handler.js';
import { commonErrors, type HttpProblem, PROBLEM_CONTENT_TYPE } from './problem.js';
import { redactUrl } from './redact-url.js';
import { newRequestId, REQUEST_ID_HEADER, requestIdFrom } from './request-id.js';

/**
 * Errors raised before a route runs — by Node's HTTP parser, its Expect handling and Fastify's
 * router — answered like every other error: problem+json with an X-Request-Id, and a log line.
 */

/** What Node's parser gives (Fastify's ConnectionError type has rawPacket wrong: it is a Buffer). */
type ParserError = Error & { code?: string; bytesParsed?: number; rawPacket?: Buffer };

/** The headers overflowed before the request line ended: it is the URI that is too long. */
function inRequestLine(error: ParserError): boolean {
  const packet = error.rawPacket;
  if (!packet) return false;
  const parsed = packet.subarray(0, error.bytesParsed ?? packet.length);
  return /^[A-Z]+ /.test(parsed.toString('latin1', 0, 24)) && !parsed.includes(0x0a);
}

function parserProblem(error: ParserError): HttpProblem {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return commonErrors.REQUEST_TIMEOUT('The request headers or body did not arrive in time');
    case 'HPE_HEADER_OVERFLOW':
      return inRequestLine(error)
        ? commonErrors.URI_TOO_LONG('The request line is longer than the server reads')
        : commonErrors.HEADERS_TOO_LARGE('The request headers are larger than the server reads');
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return commonErrors.PAYLOAD_TOO_LARGE('The chunk extensions of the request body are too large');
    default:
      return commonErrors.BAD_REQUEST('The request is not valid HTTP/1.1');
  }
}

function logRefused(log: FastifyBaseLogger, fields: Record<string, unknown>): void {
  log.info(fields, 'request refused');
}

/** A whole HTTP/1.1 response carrying the problem, for writing on a socket with no response object. */
function rawResponse(problem: HttpProblem, requestId: string): string {
  const body = JSON.stringify(problem.toBody());
  return (
    `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status] ?? ''}\r\n` +
    `content-type: ${PROBLEM_CONTENT_TYPE}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
    `${REQUEST_ID_HEADER}: ${requestId}\r\nconnection: close\r\n\r\n${body}`
  );
}

/** Fastify's `clientErrorHandler`: the parser failed, or the request did not arrive in time. */
export function onClientError(this: FastifyInstance, connectionError: ConnectionError, socket: Socket): void {
  const error = connectionError as unknown as ParserError;
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  // A request whose body never finished has its headers read already: its id, method and URL are known.
  const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) {
    const problem = parserProblem(error);
    const request = inFlight?.req;
    const requestId = request ? requestIdFrom(request) : newRequestId();
    const about = request ? { method: request.method, url: redactUrl(request.url ?? '') } : {};
    logRefused(this.log, { reqId: requestId, ...about, status: problem.status, code: error.code });
    socket.write(rawResponse(problem, requestId));
  }
  socket.destroy(error);
}

/** Fastify's `frameworkErrors`: the router could not decode the path, or a segment is too long. */
export function onFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const problem =
    error.code === 'FST_ERR_BAD_URL'
      ? commonErrors.BAD_REQUEST('The URL path has a malformed percent-escape')
      : error.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? commonErrors.URI_TOO_LONG('A segment of the URL path is longer than the server reads')
        : commonErrors.INTERNAL('An unexpected error occurred; the request id identifies it in the logs');
  logRefused(request.log, { method: request.method, url: redactUrl(request.url), status: problem.status, code: error.code });
  reply.header(REQUEST_ID_HEADER, request.id);
  sendProblem(reply, problem);
}

/** Node answers an Expect other than 100-continue itself, with a bare 417, unless someone listens. */
export function answerUnmetExpectations(server: Server, log: FastifyBaseLogger): void {
  server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => {
    const problem = commonErrors.EXPECTATION_FAILED('The only expectation the server meets is Expect: 100-continue');
    const requestId = requestIdFrom(req);
    logRefused(log, { reqId: requestId, method: req.method, url: redactUrl(req.url ?? ''), status: problem.status });
    const body = JSON.stringify(problem.toBody());
    // The body the client holds back would otherwise be read as the next request.
    res.writeHead(problem.status, {
      'content-type': PROBLEM_CONTENT_TYPE,
      'content-length': Buffer.byteLength(body),
      [REQUEST_ID_HEADER]: requestId,
      connection: 'close',
    });
    res.end(body);
  });
}
