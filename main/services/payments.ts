import {
  RefillPin,
  REFILL_PIN_FORMAT_MESSAGE,
  type AddCardRequest,
  type Receipt,
  type SavedCard,
  type SavedCardList,
} from '../../contract/http/payments';
import type { PayInput } from '../../contract/ipc';
import { AppError } from '../errors';
import type { ApiCaller } from './api-client';
import { IdempotentActions } from './idempotent-action';
import type { Log } from './logger';
import type { SessionService } from './session';

export interface PaymentServiceDeps {
  api: ApiCaller;
  session: Pick<SessionService, 'withAccess'>;
  log: Log;
  /** New Idempotency-Keys; `crypto.randomUUID` outside tests. */
  newKey?: () => string;
}

type Action = 'pay' | 'refill';

/** What a payment's first try leaves for its retries. */
interface PayMemo {
  /** A card saved on the first try ("save this card"), so a retry pays with it, not saves again. */
  savedCardId: string;
}

/**
 * Payments, refills and saved cards. Each payment and refill is an {@link IdempotentActions}
 * action: the same request tried again after an unknown outcome (no answer, a 5xx, an unreadable
 * receipt, "still in progress") sends the same Idempotency-Key, so a retried click never charges
 * twice; a definite answer (a receipt, a decline, a wrong PIN) ends it. Card numbers go to the
 * API and nowhere else: only the brand and last four digits are ever logged.
 */
export class PaymentService {
  readonly #deps: PaymentServiceDeps;
  readonly #actions: IdempotentActions;

  constructor(deps: PaymentServiceDeps) {
    this.#deps = deps;
    this.#actions = new IdempotentActions({
      log: deps.log,
      scope: 'payments',
      ...(deps.newKey ? { newKey: deps.newKey } : {}),
    });
  }

  methods(): Promise<SavedCardList> {
    return this.#deps.session.withAccess((t) =>
      this.#deps.api.call('payments.methods', { accessToken: t }),
    );
  }

  async addMethod(card: AddCardRequest): Promise<SavedCard> {
    const saved = await this.#deps.session.withAccess((t) =>
      this.#deps.api.call('payments.addMethod', { accessToken: t, body: card }),
    );
    this.#deps.log.info({ brand: saved.brand, last4: saved.last4 }, 'payments: card saved');
    return saved;
  }

  async removeMethod(id: string): Promise<void> {
    await this.#deps.session.withAccess((t) =>
      this.#deps.api.call('payments.removeMethod', { accessToken: t, params: { id } }),
    );
  }

  setDefault(id: string): Promise<SavedCardList> {
    return this.#deps.session.withAccess((t) =>
      this.#deps.api.call('payments.setDefaultMethod', { accessToken: t, params: { id } }),
    );
  }

  receipt(paymentId: string): Promise<Receipt> {
    return this.#deps.session.withAccess((t) =>
      this.#deps.api.call('payments.receipt', { accessToken: t, params: { id: paymentId } }),
    );
  }

  pay(input: PayInput): Promise<Receipt> {
    return this.#done(
      'pay',
      this.#actions.run<Receipt, PayMemo>('pay', input, async ({ key, memo }) => {
        const { saveCard, card, ...rest } = input;
        let body = card ? { ...rest, card } : rest;
        if (card && saveCard) {
          memo.savedCardId ??= (await this.addMethod(card)).id;
          body = { amountCents: input.amountCents, paymentMethodId: memo.savedCardId };
        }
        return this.#deps.session.withAccess((t) =>
          this.#deps.api.call('payments.pay', { accessToken: t, body, idempotencyKey: key }),
        );
      }),
    );
  }

  refill(pin: string): Promise<Receipt> {
    // The PIN goes on in its canonical form, the form the API hashes the request in: the same
    // PIN typed with other spacing on a retry is then the same request under the same key.
    const parsed = RefillPin.safeParse(pin);
    if (!parsed.success) {
      return Promise.reject(
        new AppError('invalid_refill_pin_format', REFILL_PIN_FORMAT_MESSAGE, {
          issues: parsed.error.issues.map((issue) => ({ path: 'pin', message: issue.message })),
        }),
      );
    }
    const digits = parsed.data;
    return this.#done(
      'refill',
      this.#actions.run('refill', { pin: digits }, ({ key }) =>
        this.#deps.session.withAccess((t) =>
          this.#deps.api.call('payments.refill', {
            accessToken: t,
            body: { pin: digits },
            idempotencyKey: key,
          }),
        ),
      ),
    );
  }

  /** The key the next try of this action would send; for tests and diagnostics. */
  pendingKey(action: Action): string | null {
    return this.#actions.pendingKey(action);
  }

  async #done(action: Action, attempt: Promise<Receipt>): Promise<Receipt> {
    const receipt = await attempt;
    this.#deps.log.info(
      { action, receiptNumber: receipt.receiptNumber, method: receipt.method },
      'payments: done',
    );
    return receipt;
  }
}
