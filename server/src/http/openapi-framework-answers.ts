/*
 * Some answers come from the framework, not from a route's code, so no route schema lists them;
 * the API still gives them, always in its error body (see http/error-handler.ts). A client
 * generated from the document must know every status it can get, so they are added to each
 * operation they apply to:
 * - 408 (the request took too long to arrive) and 431 (headers too large): any request;
 * - 403: any request carrying a store kiosk's credential that is refused, or a visit the API did
 *   not issue (kiosk/kiosk-client.ts checks it on every route);
 * - 414: a path parameter over the router's length limit, on operations with one;
 * - 413 (body over the limit) and 415 (a body that is not JSON): operations that take a body,
 *   which for Fastify includes DELETE;
 * - 500: anything unexpected, on every operation, without details.
 * The `Idempotency-Key` header is validated by the route (so a missing one gets its own error
 * code) and is documented as required here.
 */

const BODY_METHODS = new Set(['post', 'put', 'patch', 'delete']);
const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);

const DESCRIPTIONS: Record<string, string> = {
  '403':
    'A store kiosk’s credential or visit was refused (kiosk_not_enrolled, kiosk_visit_unknown).',
  '408': 'The request took too long to arrive (invalid_request).',
  '413': 'The body is over 16 KiB (payload_too_large).',
  '414': 'A path parameter is too long (invalid_request).',
  '415': 'The body is not JSON (unsupported_media_type).',
  '431': 'The request headers are too large (invalid_request).',
  '500': 'Something went wrong on the server (internal_error), without details.',
};

interface Operation {
  responses?: Record<string, { description?: string; content?: unknown }>;
  parameters?: Array<{ in?: string; name?: string; required?: boolean }>;
}

export function declareFrameworkAnswers<T>(document: T): T {
  const paths = (document as { paths?: Record<string, Record<string, Operation>> }).paths ?? {};
  for (const [path, item] of Object.entries(paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!METHODS.has(method) || !operation.responses) continue;
      // Every operation already declares a 400 in the API's error body: the same body serves.
      const errorBody = Object.entries(operation.responses).find(([status]) =>
        /^4\d\d$/.test(status),
      )?.[1];
      if (!errorBody) continue;
      const statuses = ['403', '408', '431', '500'];
      if (path.includes('{')) statuses.push('414');
      if (BODY_METHODS.has(method)) statuses.push('413', '415');
      for (const status of statuses) {
        operation.responses[status] ??= { ...errorBody, description: DESCRIPTIONS[status]! };
      }
      for (const parameter of operation.parameters ?? []) {
        if (parameter.in === 'header' && parameter.name === 'idempotency-key') {
          parameter.required = true;
        }
      }
    }
  }
  return document;
}
