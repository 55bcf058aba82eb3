import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely, Transaction } from 'kysely';
import {
  IDEMPOTENCY_KEY_FORMAT_MESSAGE,
  IDEMPOTENCY_KEY_PATTERN,
} from '../../../contract/http/payments';
import type { ApiErrorBody } from '../../../contract/errors';
import type { Database, IdempotentOperationsTable } from '../db/schema';
import { MINUTE_MS, type Clock } from '../clock';
import { ApiHttpError } from '../errors';
import { canonicalJson } from '../../../contract/canonical-json';

/** An answer as sent: replayed with the same status and body to every retry. */
export interface IdempotentAnswer {
  status: number;
  body: unknown;
  /** True when this answer was stored by an earlier request with the same key. */
  replayed: boolean;
}

export interface IdempotentRequest {
  subscriberId: string;
  /** The client's `Idempotency-Key` (check it first with `requireIdempotencyKey`). */
  key: string;
  /** A stable name of what the request does (`card_payment`, `refill`, `plan_change`, …). */
  operation: string;
  /** The parsed body: same key with a different body (or operation) is refused with 422. */
  requestBody: unknown;
}

type Db = Kysely<Database> | Transaction<Database>;

/** Handed to the work of one operation. */
export interface IdempotencyContext {
  readonly subscriberId: string;
  readonly key: string;
  readonly operation: string;
  /**
   * Records what is about to happen outside the database (a processor charge) before it happens,
   * in its own write. An operation interrupted after this point is left `pending` for recovery,
   * whose handler reads the intent back; one interrupted before it is simply forgotten.
   */
  saveIntent(intent: unknown): Promise<void>;
  /**
   * Stores the answer and ends the operation (`done`, or `failed` for a refusal such as a
   * declined card). Call it inside the transaction that writes the operation's effects, so the
   * effects and the answer commit together or not at all. Throws when the operation is no longer
   * pending (finished by recovery meanwhile), which rolls that transaction back.
   */
  complete(trx: Db, status: number, body: unknown, state?: 'done' | 'failed'): Promise<void>;
}

export interface IdempotencyOptions {
  /** How long a duplicate waits for the first request to finish before answering 409. */
  waitMs?: number;
  /** Pending longer than this, an operation is presumed interrupted and recovered (1 minute). */
  staleAfterMs?: number;
  /** Per operation: how to finish or undo one that was interrupted after `saveIntent`. */
  recovery?: RecoveryHandlers;
}

/** What a recovery handler decides for an interrupted operation. */
export type RecoveryOutcome = 'finished' | 'rolled_back';

export interface PendingOperation {
  subscriberId: string;
  key: string;
  operation: string;
  intent: unknown;
  createdAt: number;
  /** As `IdempotencyContext.complete`. */
  complete(trx: Db, status: number, body: unknown, state?: 'done' | 'failed'): Promise<void>;
}

export type RecoveryHandlers = Record<
  string,
  (pending: PendingOperation) => Promise<RecoveryOutcome>
>;

export const STALE_AFTER_MS = MINUTE_MS;

/**
 * Reads and checks the `Idempotency-Key` header: 400 `idempotency_key_required` when missing,
 * 400 `invalid_request` when it is not 8–128 characters of A–Z, a–z, 0–9, `_` or `-`.
 */
export function requireIdempotencyKey(header: string | string[] | undefined): string {
  if (header === undefined || header === '') {
    throw new ApiHttpError(
      400,
      'idempotency_key_required',
      'Send an Idempotency-Key header (a new random value per payment, reused only to retry it).',
    );
  }
  const value = Array.isArray(header) ? header[0]! : header;
  if (Array.isArray(header) || !IDEMPOTENCY_KEY_PATTERN.test(value)) {
    throw new ApiHttpError(400, 'invalid_request', IDEMPOTENCY_KEY_FORMAT_MESSAGE, {
      issues: [
        {
          path: 'headers.idempotency-key',
          message: 'Use 8 to 128 characters of letters, digits, _ or -.',
        },
      ],
    });
  }
  return value;
}

export function requestHash(operation: string, body: unknown): string {
  return createHash('sha256')
    .update(`${operation}\n${canonicalJson(body)}`)
    .digest('hex');
}

/** The body an `ApiHttpError` is sent as, for storing a refusal. */
export function errorBody(error: ApiHttpError): ApiErrorBody {
  return { error: { code: error.code, message: error.message, ...error.extra } };
}

/**
 * Errors that say "nothing happened, try again": the key is released instead of remembering
 * them, so a retry with the same key runs again.
 */
function isTransient(error: ApiHttpError): boolean {
  return error.statusCode >= 500 || error.statusCode === 429 || error.statusCode === 409;
}

function completer(db: Kysely<Database>, clock: Clock, subscriberId: string, key: string) {
  return async (
    trx: Db,
    status: number,
    body: unknown,
    state: 'done' | 'failed' = 'done',
  ): Promise<void> => {
    const result = await trx
      .updateTable('idempotent_operations')
      .set({
        state,
        response_status: status,
        response_body: JSON.stringify(body),
        updated_at: clock.now(),
      })
      .where('subscriber_id', '=', subscriberId)
      .where('idempotency_key', '=', key)
      .where('state', '=', 'pending')
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) {
      throw new Error('The operation was finished elsewhere; this attempt is discarded.');
    }
  };
}

async function release(db: Db, subscriberId: string, key: string): Promise<void> {
  await db
    .deleteFrom('idempotent_operations')
    .where('subscriber_id', '=', subscriberId)
    .where('idempotency_key', '=', key)
    .where('state', '=', 'pending')
    .execute();
}

async function readRow(db: Db, subscriberId: string, key: string) {
  return db
    .selectFrom('idempotent_operations')
    .selectAll()
    .where('subscriber_id', '=', subscriberId)
    .where('idempotency_key', '=', key)
    .executeTakeFirst();
}

function replay(row: IdempotentOperationsTable): IdempotentAnswer {
  return {
    status: row.response_status!,
    body: JSON.parse(row.response_body!) as unknown,
    replayed: true,
  };
}

/**
 * Runs a money-moving request at most once per (subscriber, key).
 *
 * Contract:
 * - The first request with a key inserts a `pending` row (the unique key decides a race) and
 *   runs `work`. `work` calls `ctx.saveIntent` before any effect outside the database, then
 *   writes its effects and `ctx.complete(trx, status, body)` in one transaction, and returns
 *   the same `{status, body}`. Work that returns without calling `complete` is completed with
 *   what it returned (fine when it wrote nothing else).
 * - A later request with the same key and body gets the stored status and body
 *   (`replayed: true`). With a different body or operation: 422 `idempotency_key_reused`.
 * - A duplicate arriving while the first is still running waits up to `waitMs` for its answer,
 *   then gets 409 `idempotency_in_progress` with `retryAfterSeconds`.
 * - `work` throwing `ApiHttpError`: a 4xx refusal is stored as `failed` and replayed; a 409,
 *   429 or 5xx releases the key (nothing happened; the same key may be retried).
 * - `work` throwing anything else: with no intent saved the key is released; with an intent the
 *   operation stays `pending` until `recoverPendingOperations` (or a retry, once it is older than
 *   `staleAfterMs`) asks the operation's recovery handler to finish or undo it.
 */
export async function runIdempotent(
  db: Kysely<Database>,
  clock: Clock,
  request: IdempotentRequest,
  work: (ctx: IdempotencyContext) => Promise<{ status: number; body: unknown }>,
  options: IdempotencyOptions = {},
): Promise<IdempotentAnswer> {
  const { subscriberId, key, operation } = request;
  const hash = requestHash(operation, request.requestBody);
  const waitMs = options.waitMs ?? 5_000;
  const staleAfterMs = options.staleAfterMs ?? STALE_AFTER_MS;

  for (let attempt = 0; attempt < 3; attempt += 1) {
    const now = clock.now();
    const inserted = await db
      .insertInto('idempotent_operations')
      .values({
        subscriber_id: subscriberId,
        idempotency_key: key,
        operation,
        request_hash: hash,
        state: 'pending',
        intent: null,
        response_status: null,
        response_body: null,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) => oc.columns(['subscriber_id', 'idempotency_key']).doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1) {
      return runFirst(db, clock, request, work);
    }

    const deadline = Date.now() + waitMs;
    for (;;) {
      const row = await readRow(db, subscriberId, key);
      if (!row) break; // released or rolled back meanwhile: try to become the first
      if (row.request_hash !== hash || row.operation !== operation) {
        throw new ApiHttpError(
          422,
          'idempotency_key_reused',
          'This Idempotency-Key was already used for a different request. Use a new key for a new request.',
        );
      }
      if (row.state !== 'pending') return replay(row);
      if (clock.now() - row.updated_at >= staleAfterMs) {
        await recoverOne(db, clock, row, options.recovery ?? {});
        continue;
      }
      if (Date.now() >= deadline) {
        throw new ApiHttpError(
          409,
          'idempotency_in_progress',
          'A request with this Idempotency-Key is still being processed. Retry in a moment with the same key.',
          { retryAfterSeconds: 1 },
        );
      }
      await sleep(25);
    }
  }
  throw new ApiHttpError(
    409,
    'idempotency_in_progress',
    'A request with this Idempotency-Key is still being processed. Retry in a moment with the same key.',
    { retryAfterSeconds: 1 },
  );
}

async function runFirst(
  db: Kysely<Database>,
  clock: Clock,
  request: IdempotentRequest,
  work: (ctx: IdempotencyContext) => Promise<{ status: number; body: unknown }>,
): Promise<IdempotentAnswer> {
  const { subscriberId, key, operation } = request;
  const complete = completer(db, clock, subscriberId, key);
  let completed = false;
  let intentSaved = false;
  const ctx: IdempotencyContext = {
    subscriberId,
    key,
    operation,
    saveIntent: async (intent) => {
      await db
        .updateTable('idempotent_operations')
        .set({ intent: JSON.stringify(intent), updated_at: clock.now() })
        .where('subscriber_id', '=', subscriberId)
        .where('idempotency_key', '=', key)
        .where('state', '=', 'pending')
        .execute();
      intentSaved = true;
    },
    complete: async (trx, status, body, state) => {
      await complete(trx, status, body, state);
      completed = true;
    },
  };
  try {
    const answer = await work(ctx);
    if (!completed) await complete(db, answer.status, answer.body);
    return { ...answer, replayed: false };
  } catch (error) {
    if (completed) throw error;
    if (error instanceof ApiHttpError) {
      if (isTransient(error)) await release(db, subscriberId, key);
      else await complete(db, error.statusCode, errorBody(error), 'failed');
    } else if (!intentSaved) {
      await release(db, subscriberId, key);
    }
    throw error;
  }
}

async function recoverOne(
  db: Kysely<Database>,
  clock: Clock,
  row: IdempotentOperationsTable,
  handlers: RecoveryHandlers,
): Promise<RecoveryOutcome> {
  const handler = handlers[row.operation];
  // Without an intent nothing outside the database happened, and whatever was inside rolled back.
  if (!row.intent || !handler) {
    await release(db, row.subscriber_id, row.idempotency_key);
    return 'rolled_back';
  }
  const outcome = await handler({
    subscriberId: row.subscriber_id,
    key: row.idempotency_key,
    operation: row.operation,
    intent: JSON.parse(row.intent) as unknown,
    createdAt: row.created_at,
    complete: completer(db, clock, row.subscriber_id, row.idempotency_key),
  });
  if (outcome === 'rolled_back') await release(db, row.subscriber_id, row.idempotency_key);
  return outcome;
}

/**
 * Finishes or undoes every operation still `pending` after `olderThanMs` (a crash or a lost
 * connection between the charge and the answer). Run on API start; safe to run on several
 * instances at once, because finishing is conditional on the row still being pending.
 */
export async function recoverPendingOperations(
  db: Kysely<Database>,
  clock: Clock,
  handlers: RecoveryHandlers,
  olderThanMs: number = STALE_AFTER_MS,
): Promise<{ finished: number; rolledBack: number; failed: number }> {
  const rows = await db
    .selectFrom('idempotent_operations')
    .selectAll()
    .where('state', '=', 'pending')
    .where('updated_at', '<=', clock.now() - olderThanMs)
    .execute();
  const counts = { finished: 0, rolledBack: 0, failed: 0 };
  for (const row of rows) {
    try {
      const outcome = await recoverOne(db, clock, row, handlers);
      if (outcome === 'finished') counts.finished += 1;
      else counts.rolledBack += 1;
    } catch {
      // Left pending for the next run (or a retry); one bad row must not stop the others.
      counts.failed += 1;
    }
  }
  return counts;
}
