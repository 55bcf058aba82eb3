import { afterAll, beforeAll, expect, it } from 'vitest';
import { AdminError } from '../../server/src/account/subscriber-admin';
import { createTestApp, type TestApp } from './support/test-app';
import { dbKind, describeWithDb } from './support/test-db';

describeWithDb(`password policy in subscriber administration (${dbKind})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => t?.close());

  const base = {
    phone: '(206) 555-0142',
    name: 'Robin Vega',
    email: 'robin@example.com',
    planId: 'starter-5gb',
  };

  it.each([
    ['password1', /too weak/],
    ['robinvega99', /Do not use your name/],
    ['x2065550142', /Do not use your phone number/],
  ])('subscriber add refuses %j', async (password, message) => {
    const error = await t.admin.add({ ...base, password }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AdminError);
    expect((error as AdminError).code).toBe('invalid_input');
    expect((error as AdminError).message).toMatch(/^password: too weak: /);
    expect((error as AdminError).message).toMatch(message);
    expect(await t.admin.list()).toHaveLength(0);
  });

  it('subscriber add takes a strong password', async () => {
    await t.admin.add({ ...base, password: 'Marble-Orchard-Kite-58' });
    expect(await t.admin.list()).toHaveLength(1);
  });

  it('an import names each row whose password is weak and imports nothing', async () => {
    const csv = [
      'phone,name,email,plan,password',
      '(206) 555-0161,Ann One,one@example.com,starter-5gb,Marble-Orchard-Kite-58',
      '(206) 555-0162,Ben Two,two@example.com,starter-5gb,qwerty123',
      '(206) 555-0163,Cy Three,three@example.com,starter-5gb,Quiet-Lantern-Moss-7',
    ].join('\n');
    const error = await t.admin.importCsv(csv).then(
      () => null,
      (e: unknown) => e as AdminError,
    );
    expect(error?.message).toMatch(/line 3: password: too weak/);
    expect(error?.message).not.toMatch(/line [24]/);
    expect(await t.admin.list()).toHaveLength(1);
  });

  it('rows that bring an argon2 hash are not checked (the password is unknown)', async () => {
    const csv = [
      'phone,name,email,plan,password_hash',
      '(206) 555-0171,Dee Four,four@example.com,starter-5gb,"$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"',
    ].join('\n');
    expect(await t.admin.importCsv(csv)).toEqual({ imported: 1 });
  });
});
