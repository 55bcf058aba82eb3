import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApiErrorBody } from '../../../contract/errors';
import { JSON_BODY_ERRORS, PUBLIC_OR_KIOSK, rateLimitConfig, type RouteRateLimit } from './shared';
import {
  ResetCompleteRequest,
  ResetStartRequest,
  ResetStartResponse,
  ResetVerifyRequest,
  ResetVerifyResponse,
} from '../../../contract/http/recovery';
import type { RecoveryService } from '../services/recovery-service';
import { clientKey } from '../plugins/kiosk-client';

export interface RecoveryRoutesOptions {
  recovery: RecoveryService;
  /** Per-client limit for these routes, or `false` when turned off. */
  rateLimit: RouteRateLimit;
}

const errors = JSON_BODY_ERRORS;

/** `/v1/auth/reset/*`: forgotten passwords. */
export const recoveryRoutes: FastifyPluginAsyncZod<RecoveryRoutesOptions> = async (app, opts) => {
  const config = rateLimitConfig(opts.rateLimit);

  app.post(
    '/start',
    {
      config,
      schema: {
        summary: 'Send a password-reset code by text message or e-mail',
        description:
          'Needs a solved captcha (428 captcha_required carries a challenge). Answers 202 with the same body for every valid phone number, whether or not it has an account. A failed delivery is reported by /verify.',
        tags: ['auth'],
        security: PUBLIC_OR_KIOSK,
        body: ResetStartRequest,
        response: { 202: ResetStartResponse, 428: ApiErrorBody, 503: ApiErrorBody, ...errors },
      },
    },
    async (request, reply) => {
      const result = await opts.recovery.start(
        request.body.phone,
        request.body.channel,
        { ip: request.ip, key: clientKey(request) },
        request.body.captcha,
      );
      return reply.code(202).send(result);
    },
  );

  app.post(
    '/verify',
    {
      config,
      schema: {
        summary: 'Exchange the code for a reset ticket (valid 10 minutes, once)',
        tags: ['auth'],
        security: PUBLIC_OR_KIOSK,
        body: ResetVerifyRequest,
        response: { 200: ResetVerifyResponse, 410: ApiErrorBody, 502: ApiErrorBody, ...errors },
      },
    },
    async (request) => opts.recovery.verify(request.body.phone, request.body.code),
  );

  app.post(
    '/complete',
    {
      config,
      schema: {
        summary: 'Set a new password with a reset ticket; ends every session of the account',
        tags: ['auth'],
        security: PUBLIC_OR_KIOSK,
        body: ResetCompleteRequest,
        response: { 204: z.null(), 422: ApiErrorBody, ...errors },
      },
    },
    async (request, reply) => {
      await opts.recovery.complete(request.body.ticket, request.body.newPassword, {
        userAgent: request.headers['user-agent'],
        ip: request.ip,
      });
      return reply.code(204).send(null);
    },
  );
};
