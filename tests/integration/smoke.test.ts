import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './support/test-app';
import { describeWithDb, dbKind } from './support/test-db';

describeWithDb(`smoke (${dbKind})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ seedDemo: true });
  });
  afterAll(async () => t?.close());

  it('a demo subscriber signs in and reads the summary', async () => {
    const signIn = await t.post('/v1/auth/sign-in', {
      phone: '(206) 555-0100',
      password: 'Sunset-Harbor-42',
    });
    expect(signIn.statusCode).toBe(200);
    const summary = await t.get('/v1/account/summary', signIn.json().accessToken);
    expect(summary.statusCode).toBe(200);
    expect(summary.json().subscriber.name).toBe('Maria Garcia');
  });
});
