import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { RotatingCaptcha } from './rotating-captcha';
import { clientKey } from '../kiosk/kiosk-client';
import { registerRoutes } from '../http/register';
import type { RateLimits } from '../http/shared';

export interface CaptchaRoutesOptions {
  captcha: RotatingCaptcha;
  rateLimits: RateLimits;
}

/** `GET /v1/captcha/challenge`: the proof-of-work a risky request may be asked to carry. */
export const captchaRoutes: FastifyPluginAsyncZod<CaptchaRoutesOptions> = async (app, opts) => {
  registerRoutes(
    app,
    ['auth.captchaChallenge'],
    {
      'auth.captchaChallenge': async (request, reply) => {
        reply.header('cache-control', 'no-store');
        return opts.captcha.challengeFor(clientKey(request));
      },
    },
    { rateLimits: opts.rateLimits },
  );
};
