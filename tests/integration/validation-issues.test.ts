import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './support/test-app';
import { dbKind, describeWithDb } from './support/test-db';
import { expectError } from './support/expect-error';
import { send, signedInAccount } from './support/payments';

/**
 * A field a person typed wrong comes back with the key of what is wrong (`issues[].issue`), so a
 * client words it in its own language by key rather than by the English `message`.
 */
describeWithDb(`validation issues on the wire (${dbKind})`, () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => t?.close());

  const issuesOf = (error: { issues?: Array<{ path: string; issue?: string }> }) =>
    (error.issues ?? []).map(({ path, issue }) => ({ path, issue }));

  it('names what is wrong with a phone number and a password at sign-in', async () => {
    const short = expectError(
      await t.post('/v1/auth/sign-in', { phone: '206555', password: 'x' }),
      400,
      'invalid_request',
    );
    expect(issuesOf(short)).toContainEqual({ path: 'body.phone', issue: 'phone.tooShort' });

    const missing = expectError(
      await t.post('/v1/auth/sign-in', { phone: '(206) 555-0100', password: '' }),
      400,
      'invalid_request',
    );
    expect(issuesOf(missing)).toContainEqual({ path: 'body.password', issue: 'password.empty' });
  });

  it('names a refinement of the whole body, and an e-mail address that is not one', async () => {
    const a = await signedInAccount(t);
    const nothing = expectError(
      await send(t, a, 'POST', '/v1/account/contact', { password: 'x' }),
      400,
      'invalid_request',
    );
    expect(issuesOf(nothing)).toContainEqual({
      path: 'body.email',
      issue: 'email.nothingToChange',
    });

    const email = expectError(
      await send(t, a, 'POST', '/v1/account/contact', { password: 'x', email: 'not an address' }),
      400,
      'invalid_request',
    );
    expect(issuesOf(email)).toContainEqual({ path: 'body.email', issue: 'email.invalid' });
  });

  it('gives no key to an issue no person is expected to cause', async () => {
    const error = expectError(
      await t.post('/v1/auth/sign-in', { phone: '(206) 555-0100', password: 'x', extra: 1 }),
      400,
      'invalid_request',
    );
    expect(error.issues?.length).toBeGreaterThan(0);
    for (const issue of error.issues ?? []) expect(issue.issue).toBeUndefined();
  });
});
