import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { commonErrors, HttpProblem, PROBLEM_CONTENT_TYPE } from './problem.js';
import { fieldErrors } from './validation.js';

/** Fastify's own 4xx errors, mapped to the kit's stable codes. */
function fromFastifyError(error: FastifyError): HttpProblem | undefined {
  if (error.validation) {
    const errors = fieldErrors(error.validation as never, error.validationContext);
    const where = error.validationContext === 'querystring' ? 'query string' : (error.validationContext ?? 'request');
    const names = errors.map((e) => e.path).join(', ');
    return commonErrors.VALIDATION_FAILED(`The ${where} has invalid fields: ${names}`, { errors });
  }
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return commonErrors.MALFORMED_JSON('The request body could not be parsed as JSON', {
        errors: [{ path: 'body', message: 'is not valid JSON' }],
      });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return commonErrors.MALFORMED_JSON('The request declares JSON but the body is empty', {
        errors: [{ path: 'body', message: 'is empty' }],
      });
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return commonErrors.PAYLOAD_TOO_LARGE('The request body is larger than the 1 MiB limit');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return commonErrors.UNSUPPORTED_MEDIA_TYPE('Send the request body as application/json');
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    return new HttpProblem(status, error.code ?? 'BAD_REQUEST', 'Bad request', error.message);
  }
  return undefined;
}

export function sendProblem(reply: FastifyReply, problem: HttpProblem): FastifyReply {
  for (const [name, value] of Object.entries(problem.headers)) reply.header(name, value);
  return reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem.toBody(reply.request.url));
}

/** One place where every error becomes problem+json; unknown errors leak nothing. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const problem = error instanceof HttpProblem ? error : fromFastifyError(error);
    if (problem) {
      if (problem.status >= 500) request.log.error({ err: error }, problem.message);
      return sendProblem(reply, problem);
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendProblem(reply, commonErrors.INTERNAL('An unexpected error occurred; the request id identifies it in the logs'));
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, commonErrors.NOT_FOUND(`No route for ${request.method} ${request.url.split('?')[0]}`)),
  );
}
