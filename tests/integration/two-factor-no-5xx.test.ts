import { afterAll, beforeAll, expect, it } from 'vitest';
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { ApiErrorBody } from '../../contract/errors';
import { SignInResponse } from '../../contract/http/auth';
import { createTestApp, type TestApp } from './support/test-app';
import { dbKind, describeWithDb } from './support/test-db';

const PHONE = '+12065550100';
const PASSWORD = 'Correct-Horse-Battery-9';
const OPEN_ROUTES = ['/v1/auth/second-factor', '/v1/auth/second-factor/resend'] as const;
const ACCOUNT_ROUTES = [
  '/v1/account/two-factor/enrol',
  '/v1/account/two-factor/resend',
  '/v1/account/two-factor/confirm',
  '/v1/account/two-factor/disable',
  '/v1/account/two-factor/recovery-codes',
] as const;

/** Values of the right keys' neighbourhood: plausible, wrong type, or odd text. */
const fieldValue = fc.oneof(
  fc.constantFrom('totp', 'sms', 'email', PASSWORD, '123456', '12345-abcde', 'A'.repeat(43)),
  fc.string({ maxLength: 50 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
  fc.record({ id: fc.uuid(), name: fc.string({ maxLength: 70 }), appVersion: fc.string() }),
);

const body = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.record(
    {
      challenge: fieldValue,
      code: fieldValue,
      rememberDevice: fieldValue,
      device: fieldValue,
      method: fieldValue,
      password: fieldValue,
    },
    { requiredKeys: [] },
  ),
);

describeWithDb(`2-step routes answer bad input with a 4xx (${dbKind})`, () => {
  let t: TestApp;
  let bearer: Record<string, string>;

  beforeAll(async () => {
    // No SMS sender: a well-formed request by text is a 503, never a send.
    t = await createTestApp({ pruneIntervalMs: 0 });
    await t.addSubscriber({ phone: PHONE, password: PASSWORD });
    const signedIn = SignInResponse.parse(
      (await t.post('/v1/auth/sign-in', { phone: PHONE, password: PASSWORD })).json(),
    );
    bearer = { authorization: `Bearer ${signedIn.accessToken}` };
  });
  afterAll(async () => t?.close());

  function expectNo5xx(response: LightMyRequestResponse): void {
    const error = response.statusCode >= 400 ? ApiErrorBody.safeParse(response.json()) : null;
    if (error) expect(error.success, response.body).toBe(true);
    if (response.statusCode >= 500) {
      // The only 5xx these routes give on purpose: this server cannot send texts.
      expect(response.statusCode, response.body).toBe(503);
      expect(error?.data?.error.code).toBe('service_unavailable');
    }
  }

  it('any JSON body to every 2-step route', { timeout: 60_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...OPEN_ROUTES, ...ACCOUNT_ROUTES),
        body,
        async (url, payload) => {
          const response = await t.app.inject({
            method: 'POST',
            url,
            headers: {
              'content-type': 'application/json',
              ...(url.startsWith('/v1/account/') ? bearer : {}),
            },
            payload: JSON.stringify(payload) ?? 'null',
          });
          expectNo5xx(response);
        },
      ),
      { numRuns: 120 },
    );
  });
});
