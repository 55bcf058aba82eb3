import { createHash, randomUUID } from 'node:crypto';
import type {
  AddCardRequest,
  Receipt,
  SavedCard,
  SavedCardList,
} from '../../contract/http/payments';
import type { PayInput } from '../../contract/ipc';
import { AppError } from '../errors';
import type { ApiPayments } from './api-client';
import type { Log } from './logger';
import type { SessionService } from './session';

export interface PaymentServiceDeps {
  api: ApiPayments;
  session: Pick<SessionService, 'withAccess'>;
  log: Log;
  /** New Idempotency-Keys; `crypto.randomUUID` outside tests. */
  newKey?: () => string;
}

type Action = 'pay' | 'refill';

/** One money-moving action whose outcome is not known yet: its key is kept for the retry. */
interface Pending {
  /** A hash of what was asked for, so only the very same request reuses the key. */
  fingerprint: string;
  key: string;
  /** A card saved on the first try ("save this card"), so a retry pays with it, not saves again. */
  savedCardId?: string;
  inFlight: Promise<Receipt> | null;
}

/**
 * Errors after which the API may or may not have moved the money: no answer, a timeout, a
 * gateway failure. The same request must then be retried with the same key.
 */
function outcomeUnknown(error: unknown): boolean {
  if (!(error instanceof AppError)) return true;
  if (error.code === 'network_unreachable' || error.code === 'timeout') return true;
  if (error.code === 'service_unavailable') return true;
  const status = error.extra.status;
  return status !== undefined && status >= 500;
}

const fingerprintOf = (value: unknown) =>
  createHash('sha256').update(JSON.stringify(value)).digest('hex');

/**
 * Payments, refills and saved cards. Every money-moving action gets its own Idempotency-Key;
 * when it fails without a clear answer (network, timeout), the key is kept, and the same action
 * tried again sends it again, so a retried click never charges twice. A definite answer (a
 * receipt, a decline, a wrong PIN) ends the action: the next one gets a new key. Card numbers
 * go to the API and nowhere else: only the brand and last four digits are ever logged.
 */
export class PaymentService {
  readonly #deps: PaymentServiceDeps;
  readonly #newKey: () => string;
  readonly #pending = new Map<Action, Pending>();

  constructor(deps: PaymentServiceDeps) {
    this.#deps = deps;
    this.#newKey = deps.newKey ?? randomUUID;
  }

  methods(): Promise<SavedCardList> {
    return this.#deps.session.withAccess((t) => this.#deps.api.paymentMethods(t));
  }

  async addMethod(card: AddCardRequest): Promise<SavedCard> {
    const saved = await this.#deps.session.withAccess((t) =>
      this.#deps.api.addPaymentMethod(t, card),
    );
    this.#deps.log.info({ brand: saved.brand, last4: saved.last4 }, 'payments: card saved');
    return saved;
  }

  async removeMethod(id: string): Promise<void> {
    await this.#deps.session.withAccess((t) => this.#deps.api.removePaymentMethod(t, id));
  }

  setDefault(id: string): Promise<SavedCardList> {
    return this.#deps.session.withAccess((t) => this.#deps.api.setDefaultPaymentMethod(t, id));
  }

  receipt(paymentId: string): Promise<Receipt> {
    return this.#deps.session.withAccess((t) => this.#deps.api.receipt(t, paymentId));
  }

  pay(input: PayInput): Promise<Receipt> {
    return this.#run('pay', input, async (pending) => {
      const { saveCard, card, ...rest } = input;
      let body = card ? { ...rest, card } : rest;
      if (card && saveCard) {
        pending.savedCardId ??= (await this.addMethod(card)).id;
        body = { amountCents: input.amountCents, paymentMethodId: pending.savedCardId };
      }
      return this.#deps.session.withAccess((t) => this.#deps.api.pay(t, body, pending.key));
    });
  }

  refill(pin: string): Promise<Receipt> {
    // Spaces and dashes are how a PIN is printed; they do not make it another refill.
    const digits = pin.replace(/[\s-]/g, '');
    return this.#run('refill', { pin: digits }, (pending) =>
      this.#deps.session.withAccess((t) => this.#deps.api.refill(t, pin, pending.key)),
    );
  }

  /** The key the next try of this action would send; for tests and diagnostics. */
  pendingKey(action: Action): string | null {
    return this.#pending.get(action)?.key ?? null;
  }

  #run(action: Action, request: unknown, call: (p: Pending) => Promise<Receipt>) {
    const fingerprint = fingerprintOf(request);
    let pending = this.#pending.get(action);
    if (pending?.fingerprint !== fingerprint) {
      // Another request: whatever was pending before was abandoned, and this one is new.
      pending = { fingerprint, key: this.#newKey(), inFlight: null };
      this.#pending.set(action, pending);
    }
    // A second click while the first is still on its way joins it instead of sending again.
    if (pending.inFlight) return pending.inFlight;
    const current = pending;
    const attempt = call(current).then(
      (receipt) => {
        if (this.#pending.get(action) === current) this.#pending.delete(action);
        this.#deps.log.info(
          { action, receiptNumber: receipt.receiptNumber, method: receipt.method },
          'payments: done',
        );
        return receipt;
      },
      (error: unknown) => {
        current.inFlight = null;
        if (!outcomeUnknown(error)) {
          if (this.#pending.get(action) === current) this.#pending.delete(action);
        } else {
          this.#deps.log.warn(
            { action, errorCode: error instanceof AppError ? error.code : 'unknown' },
            'payments: no clear answer; the same key is kept for a retry',
          );
        }
        throw error;
      },
    );
    current.inFlight = attempt;
    return attempt;
  }
}
