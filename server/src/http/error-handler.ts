import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import {
  errorIssueOf,
  type ApiErrorBody,
  type ErrorCode,
  type ErrorIssue,
} from '../../../contract/errors';
import { ApiHttpError } from '../errors';

function send(reply: FastifyReply, status: number, error: ApiErrorBody['error']): FastifyReply {
  if (error.retryAfterSeconds !== undefined) {
    reply.header('retry-after', String(error.retryAfterSeconds));
  }
  return reply.code(status).type('application/json; charset=utf-8').send({ error });
}

/** Fastify's own client-error codes, mapped to our stable codes and plain words. */
const FASTIFY_CLIENT_ERRORS: Record<string, { status: number; code: ErrorCode; message: string }> =
  {
    FST_ERR_CTP_BODY_TOO_LARGE: {
      status: 413,
      code: 'payload_too_large',
      message: 'The request body is too large.',
    },
    FST_ERR_CTP_INVALID_MEDIA_TYPE: {
      status: 415,
      code: 'unsupported_media_type',
      message: 'Send the request body as application/json.',
    },
    FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
      status: 400,
      code: 'invalid_request',
      message: 'The Content-Length header does not match the body.',
    },
    FST_ERR_CTP_EMPTY_JSON_BODY: {
      status: 400,
      code: 'invalid_request',
      message: 'The request body is empty; send a JSON object.',
    },
    FST_ERR_CTP_INVALID_JSON_BODY: {
      status: 400,
      code: 'malformed_json',
      message: 'The request body is not valid JSON.',
    },
    FST_ERR_CTP_INSTANCE_ALREADY_STARTED: {
      status: 400,
      code: 'invalid_request',
      message: 'The request could not be read.',
    },
  };

function issuesFrom(error: FastifyError & { validationContext?: string }): ErrorIssue[] {
  if (!hasZodFastifySchemaValidationErrors(error)) return [];
  const where = error.validationContext ?? 'body';
  return error.validation.map((v) => {
    const path = v.instancePath === '/' ? where : `${where}${v.instancePath.replaceAll('/', '.')}`;
    // `params` holds the rest of the zod issue, its own `params` (the validation key) included.
    const params = v.params['params'] as Record<string, unknown> | undefined;
    return errorIssueOf({ message: v.message ?? 'Invalid value.', params }, path);
  });
}

/**
 * One place decides what an error looks like on the wire: our own errors pass through, client
 * mistakes become 4xx with a stable code, and anything unexpected becomes a 500 whose details
 * stay in the log, never in the response.
 */
export function registerErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof ApiHttpError) {
      return send(reply, error.statusCode, {
        code: error.code,
        message: error.message,
        ...error.extra,
      });
    }
    if (error.validation) {
      const issues = issuesFrom(error);
      const first = issues[0];
      return send(reply, 400, {
        code: 'invalid_request',
        message: first ? `${first.path}: ${first.message}` : 'The request is not valid.',
        issues,
      });
    }
    const known = error.code ? FASTIFY_CLIENT_ERRORS[error.code] : undefined;
    if (known) return send(reply, known.status, { code: known.code, message: known.message });
    if (error instanceof SyntaxError) {
      return send(reply, 400, {
        code: 'malformed_json',
        message: 'The request body is not valid JSON.',
      });
    }
    if (error.statusCode === 429) {
      return send(reply, 429, {
        code: 'rate_limited',
        message: 'Too many requests. Wait a moment and try again.',
      });
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return send(reply, error.statusCode, {
        code: 'invalid_request',
        message: 'The request could not be processed.',
      });
    }
    request.log.error({ err: error }, 'unhandled error');
    return send(reply, 500, {
      code: 'internal_error',
      message: 'Something went wrong on our side. Please try again.',
    });
  });
}

/**
 * Errors the router raises before a request reaches a route (a URL with broken percent-escapes,
 * a path parameter over the length limit). Fastify answers these with its own body shape unless
 * this is passed as its `frameworkErrors` option.
 */
export function sendFrameworkError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  if (error.code === 'FST_ERR_BAD_URL') {
    return send(reply, 400, {
      code: 'invalid_request',
      message: 'The URL is not valid: check its percent-encoding.',
    });
  }
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    return send(reply, 414, { code: 'invalid_request', message: 'The URL is too long.' });
  }
  request.log.error({ err: error }, 'unhandled router error');
  return send(reply, 500, {
    code: 'internal_error',
    message: 'Something went wrong on our side. Please try again.',
  });
}

/** The 404 body; the path is cut short so a huge URL is not echoed back. */
export function sendNotFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const path = (request.url.split('?')[0] ?? '').slice(0, 100);
  return send(reply, 404, {
    code: 'not_found',
    message: `There is no ${request.method} ${path} in this API.`,
  });
}

/**
 * Errors Node's HTTP parser raises before Fastify sees a request (headers over the size limit, a
 * request that does not parse, one that takes too long to arrive), passed to Fastify as its
 * `clientErrorHandler`. Fastify's default answers them in its own body shape; these answer in the
 * API's, like every other error, so a client has one shape to read.
 */
export function writeClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  // A reset connection has nobody to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, reason, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', 'The request’s headers are too large.']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', 'The request took too long to arrive. Please try again.']
        : [400, 'Bad Request', 'The request could not be read.'];
  const answer: ApiErrorBody = { error: { code: 'invalid_request', message } };
  const body = JSON.stringify(answer);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
