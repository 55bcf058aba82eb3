import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AuthService, ClientInfo } from './auth-service';
import { clientKey } from '../kiosk/kiosk-client';
import type { LockoutPolicy, SignInBudgetPolicy } from './lockout-policy';
import { registerRoutes } from '../http/register';
import type { RateLimits } from '../http/shared';

export interface AuthRoutesOptions {
  auth: AuthService;
  /** This server's lockout, published in the sign-in route's description. */
  lockout: LockoutPolicy;
  signInBudgets: SignInBudgetPolicy;
  rateLimits: RateLimits;
}

/** The client as sign-in sees it: for the history, the per-client counters and the kiosk. */
function clientOf(request: FastifyRequest, device: ClientInfo['device']): ClientInfo {
  return {
    userAgent: request.headers['user-agent'],
    ip: request.ip,
    device,
    clientKey: clientKey(request),
    kioskId: request.kiosk?.id,
  };
}

/** `/v1/auth/*`: sign-in, refresh and sign-out. Every route is rate-limited per client. */
export const authRoutes: FastifyPluginAsyncZod<AuthRoutesOptions> = async (app, opts) => {
  registerRoutes(
    app,
    ['auth.signIn', 'auth.secondFactor', 'auth.secondFactorResend', 'auth.refresh', 'auth.signOut'],
    {
      'auth.signIn': async (request) =>
        opts.auth.signIn(
          request.body.phone,
          request.body.password,
          clientOf(request, request.body.device),
          request.body.captcha,
          request.body.deviceToken,
          request.body.deviceCookie,
        ),
      'auth.secondFactor': async (request) =>
        opts.auth.secondFactor(
          request.body.challenge,
          request.body.code,
          clientOf(request, request.body.device),
          request.body.rememberDevice ?? false,
        ),
      'auth.secondFactorResend': async (request) =>
        opts.auth.resendSecondFactor(request.body.challenge),
      'auth.refresh': async (request) => opts.auth.refresh(request.body.refreshToken),
      'auth.signOut': async (request, reply) => {
        await opts.auth.signOut(request.body.refreshToken);
        return reply.code(204).send(null);
      },
    },
    {
      rateLimits: opts.rateLimits,
      describe: { 'auth.signIn': { ...opts.lockout, ...opts.signInBudgets } },
    },
  );
};
