import { randomBytes } from 'node:crypto';
import { createChallenge, verifySolution } from 'altcha-lib/v1';
import type { CaptchaChallenge } from '../../../../contract/errors';
import type {
  AccountSummary,
  PaymentList,
  Plan,
  StatementDetail,
  StatementList,
  UsageResponse,
} from '../../../../contract/http/account';
import type { UsageInsights } from '../../../../contract/http/insights';
import type { DeviceInfo, SignInResponse, SubscriberProfile } from '../../../../contract/http/auth';
import type {
  ResetChannel,
  ResetStartResponse,
  ResetVerifyResponse,
} from '../../../../contract/http/recovery';
import type {
  ChangeContactRequest,
  ChangePasswordRequest,
  ChangePasswordResponse,
  SecurityEventList,
  SecurityOverview,
  SessionList,
  SignOutOthersResponse,
} from '../../../../contract/http/security';
import type {
  RecoveryCodesResponse,
  SecondFactorResendResponse,
  TwoFactorConfirmResponse,
  TwoFactorEnrolResponse,
  TwoFactorMethod,
} from '../../../../contract/http/two-factor';
import type { PushEvent } from '../../../../contract/ipc';
import { AppError } from '../../../../main/errors';
import type { RouteId } from '../../../../contract/http/routes';
import type {
  ApiCall,
  ApiClient,
  CallInput,
  CallResult,
} from '../../../../main/services/api-client';
import type { Clock, TimerHandle, Timers } from '../../../../main/services/clock';
import type { Log } from '../../../../main/services/logger';

export const PHONE = '+12065550100';
export const PASSWORD = 'Sunset-Harbor-42';
export const NOW = Date.parse('2026-11-25T12:00:00.000Z');

export const newRefreshToken = () => randomBytes(32).toString('base64url');
/** Challenges, device tokens and reset tickets share the refresh token's shape. */
export const newOpaqueToken = newRefreshToken;

/** What the app says about this computer in the unit tests. */
export const DEVICE: DeviceInfo = {
  id: '5b1f3c1e-8f7a-4c2b-9d7e-2a4f6c8e0b13',
  name: 'Test computer',
  appVersion: '0.1.0',
};
export const testDevice = (): DeviceInfo => ({ ...DEVICE });

/** Signs the fake API's proof-of-work challenges. */
const CAPTCHA_KEY = 'fake-api-captcha-key-0123456789abcdef';

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

export const insights: UsageInsights = {
  forecast: {
    status: 'runs_out',
    cycle: { start: summary.cycle.start, end: summary.cycle.end },
    usedMb: 6_900,
    allowanceMb: 15_360,
    daysMeasured: 18,
    dailyPaceMb: 380,
    projectedMb: 16_000,
    runsOutOn: '2026-12-04',
  },
  advisor: {
    reason: 'current_plan_best',
    cycles: [{ start: '2026-10-07', end: '2026-11-06', dataMb: 9_000, minutes: 100, texts: 200 }],
    currentCycleCost: usd(40_00),
    recommendation: null,
  },
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
  lines: [
    {
      id: 'l-1',
      kind: 'plan',
      item: { kind: 'plan_renewal', planId: plan.id, planName: plan.name, period: null },
      amount: usd(40_00),
    },
  ],
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
      item: { kind: 'card_payment', brand: 'unknown', last4: '4242' },
      cardLast4: '4242',
      status: 'succeeded',
    },
  ],
  nextCursor: null,
};

export const securityOverview: SecurityOverview = {
  twoFactor: { enabled: false, method: null, recoveryCodesLeft: 0 },
  phone: PHONE,
  email: subscriber.email,
  contactPhone: null,
  passwordChangedAt: '2026-10-01T09:00:00.000Z',
  rememberedDevices: 0,
};

export const CURRENT_SESSION_ID = '0b7c1a52-3f1e-4d8a-9c0f-6e2b4a8d1c30';
export const OTHER_SESSION_ID = '7e4d2b91-6a3c-4f5e-8b1d-0c9a2e7f4d61';

export const sessionList: SessionList = {
  sessions: [
    {
      id: CURRENT_SESSION_ID,
      current: true,
      deviceName: 'Test computer',
      appVersion: '0.1.0',
      signedInAt: '2026-11-25T11:00:00.000Z',
      lastSeenAt: '2026-11-25T12:00:00.000Z',
      ip: '127.0.0.1',
    },
    {
      id: OTHER_SESSION_ID,
      current: false,
      deviceName: 'Kitchen laptop',
      appVersion: '0.1.0',
      signedInAt: '2026-11-20T08:00:00.000Z',
      lastSeenAt: '2026-11-24T20:00:00.000Z',
      ip: '192.0.2.10',
    },
  ],
};

export const securityEvents: SecurityEventList = {
  items: [
    {
      id: 'ev-1',
      at: '2026-11-25T11:00:00.000Z',
      kind: 'signed_in',
      newDevice: false,
      deviceName: 'Test computer',
      appVersion: '0.1.0',
      ip: '127.0.0.1',
    },
  ],
  nextCursor: null,
};

export const RECOVERY_CODES = Array.from({ length: 10 }, (_, i) => `${String(i).repeat(5)}-abcde`);
export const TOTP_SECRET = 'JBSWY3DPEHPK3PXP';
export const SECOND_FACTOR_CODE = '123456';
export const RESET_CODE = '654321';

type Call = { method: string; token?: string; args?: unknown[] };

type SignInBody = CallInput<'auth.signIn'>['body'];
type SecondFactorBody = CallInput<'auth.secondFactor'>['body'];

/** Answers to the routes a fake serves, by route id. */
export type RouteHandlers = {
  [K in RouteId]?: (input: CallInput<K>) => Promise<CallResult<K>>;
};

/**
 * A fake of the client's `call`: each route the fake serves has a handler; a route it does not
 * serve is a mistake in the test, so it fails loudly rather than answering something.
 */
export function fakeCall(handlers: RouteHandlers): ApiCall {
  return ((id: RouteId, input?: object) => {
    const handler = handlers[id] as ((input: object) => Promise<unknown>) | undefined;
    if (!handler) return Promise.reject(new Error(`the fake API does not serve ${id}`));
    return handler(input ?? {});
  }) as ApiCall;
}

/** A challenge the fake API handed out for a 2-step sign-in. */
interface FakeChallenge {
  used: boolean;
  attempts: number;
}

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

  /** The account's password (a reset or a change replaces it). */
  password = PASSWORD;
  /** 2-step verification on the account, or null. */
  twoFactor: { method: TwoFactorMethod } | null = null;
  /** Every sign-in body as sent. */
  readonly signInBodies: SignInBody[] = [];
  /** Every second-factor body as sent. */
  readonly secondFactorBodies: SecondFactorBody[] = [];
  /** Challenges handed out by sign-in, by token. */
  readonly challenges = new Map<string, FakeChallenge>();
  /** Device tokens of remembered computers the server honours. */
  readonly deviceTokens = new Set<string>();
  /**
   * Answer every completed sign-in with a new device cookie, as the real API does. Off unless a
   * test turns it on, so tests about other keychain entries see only those.
   */
  issueDeviceCookies = false;
  /** Device cookies handed out, oldest first. */
  readonly deviceCookies: string[] = [];

  /** A completed sign-in's answer: new tokens, and a device cookie when those are issued. */
  #signedIn(): SignInResponse {
    const pair = this.#pair();
    if (!this.issueDeviceCookies) return pair;
    const deviceCookie = `${newOpaqueToken()}.${newOpaqueToken()}`;
    this.deviceCookies.push(deviceCookie);
    return { ...pair, deviceCookie };
  }

  async signIn(body: SignInBody): Promise<SignInResponse> {
    this.calls.push({ method: 'signIn', args: [body.phone] });
    this.signInBodies.push(structuredClone(body));
    if (this.offline) throw this.offline;
    if (body.phone !== PHONE || body.password !== this.password) {
      throw new AppError('invalid_credentials', 'That phone number or password is not right.', {
        status: 401,
      });
    }
    if (this.twoFactor && !(body.deviceToken && this.deviceTokens.has(body.deviceToken))) {
      const challenge = newOpaqueToken();
      this.challenges.set(challenge, { used: false, attempts: 0 });
      const sms = this.twoFactor.method === 'sms';
      throw new AppError('second_factor_required', 'Enter the code to finish signing in.', {
        status: 401,
        secondFactor: {
          challenge,
          expiresIn: 300,
          method: this.twoFactor.method,
          ...(sms ? { destination: '•••-0100', resendAfterSeconds: 60 } : {}),
        },
      });
    }
    return this.#signedIn();
  }

  #challenge(challenge: string): FakeChallenge {
    const found = this.challenges.get(challenge);
    if (!found || found.used) {
      throw new AppError('unauthorized', 'That sign-in can no longer be finished.', {
        status: 401,
      });
    }
    return found;
  }

  async secondFactor(body: SecondFactorBody): Promise<SignInResponse> {
    this.calls.push({ method: 'secondFactor' });
    this.secondFactorBodies.push(structuredClone(body));
    if (this.offline) throw this.offline;
    const challenge = this.#challenge(body.challenge);
    if (body.code !== SECOND_FACTOR_CODE) {
      challenge.attempts += 1;
      if (challenge.attempts >= 5) {
        challenge.used = true;
        throw new AppError('account_locked', 'Locked.', { status: 423, retryAfterSeconds: 900 });
      }
      throw new AppError('invalid_code', 'That code is not right.', {
        status: 401,
        attemptsLeft: 5 - challenge.attempts,
      });
    }
    challenge.used = true;
    const pair = this.#signedIn();
    if (!body.rememberDevice) return pair;
    const deviceToken = newOpaqueToken();
    this.deviceTokens.add(deviceToken);
    return { ...pair, deviceToken };
  }

  async secondFactorResend(challenge: string): Promise<SecondFactorResendResponse> {
    this.calls.push({ method: 'secondFactorResend' });
    if (this.offline) throw this.offline;
    this.#challenge(challenge);
    return { sent: true, destination: '•••-0100', resendAfterSeconds: 60 };
  }

  /** Reset flow state: the phone a code went to, the live ticket. */
  readonly resets: Array<{ phone: string; channel: ResetChannel; captcha: string }> = [];
  #resetPhone: string | null = null;
  #ticket: string | null = null;
  /** Answer the next `resetComplete` with this error. */
  nextResetCompleteError: AppError | null = null;

  async captchaChallenge(): Promise<CaptchaChallenge> {
    this.calls.push({ method: 'captchaChallenge' });
    if (this.offline) throw this.offline;
    return createChallenge({ hmacKey: CAPTCHA_KEY, maxNumber: 2_000 });
  }

  async resetStart(body: {
    phone: string;
    channel: ResetChannel;
    captcha: string;
  }): Promise<ResetStartResponse> {
    this.calls.push({ method: 'resetStart', args: [body.phone, body.channel] });
    if (this.offline) throw this.offline;
    if (!(await verifySolution(body.captcha, CAPTCHA_KEY, false))) {
      throw new AppError('captcha_invalid', 'Wrong solution.', { status: 400 });
    }
    this.resets.push(structuredClone(body));
    this.#resetPhone = body.phone;
    return { sent: true, channel: body.channel, resendAfterSeconds: 60, codeExpiresIn: 600 };
  }

  async resetVerify(body: { phone: string; code: string }): Promise<ResetVerifyResponse> {
    this.calls.push({ method: 'resetVerify', args: [body.phone] });
    if (this.offline) throw this.offline;
    if (body.phone !== this.#resetPhone || body.code !== RESET_CODE) {
      throw new AppError('invalid_code', 'That code is not right.', {
        status: 400,
        attemptsLeft: 4,
      });
    }
    this.#ticket = newOpaqueToken();
    return { ticket: this.#ticket, expiresIn: 600, channel: 'sms', destination: '•••-0100' };
  }

  async resetComplete(body: { ticket: string; newPassword: string }): Promise<void> {
    this.calls.push({ method: 'resetComplete', args: [body.ticket] });
    if (this.offline) throw this.offline;
    if (this.nextResetCompleteError) {
      const error = this.nextResetCompleteError;
      this.nextResetCompleteError = null;
      throw error;
    }
    if (body.ticket !== this.#ticket) {
      throw new AppError('reset_ticket_invalid', 'That reset has ended.', { status: 400 });
    }
    this.#ticket = null;
    this.password = body.newPassword;
    this.deviceTokens.clear();
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
  insights = (t: string) => this.#account('insights', t, insights);
  statements = (t: string, page?: unknown) => this.#account('statements', t, statements, [page]);
  statement = (t: string, id: string) =>
    id === statement.id
      ? this.#account('statement', t, statement, [id])
      : Promise.reject(
          new AppError('statement_not_found', 'There is no such statement.', { status: 404 }),
        );
  payments = (t: string, page?: unknown) => this.#account('payments', t, payments, [page]);

  securityOverview = (t: string) => this.#account('securityOverview', t, securityOverview);
  changePassword = async (
    t: string,
    body: ChangePasswordRequest,
  ): Promise<ChangePasswordResponse> => {
    await this.#account('changePassword', t, null);
    if (body.currentPassword !== this.password) {
      throw new AppError('wrong_password', 'That is not your current password.', { status: 400 });
    }
    this.password = body.newPassword;
    this.deviceTokens.clear();
    return { otherSessionsSignedOut: 2 };
  };
  changeContact = (t: string, body: ChangeContactRequest) =>
    this.#account(
      'changeContact',
      t,
      { ...securityOverview, ...(body.email ? { email: body.email } : {}) },
      [body],
    );
  sessions = (t: string) => this.#account('sessions', t, sessionList);
  signOutSession = async (t: string, id: string): Promise<void> => {
    await this.#account('signOutSession', t, null, [id]);
  };
  signOutOthers = (t: string): Promise<SignOutOthersResponse> =>
    this.#account('signOutOthers', t, { signedOut: 1 });
  securityEvents = (t: string, page?: unknown) =>
    this.#account('securityEvents', t, securityEvents, [page]);
  twoFactorEnrol = (t: string, method: TwoFactorMethod): Promise<TwoFactorEnrolResponse> =>
    this.#account(
      'twoFactorEnrol',
      t,
      method === 'totp'
        ? {
            method: 'totp' as const,
            secret: TOTP_SECRET,
            otpauthUri: `otpauth://totp/Airtime:%2B12065550100?secret=${TOTP_SECRET}&issuer=Airtime`,
          }
        : { method: 'sms' as const, destination: '•••-0100', resendAfterSeconds: 60 },
      [method],
    );
  twoFactorResend = (t: string): Promise<SecondFactorResendResponse> =>
    this.#account('twoFactorResend', t, {
      sent: true as const,
      destination: '•••-0100',
      resendAfterSeconds: 60,
    });
  twoFactorConfirm = (t: string, code: string): Promise<TwoFactorConfirmResponse> =>
    this.#account(
      'twoFactorConfirm',
      t,
      { enabled: true as const, recoveryCodes: RECOVERY_CODES },
      [code],
    );
  twoFactorDisable = async (t: string, password: string): Promise<void> => {
    await this.#account('twoFactorDisable', t, null, [password]);
  };
  recoveryCodes = (t: string, password: string): Promise<RecoveryCodesResponse> =>
    this.#account('recoveryCodes', t, { recoveryCodes: RECOVERY_CODES }, [password]);

  readonly call: ApiCall = fakeCall({
    'auth.signIn': ({ body }) => this.signIn(body),
    'auth.secondFactor': ({ body }) => this.secondFactor(body),
    'auth.secondFactorResend': ({ body }) => this.secondFactorResend(body.challenge),
    'auth.refresh': ({ body }) => this.refresh(body.refreshToken),
    'auth.signOut': ({ body }) => this.signOut(body.refreshToken),
    'auth.captchaChallenge': () => this.captchaChallenge(),
    'auth.resetStart': ({ body }) => this.resetStart({ ...body, captcha: body.captcha ?? '' }),
    'auth.resetVerify': ({ body }) => this.resetVerify(body),
    'auth.resetComplete': ({ body }) => this.resetComplete(body),
    'account.summary': ({ accessToken }) => this.summary(accessToken),
    'account.plan': ({ accessToken }) => this.plan(accessToken),
    'account.usage': ({ accessToken, query }) => this.usage(accessToken, query?.cycle),
    'account.insights': ({ accessToken }) => this.insights(accessToken),
    'account.statements': ({ accessToken, query }) => this.statements(accessToken, query),
    'account.statement': ({ accessToken, params }) => this.statement(accessToken, params.id),
    'account.payments': ({ accessToken, query }) => this.payments(accessToken, query),
    'security.overview': ({ accessToken }) => this.securityOverview(accessToken),
    'security.changePassword': ({ accessToken, body }) => this.changePassword(accessToken, body),
    'security.changeContact': ({ accessToken, body }) => this.changeContact(accessToken, body),
    'security.sessions': ({ accessToken }) => this.sessions(accessToken),
    'security.signOutSession': ({ accessToken, params }) =>
      this.signOutSession(accessToken, params.id),
    'security.signOutOthers': ({ accessToken }) => this.signOutOthers(accessToken),
    'security.events': ({ accessToken, query }) => this.securityEvents(accessToken, query),
    'twoFactor.enrol': ({ accessToken, body }) =>
      this.twoFactorEnrol(accessToken, body?.method ?? 'totp'),
    'twoFactor.resend': ({ accessToken }) => this.twoFactorResend(accessToken),
    'twoFactor.confirm': ({ accessToken, body }) => this.twoFactorConfirm(accessToken, body.code),
    'twoFactor.disable': ({ accessToken, body }) =>
      this.twoFactorDisable(accessToken, body.password),
    'twoFactor.recoveryCodes': ({ accessToken, body }) =>
      this.recoveryCodes(accessToken, body.password),
  });

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
