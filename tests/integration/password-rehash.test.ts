import argon2 from 'argon2';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ARGON2_OPTIONS } from '../../server/src/auth/passwords';
import { createTestApp, type TestApp } from './support/test-app';
import { describeWithDb } from './support/test-db';

/** A hash made with weaker parameters, as one imported from another system may be. */
const WEAK = { type: argon2.argon2id, memoryCost: 4_096, timeCost: 1, parallelism: 1 } as const;

describeWithDb('sign-in upgrades a weak password hash', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp();
  });
  afterEach(async () => t?.close());

  const storedHash = async (id: string) =>
    (
      await t.testDb.database.db
        .selectFrom('subscribers')
        .select('password_hash')
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
    ).password_hash;

  async function subscriberWithWeakHash() {
    const s = await t.addSubscriber();
    const weak = await argon2.hash(s.password, WEAK);
    await t.testDb.database.db
      .updateTable('subscribers')
      .set({ password_hash: weak })
      .where('id', '=', s.id)
      .execute();
    return { ...s, weak };
  }

  it("re-hashes with today's parameters after a right password, and signs in as before", async () => {
    const s = await subscriberWithWeakHash();
    expect(
      (await t.post('/v1/auth/sign-in', { phone: s.phone, password: s.password })).statusCode,
    ).toBe(200);
    const upgraded = await storedHash(s.id);
    expect(upgraded).not.toBe(s.weak);
    expect(upgraded).toContain(`m=${ARGON2_OPTIONS.memoryCost},`);
    expect(upgraded).toContain(`t=${ARGON2_OPTIONS.timeCost}`);
    expect(await argon2.verify(upgraded, s.password)).toBe(true);
    expect(
      (await t.post('/v1/auth/sign-in', { phone: s.phone, password: s.password })).statusCode,
    ).toBe(200);
    // A strong hash is left as it is.
    expect(await storedHash(s.id)).toBe(upgraded);
  });

  it('leaves the hash alone after a wrong password', async () => {
    const s = await subscriberWithWeakHash();
    expect(
      (await t.post('/v1/auth/sign-in', { phone: s.phone, password: 'Wrong-Horse-Battery-1' }))
        .statusCode,
    ).toBe(401);
    expect(await storedHash(s.id)).toBe(s.weak);
  });
});
