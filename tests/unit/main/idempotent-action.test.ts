import { describe, expect, it } from 'vitest';
import { AppError } from '../../../main/errors';
import { IdempotentAction, IdempotentActions } from '../../../main/services/idempotent-action';
import { memoryLog } from './support/fakes';

function keys() {
  let n = 0;
  return () => `key-${String(++n).padStart(8, '0')}`;
}

const options = () => ({ log: memoryLog(), scope: 'test', newKey: keys() });

/** Each way a money-moving call can fail, as the API client reports it, and whether to keep the key. */
const TABLE: [label: string, error: unknown, keep: boolean][] = [
  // The outcome is unknown: the API may have done it.
  [
    'no answer (connection refused, reset, dropped)',
    new AppError('network_unreachable', 'x'),
    true,
  ],
  ['timeout', new AppError('timeout', 'x'), true],
  ['500 internal_error', new AppError('internal_error', 'x', { status: 500 }), true],
  [
    '502 from a gateway, body not the API’s',
    new AppError('service_unavailable', 'x', { status: 502 }),
    true,
  ],
  [
    '503 payment_processor_unavailable',
    new AppError('payment_processor_unavailable', 'x', { status: 503 }),
    true,
  ],
  [
    '409 idempotency_in_progress',
    new AppError('idempotency_in_progress', 'x', { status: 409, retryAfterSeconds: 1 }),
    true,
  ],
  ['2xx whose body does not parse', new AppError('invalid_response', 'x', { status: 201 }), true],
  ['a body that broke off (no status)', new AppError('invalid_response', 'x'), true],
  ['409 whose body does not parse', new AppError('invalid_response', 'x', { status: 409 }), true],
  ['5xx whose body does not parse', new AppError('invalid_response', 'x', { status: 504 }), true],
  ['not an AppError at all', new TypeError('boom'), true],
  // A definite answer: the API did not do it.
  ['402 card_declined', new AppError('card_declined', 'x', { status: 402 }), false],
  ['400 refill_pin_invalid', new AppError('refill_pin_invalid', 'x', { status: 400 }), false],
  ['400 invalid_request', new AppError('invalid_request', 'x', { status: 400 }), false],
  ['401 unauthorized', new AppError('unauthorized', 'x', { status: 401 }), false],
  [
    '402 insufficient_balance',
    new AppError('insufficient_balance', 'x', { status: 402, shortfallCents: 100 }),
    false,
  ],
  [
    '404 payment_method_not_found',
    new AppError('payment_method_not_found', 'x', { status: 404 }),
    false,
  ],
  ['409 plan_price_changed', new AppError('plan_price_changed', 'x', { status: 409 }), false],
  [
    '422 idempotency_key_reused',
    new AppError('idempotency_key_reused', 'x', { status: 422 }),
    false,
  ],
  [
    '429 rate_limited',
    new AppError('rate_limited', 'x', { status: 429, retryAfterSeconds: 60 }),
    false,
  ],
  ['4xx whose body does not parse', new AppError('invalid_response', 'x', { status: 404 }), false],
  ['not signed in (nothing sent)', new AppError('not_signed_in', 'x'), false],
];

describe('IdempotentAction', () => {
  it.each(TABLE)(
    'after %s, the next try sends the same key only when the outcome is unknown',
    async (_label, error, keep) => {
      const action = new IdempotentAction('pay', options());
      const sent: string[] = [];
      await expect(
        action.run(async ({ key }) => {
          sent.push(key);
          throw error;
        }),
      ).rejects.toBe(error);
      expect(action.key).toBe(keep ? 'key-00000001' : null);
      await action.run(async ({ key }) => sent.push(key));
      expect(sent).toEqual(['key-00000001', keep ? 'key-00000001' : 'key-00000002']);
      // A parsed answer is definite: the action is over, and its key with it.
      expect(action.key).toBeNull();
    },
  );

  it('keeps the key through several unknown outcomes in a row, then drops it on the answer', async () => {
    const action = new IdempotentAction('refill', options());
    const failures = [
      new AppError('timeout', 'x'),
      new AppError('service_unavailable', 'x', { status: 503 }),
      new AppError('idempotency_in_progress', 'x', { status: 409 }),
      new AppError('invalid_response', 'x', { status: 201 }),
    ];
    const sent: string[] = [];
    for (const failure of failures) {
      await expect(
        action.run(async ({ key }) => {
          sent.push(key);
          throw failure;
        }),
      ).rejects.toBe(failure);
    }
    expect(await action.run(async ({ key }) => (sent.push(key), 'receipt'))).toBe('receipt');
    expect(new Set(sent)).toEqual(new Set(['key-00000001']));
    expect(sent).toHaveLength(5);
    expect(action.key).toBeNull();
  });

  it('joins a second try made while the first is on its way', async () => {
    const action = new IdempotentAction('pay', options());
    let finish!: (value: string) => void;
    let calls = 0;
    const call = () => {
      calls += 1;
      return new Promise<string>((resolve) => (finish = resolve));
    };
    const first = action.run(call);
    const second = action.run(call);
    expect(action.busy).toBe(true);
    finish('receipt');
    expect(await first).toBe('receipt');
    expect(await second).toBe('receipt');
    expect(calls).toBe(1);
    expect(action.busy).toBe(false);
  });

  it('keeps what a try noted for the retries, and forgets it when the action ends', async () => {
    const action = new IdempotentAction<{ cardId: string }>('pay', options());
    const seen: (string | undefined)[] = [];
    await expect(
      action.run(async ({ memo }) => {
        seen.push(memo.cardId);
        memo.cardId = 'pm_1';
        throw new AppError('timeout', 'x');
      }),
    ).rejects.toBeInstanceOf(AppError);
    await action.run(async ({ memo }) => seen.push(memo.cardId));
    await action.run(async ({ memo }) => seen.push(memo.cardId));
    expect(seen).toEqual([undefined, 'pm_1', undefined]);
  });

  it('logs that a key was kept, with the error code but nothing of the request', async () => {
    const log = memoryLog();
    const action = new IdempotentAction('pay', { log, scope: 'payments', newKey: keys() });
    await expect(
      action.run(async () => {
        throw new AppError('invalid_response', 'x', { status: 201 });
      }),
    ).rejects.toBeInstanceOf(AppError);
    expect(JSON.stringify(log.lines)).toContain('invalid_response');
    expect(JSON.stringify(log.lines)).toContain('payments: no clear answer');
  });
});

describe('IdempotentActions', () => {
  it('gives the very same request the same action, and any other request another', async () => {
    const actions = new IdempotentActions(options());
    const sent: [string, string][] = [];
    const lost = (label: string) =>
      actions.run('pay', { amountCents: 2000, paymentMethodId: label }, async ({ key }) => {
        sent.push([label, key]);
        throw new AppError('timeout', 'x');
      });
    await expect(lost('pm_1')).rejects.toBeInstanceOf(AppError);
    await expect(lost('pm_2')).rejects.toBeInstanceOf(AppError);
    // The same fields in another order are the same request.
    await actions.run('pay', { paymentMethodId: 'pm_1', amountCents: 2000 }, async ({ key }) =>
      sent.push(['pm_1 again', key]),
    );
    // Another kind of action with the same fields is another action.
    await actions.run('refund', { amountCents: 2000, paymentMethodId: 'pm_2' }, async ({ key }) =>
      sent.push(['refund', key]),
    );
    expect(sent).toEqual([
      ['pm_1', 'key-00000001'],
      ['pm_2', 'key-00000002'],
      ['pm_1 again', 'key-00000001'],
      ['refund', 'key-00000003'],
    ]);
    // The payment with pm_2 still waits for its retry, with its key.
    expect(actions.pendingKey('pay')).toBe('key-00000002');
    expect(actions.pendingKey('refund')).toBeNull();
  });

  it('starts a new action with a new key once the last one had a definite answer', async () => {
    const actions = new IdempotentActions(options());
    const sent: string[] = [];
    const request = { addOnId: 'data-5gb' };
    await actions.run('add-on', request, async ({ key }) => sent.push(key));
    await expect(
      actions.run('add-on', request, async ({ key }) => {
        sent.push(key);
        throw new AppError('insufficient_balance', 'x', { status: 402 });
      }),
    ).rejects.toBeInstanceOf(AppError);
    await actions.run('add-on', request, async ({ key }) => sent.push(key));
    expect(sent).toEqual(['key-00000001', 'key-00000002', 'key-00000003']);
    expect(actions.pendingKey('add-on')).toBeNull();
  });
});
