/**
 * The one place that turns errors into HTTP answers: a status per code, one body shape
 * `{ error: { code, message, issues?, requestId } }`, and never a stack trace or internal message on a 500.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type ErrorCode, isAppError } from '../errors.js';

export const statusByCode: Record<ErrorCode, number> = {
  invalid_input: 400,
  invalid_config: 500,
  unauthenticated: 401,
  forbidden: 403,
  csrf: 403,
  not_found: 404,
  conflict: 409,
  protection: 409,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};

/** Framework errors that are the client's fault (bad JSON, wrong content type, too large) become AppErrors. */
function fromFramework(err: FastifyError): AppError | undefined {
  const status = err.statusCode ?? 500;
  if (err.validation) {
    return new AppError('invalid_input', err.message, {
      details: { issues: err.validation.map((v) => ({ path: (v.instancePath || '').replace(/^\//, '').replace(/\//g, '.'), message: v.message ?? 'invalid' })) },
    });
  }
  if (status === 413) return new AppError('invalid_input', err.message, { userMessage: 'The request body is too large.' });
  if (status === 415) return new AppError('invalid_input', err.message, { userMessage: 'Unsupported content type; send application/json.' });
  if (status >= 400 && status < 500) {
    return new AppError('invalid_input', err.message, { userMessage: status === 404 ? 'Not found.' : 'The request could not be read: ' + err.message });
  }
  return undefined;
}

export function sendError(err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const fastifyErr = err as FastifyError;
  const appErr = isAppError(err) ? err : fromFramework(fastifyErr);
  if (!appErr) {
    request.log.error({ err }, 'unhandled error');
    return reply.status(500).send({ error: { code: 'internal', message: 'Something went wrong on our side.', requestId: request.id } });
  }
  const status = statusByCode[appErr.code];
  if (status >= 500) request.log.error({ err: appErr }, appErr.message);
  else request.log.info({ code: appErr.code, msg: appErr.message }, 'request refused');
  const body: Record<string, unknown> = { code: appErr.code, message: appErr.userMessage, requestId: request.id };
  if (appErr.details?.issues) body.issues = appErr.details.issues;
  return reply.status(status).send({ error: body });
}
