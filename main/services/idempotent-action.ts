import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { AppError, isOutcomeUnknown } from '../errors';
import type { Log } from './logger';
import { canonicalJson } from '../../contract/canonical-json';

/** One try of an action: the key to send, and what earlier tries of it left for this one. */
export interface Attempt<Memo extends object> {
  readonly key: string;
  /** Survives until the action ends, e.g. a card saved by the first try, so a retry pays with it. */
  readonly memo: Partial<Memo>;
}

export interface IdempotentActionOptions {
  log: Log;
  /** Names the service in the log (`payments`, `plans`). */
  scope: string;
  /** New Idempotency-Keys; `crypto.randomUUID` outside tests. */
  newKey?: () => string;
}

/**
 * One person's intent to move money or change the plan (pay $20 with this card, buy this pass),
 * and the Idempotency-Key every try of it sends. The key is made on the first try and kept for as
 * long as the outcome is unknown, so a retry after a lost answer is the same request to the API,
 * which answers it with the first result instead of doing it twice. A definite answer ends the
 * action and drops the key: trying again after that is a new action with a new key. A second try
 * while one is on its way joins it rather than sending again.
 *
 * Which failures leave the outcome unknown is decided in one place, {@link isOutcomeUnknown}:
 * no answer or a timeout, any 5xx, `409 idempotency_in_progress`, and an answer that could not be
 * read unless its status was a 4xx other than 409 (a 2xx whose body does not parse is unknown:
 * the money may have moved). Anything else — a parsed 2xx, a decline, a wrong PIN, a changed
 * price, a rate limit — is definite.
 */
export class IdempotentAction<Memo extends object = Record<never, never>> {
  readonly kind: string;
  readonly #options: IdempotentActionOptions;
  #key: string | null = null;
  #memo: Partial<Memo> = {};
  #inFlight: Promise<unknown> | null = null;

  constructor(kind: string, options: IdempotentActionOptions) {
    this.kind = kind;
    this.#options = options;
  }

  /** The key the next try sends, or null when no try is waiting for a retry. */
  get key(): string | null {
    return this.#key;
  }

  get busy(): boolean {
    return this.#inFlight !== null;
  }

  run<T>(call: (attempt: Attempt<Memo>) => Promise<T>): Promise<T> {
    // The same intent, so the same call: the answer the first one gets is this one's answer.
    if (this.#inFlight) return this.#inFlight as Promise<T>;
    const key = (this.#key ??= (this.#options.newKey ?? randomUUID)());
    const attempt = (async () => {
      try {
        const result = await call({ key, memo: this.#memo });
        this.#end();
        return result;
      } catch (error) {
        if (isOutcomeUnknown(error)) {
          this.#options.log.warn(
            {
              action: this.kind,
              errorCode: error instanceof AppError ? error.code : 'unknown',
              status: error instanceof AppError ? (error.extra.status ?? null) : null,
            },
            `${this.#options.scope}: no clear answer; the same key is kept for a retry`,
          );
        } else {
          this.#end();
        }
        throw error;
      } finally {
        this.#inFlight = null;
      }
    })();
    this.#inFlight = attempt;
    return attempt;
  }

  #end(): void {
    this.#key = null;
    this.#memo = {};
  }
}

/**
 * A service's actions by intent: what kind of action, and exactly what was asked. Asking for the
 * very same thing again is a retry of that action (the same key); anything else is another
 * action. Several can wait for a retry at once — a payment whose answer was lost stays
 * retryable with its key even after another payment is made. Only actions still holding a key
 * are remembered.
 */
export class IdempotentActions {
  readonly #options: IdempotentActionOptions;
  readonly #actions = new Map<string, IdempotentAction<object>>();
  /**
   * Requests are told apart by a keyed hash: a card number in a request is not kept, nor a plain
   * hash of it that could be reversed by trying every number.
   */
  readonly #secret = randomBytes(32);

  constructor(options: IdempotentActionOptions) {
    this.#options = options;
  }

  /** Runs `call` as a try of the action `kind` for `request` (see {@link IdempotentAction}). */
  run<T, Memo extends object = Record<never, never>>(
    kind: string,
    request: unknown,
    call: (attempt: Attempt<Memo>) => Promise<T>,
  ): Promise<T> {
    const id = `${kind}\n${createHmac('sha256', this.#secret).update(canonicalJson(request)).digest('hex')}`;
    let action = this.#actions.get(id) as IdempotentAction<Memo> | undefined;
    if (!action) {
      action = new IdempotentAction<Memo>(kind, this.#options);
      this.#actions.set(id, action);
    }
    const current = action;
    const forget = () => {
      if (current.key === null && !current.busy && this.#actions.get(id) === current) {
        this.#actions.delete(id);
      }
    };
    const result = current.run(call);
    result.then(forget, forget);
    return result;
  }

  /** The key the latest action of `kind` still waiting for a retry would send; null when none. */
  pendingKey(kind: string): string | null {
    let key: string | null = null;
    for (const action of this.#actions.values()) {
      if (action.kind === kind && action.key !== null) key = action.key;
    }
    return key;
  }
}
