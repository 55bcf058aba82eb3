import { randomBytes } from 'node:crypto';
import type {
  AccountSummary,
  PaymentList,
  Plan,
  StatementDetail,
  StatementList,
  UsageResponse,
} from '../../../../contract/http/account';
import type { SignInResponse, SubscriberProfile } from '../../../../contract/http/auth';
import type { PushEvent } from '../../../../contract/ipc';
import { AppError } from '../../../../main/errors';
import type { ApiClient } from '../../../../main/services/api-client';
import type { Clock, TimerHandle, Timers } from '../../../../main/services/clock';
import type { Log } from '../../../../main/services/logger';

export const PHONE = '+12065550100';
export const PASSWORD = 'Sunset-Harbor-42';
export const NOW = Date.parse('2026-11-25T12:00:00.000Z');

export const newRefreshToken = () => randomBytes(32).toString('base64url');

/** A clock and timers that only move when the test says so. */
export class ManualTime implements Clock, Timers {
  #now: number;
  #next = 1;
  readonly pending = new Map<number, { at: number; callback: () => void }>();

  constructor(start = NOW) {
    this.#now = start;
  }
  now(): number {
    return this.#now;
  }
  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const id = this.#next++;
    this.pending.set(id, { at: this.#now + delayMs, callback });
    return id;
  }
  clearTimeout(handle: TimerHandle): void {
    this.pending.delete(handle as number);
  }
  /** When the earliest timer fires, or null. */
  nextAt(): number | null {
    const times = [...this.pending.values()].map((t) => t.at);
    return times.length ? Math.min(...times) : null;
  }
  /** Moves time forward, firing due timers in order; lets promises settle after each. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    for (;;) {
      const due = [...this.pending.entries()]
        .filter(([, t]) => t.at <= target)
        .sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.pending.delete(due[0]);
      this.#now = due[1].at;
      due[1].callback();
      await settle();
    }
    this.#now = target;
    await settle();
  }
}

/** Lets queued promise callbacks run. */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

export const subscriber: SubscriberProfile = {
  id: 'demo-0100',
  phone: PHONE,
  name: 'Maria Garcia',
  email: 'maria.garcia@example.com',
};

const usd = (amountCents: number) => ({ amountCents, currency: 'USD' });

export const plan: Plan = {
  id: 'value-15gb',
  name: 'Value 15 GB',
  monthlyPrice: usd(40_00),
  dataAllowanceMb: 15_360,
  dataAfterAllowance: 'slowed',
  hotspotMb: 5_120,
  talkMinutes: null,
  texts: null,
  internationalTexting: false,
  taxesAndFeesIncluded: true,
};

export const summary: AccountSummary = {
  subscriber,
  status: 'active',
  balance: usd(10_00),
  amountDue: usd(30_00),
  dueDate: '2026-12-07',
  plan,
  cycle: { start: '2026-11-07', end: '2026-12-06', daysLeft: 12 },
  usage: { dataUsedMb: 6_900, minutesUsed: 120, textsUsed: 300 },
};

export const usage: UsageResponse = {
  cycle: summary.cycle,
  totals: summary.usage,
  days: [{ date: '2026-11-07', dataMb: 200, minutes: 4, texts: 10 }],
  previousCycle: '2026-10-07',
};

export const statements: StatementList = {
  items: [
    {
      id: 'st-1',
      periodStart: '2026-11-07',
      periodEnd: '2026-12-06',
      issuedAt: '2026-11-07T06:00:00.000Z',
      dueDate: '2026-12-07',
      total: usd(40_00),
      status: 'due',
    },
  ],
  nextCursor: null,
};

export const statement: StatementDetail = {
  ...statements.items[0]!,
  planName: plan.name,
  lines: [{ id: 'l-1', kind: 'plan', description: 'Value 15 GB', amount: usd(40_00) }],
  subtotal: usd(40_00),
  taxesAndFees: usd(0),
  paid: usd(0),
};

export const payments: PaymentList = {
  items: [
    {
      id: 'p-1',
      createdAt: '2026-10-07T06:00:00.000Z',
      amount: usd(40_00),
      method: 'card',
      description: 'Monthly payment',
      cardLast4: '4242',
      status: 'succeeded',
    },
  ],
  nextCursor: null,
};

type Call = { method: string; token?: string; args?: unknown[] };

/**
 * An account API in memory with the real server's token rules: refresh tokens rotate on every
 * use, a used one is "reused", access tokens can be made to expire.
 */
export class FakeApi implements ApiClient {
  readonly calls: Call[] = [];
  expiresIn = 600;
  /** Refresh tokens that work, and those already used. */
  readonly live = new Set<string>();
  readonly used = new Set<string>();
  readonly revoked: string[] = [];
  /** Access tokens the server accepts. */
  readonly validAccess = new Set<string>();
  /** Throw this from every call (network down). */
  offline: AppError | null = null;
  /** Throw this from the next refresh only. */
  nextRefreshError: AppError | null = null;
  /** Holds refreshes until released (to test single-flight). */
  refreshGate: Promise<void> | null = null;
  #counter = 0;

  #pair(): SignInResponse {
    this.#counter += 1;
    const accessToken = `access-${this.#counter}`;
    const refreshToken = newRefreshToken();
    this.validAccess.add(accessToken);
    this.live.add(refreshToken);
    return {
      accessToken,
      refreshToken,
      tokenType: 'Bearer',
      expiresIn: this.expiresIn,
      subscriber,
    };
  }

  /** Makes every access token issued so far stop working (as after expiry). */
  expireAccessTokens(): void {
    this.validAccess.clear();
  }

  count(method: string): number {
    return this.calls.filter((c) => c.method === method).length;
  }

  async signIn(body: { phone: string; password: string }): Promise<SignInResponse> {
    this.calls.push({ method: 'signIn', args: [body.phone] });
    if (this.offline) throw this.offline;
    if (body.phone !== PHONE || body.password !== PASSWORD) {
      throw new AppError('invalid_credentials', 'That phone number or password is not right.', {
        status: 401,
      });
    }
    return this.#pair();
  }

  async refresh(refreshToken: string): Promise<SignInResponse> {
    this.calls.push({ method: 'refresh', token: refreshToken });
    if (this.refreshGate) await this.refreshGate;
    if (this.offline) throw this.offline;
    if (this.nextRefreshError) {
      const error = this.nextRefreshError;
      this.nextRefreshError = null;
      throw error;
    }
    if (this.used.has(refreshToken)) {
      throw new AppError('refresh_token_reused', 'Reused.', { status: 401 });
    }
    if (!this.live.has(refreshToken)) {
      throw new AppError('invalid_refresh_token', 'Your session has ended.', { status: 401 });
    }
    this.live.delete(refreshToken);
    this.used.add(refreshToken);
    return this.#pair();
  }

  async signOut(refreshToken: string): Promise<void> {
    this.calls.push({ method: 'signOut', token: refreshToken });
    if (this.offline) throw this.offline;
    this.revoked.push(refreshToken);
    this.live.delete(refreshToken);
  }

  async #account<T>(method: string, token: string, value: T, args: unknown[] = []): Promise<T> {
    this.calls.push({ method, token, args });
    if (this.offline) throw this.offline;
    if (!this.validAccess.has(token)) {
      throw new AppError('token_expired', 'Your session needs refreshing.', { status: 401 });
    }
    return structuredClone(value);
  }

  summary = (t: string) => this.#account('summary', t, summary);
  plan = (t: string) => this.#account('plan', t, plan);
  usage = (t: string, cycle?: string) => this.#account('usage', t, usage, [cycle]);
  statements = (t: string, page?: unknown) => this.#account('statements', t, statements, [page]);
  statement = (t: string, id: string) =>
    id === statement.id
      ? this.#account('statement', t, statement, [id])
      : Promise.reject(
          new AppError('statement_not_found', 'There is no such statement.', { status: 404 }),
        );
  payments = (t: string, page?: unknown) => this.#account('payments', t, payments, [page]);

  async ping(baseUrl: string): Promise<{ latencyMs: number }> {
    this.calls.push({ method: 'ping', args: [baseUrl] });
    if (this.offline) throw this.offline;
    return { latencyMs: 12 };
  }
}

export const offlineError = () =>
  new AppError('network_unreachable', "Can't reach the account service.");

/** Records push events. */
export function recorder() {
  const events: Array<{ event: PushEvent; payload: unknown }> = [];
  return {
    events,
    emit: (event: PushEvent, payload: unknown) => void events.push({ event, payload }),
  };
}

/** A {@link Log} that keeps what it was given. */
export function memoryLog(): Log & {
  lines: Array<{ level: string; fields: object; message?: string }>;
} {
  const lines: Array<{ level: string; fields: object; message?: string }> = [];
  const at = (level: string) => (fields: object, message?: string) =>
    void lines.push({ level, fields, message });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
