import type { FastifyInstance } from 'fastify';
import type { AuthService } from '../auth/auth-service';
import { unauthorized } from '../errors';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in subscriber, set by `requireBearerToken` before any handler runs. */
    subscriberId: string;
    /** The session the access token names (the "current" device in the sessions list). */
    sessionId: string;
  }
}

/**
 * Makes every route of `app` (a plugin scope) need a valid bearer token of a live session. Run
 * on `onRequest`, before the body is parsed or validated, so a caller without a token learns
 * nothing about what the route accepts.
 */
export function requireBearerToken(app: FastifyInstance, auth: AuthService): void {
  app.decorateRequest('subscriberId', '');
  app.decorateRequest('sessionId', '');
  app.addHook('onRequest', async (request) => {
    const header = request.headers.authorization;
    // The scheme name is case-insensitive (RFC 7235 §2.1), and one or more spaces may follow it.
    const match = header ? /^bearer +([A-Za-z0-9._-]{1,2048})$/i.exec(header) : null;
    if (!match) throw unauthorized();
    const { subscriberId, sessionId } = await auth.authenticate(match[1]!);
    request.subscriberId = subscriberId;
    request.sessionId = sessionId;
  });
}
