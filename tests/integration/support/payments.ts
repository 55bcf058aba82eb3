import type { LightMyRequestResponse } from 'fastify';
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../../server/src/db/schema';
import type { TestApp } from './test-app';

/** The sandbox processor's documented test numbers. */
export const CARDS = {
  approves: '4242 4242 4242 4242',
  declines: '4000 0000 0000 0002',
  insufficientFunds: '4000 0000 0000 9995',
  processingError: '4000 0000 0000 0119',
} as const;

export const card = (number: string, extra: Partial<Record<string, unknown>> = {}) => ({
  number,
  expMonth: 12,
  expYear: 2030,
  cvc: '123',
  ...extra,
});

export const newKey = (): string => `key_${randomBytes(9).toString('hex')}`;

export interface Account {
  id: string;
  token: string;
}

/** A new subscriber, signed in. */
export async function signedInAccount(t: TestApp): Promise<Account> {
  const created = await t.addSubscriber();
  const res = await t.post('/v1/auth/sign-in', {
    phone: created.phone,
    password: created.password,
  });
  const body = res.json<{ accessToken: string }>();
  return { id: created.id, token: body.accessToken };
}

export function send(
  t: TestApp,
  account: Account,
  method: 'GET' | 'POST' | 'DELETE',
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  return t.app.inject({
    method,
    url,
    ...(body !== undefined ? { payload: body as never } : {}),
    headers: {
      authorization: `Bearer ${account.token}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
  });
}

/** What moved for one subscriber, read straight from the tables. */
export async function moneyOf(db: Kysely<Database>, subscriberId: string) {
  const [ledger, payments] = await Promise.all([
    db.selectFrom('ledger_entries').selectAll().where('subscriber_id', '=', subscriberId).execute(),
    db.selectFrom('payments').selectAll().where('subscriber_id', '=', subscriberId).execute(),
  ]);
  return {
    ledger,
    payments,
    ledgerSum: ledger.reduce((s, e) => s + e.amount_cents, 0),
  };
}

export async function succeededCharges(db: Kysely<Database>): Promise<number> {
  const rows = await db
    .selectFrom('sandbox_charges')
    .select('idempotency_key')
    .where('status', '=', 'succeeded')
    .execute();
  return rows.length;
}

/** Puts `cents` of credit on the account, as a refill card would, straight into the ledger. */
export function creditAccount(
  db: Kysely<Database>,
  subscriberId: string,
  cents: number,
  at: number,
): Promise<unknown> {
  return db
    .insertInto('ledger_entries')
    .values({
      id: `test-${randomBytes(6).toString('hex')}`,
      subscriber_id: subscriberId,
      kind: 'refill',
      amount_cents: cents,
      currency: 'USD',
      item: JSON.stringify({ kind: 'refill_pin' }),
      created_at: at,
      statement_id: null,
      payment_id: null,
    })
    .execute();
}
