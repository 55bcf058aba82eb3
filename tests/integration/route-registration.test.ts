import Fastify from 'fastify';
import {
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { describe, expect, it } from 'vitest';
import { requireBearerToken } from '../../server/src/http/bearer-auth';
import { registerRoutes, type RouteHandlers, type ZodScope } from '../../server/src/http/register';
import type { AuthService } from '../../server/src/auth/auth-service';

/** A bare app with the API's zod compilers, and nothing else of it. */
function bareApp() {
  const app = Fastify().withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  return app;
}

/** Accepts one token and names its subscriber. */
const auth = {
  authenticate: async (token: string) => {
    if (token !== 'good-token') throw new Error('not this token');
    return { subscriberId: 'subscriber-1', sessionId: 'session-1' };
  },
} as unknown as AuthService;

const signOut: RouteHandlers<'auth.signOut'> = {
  'auth.signOut': async (_request, reply) => reply.code(204).send(null),
};
const noLimits = { rateLimits: { auth: false } } as const;

/** Registrations that must not compile: type-checked with the tests, never run. */
export function registrationsThatDoNotCompile(app: ZodScope): void {
  // @ts-expect-error a route without its handler
  registerRoutes(app, ['account.summary', 'account.plan'], {
    'account.plan': async () => ({}) as never,
  });
  registerRoutes(app, ['account.plan'], {
    'account.plan': async () => ({}) as never,
    // @ts-expect-error a handler without its route
    'account.summary': async () => ({}) as never,
  });
  registerRoutes(
    app,
    ['auth.refresh'],
    {
      // @ts-expect-error an answer that is not the route's success body
      'auth.refresh': async () => ({ accessToken: 1 }),
    },
    noLimits,
  );
  registerRoutes(
    app,
    ['auth.refresh'],
    {
      'auth.refresh': async (request) => {
        // @ts-expect-error a field the route's body does not have
        return request.body.password as never;
      },
    },
    noLimits,
  );
  // @ts-expect-error a rate-limited route without its class's limit
  registerRoutes(app, ['auth.refresh'], { 'auth.refresh': async () => ({}) as never });
  // @ts-expect-error sign-in without the lockout numbers its description publishes
  registerRoutes(app, ['auth.signIn'], { 'auth.signIn': async () => ({}) as never }, noLimits);
}

describe('registering routes from the table', () => {
  it('serves a route at its full path from a scope with a prefix', async () => {
    const app = bareApp();
    await app.register(
      async (scope) => registerRoutes(scope, ['auth.signOut'], signOut, noLimits),
      {
        prefix: '/v1/auth',
      },
    );
    const res = await app.inject({
      method: 'POST',
      url: '/v1/auth/sign-out',
      payload: { refreshToken: 'A'.repeat(43) },
    });
    expect(res.statusCode).toBe(204);
    await app.close();
  });

  it('refuses a scope whose prefix the route’s path does not start with', async () => {
    const app = bareApp();
    await expect(
      app.register(async (scope) => registerRoutes(scope, ['auth.signOut'], signOut, noLimits), {
        prefix: '/v1/account',
      }),
    ).rejects.toThrow(
      'POST /v1/auth/sign-out (auth.signOut) cannot be registered under the prefix /v1/account',
    );
    await app.close();
  });

  it('refuses a bearer route outside a scope that checks the token, and any other route inside one', async () => {
    const outside = bareApp();
    await expect(
      outside.register(
        async (scope) =>
          registerRoutes(scope, ['account.plan'], { 'account.plan': async () => ({}) as never }),
        { prefix: '/v1/account' },
      ),
    ).rejects.toThrow(
      'GET /v1/account/plan (account.plan) is bearer, in a scope that does the opposite',
    );
    await outside.close();

    const inside = bareApp();
    await expect(
      inside.register(
        async (scope) => {
          requireBearerToken(scope, auth);
          registerRoutes(scope, ['auth.signOut'], signOut, noLimits);
        },
        { prefix: '/v1/auth' },
      ),
    ).rejects.toThrow('is publicOrKiosk, in a scope that does the opposite');
    await inside.close();
  });

  it('refuses a handler for a route it was not asked to register', async () => {
    const app = bareApp();
    const handlers = { ...signOut, 'auth.refresh': async () => ({}) } as typeof signOut;
    await expect(
      app.register(async (scope) => registerRoutes(scope, ['auth.signOut'], handlers, noLimits), {
        prefix: '/v1/auth',
      }),
    ).rejects.toThrow('auth.refresh has a handler but is not registered here');
    await app.close();
  });
});
