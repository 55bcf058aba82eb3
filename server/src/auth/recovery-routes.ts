import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { RecoveryService } from './recovery-service';
import { clientKey } from '../kiosk/kiosk-client';
import { registerRoutes } from '../http/register';
import type { RateLimits } from '../http/shared';

export interface RecoveryRoutesOptions {
  recovery: RecoveryService;
  rateLimits: RateLimits;
}

/** `/v1/auth/reset/*`: forgotten passwords. */
export const recoveryRoutes: FastifyPluginAsyncZod<RecoveryRoutesOptions> = async (app, opts) => {
  registerRoutes(
    app,
    ['auth.resetStart', 'auth.resetVerify', 'auth.resetComplete'],
    {
      'auth.resetStart': async (request, reply) => {
        const result = await opts.recovery.start(
          request.body.phone,
          request.body.channel,
          { ip: request.ip, key: clientKey(request) },
          request.body.captcha,
        );
        return reply.code(202).send(result);
      },
      'auth.resetVerify': async (request) =>
        opts.recovery.verify(request.body.phone, request.body.code),
      'auth.resetComplete': async (request, reply) => {
        await opts.recovery.complete(request.body.ticket, request.body.newPassword, {
          userAgent: request.headers['user-agent'],
          ip: request.ip,
        });
        return reply.code(204).send(null);
      },
    },
    { rateLimits: opts.rateLimits },
  );
};
