import type {
  ChangeContactRequest,
  ChangePasswordRequest,
  ChangePasswordResponse,
  SecurityEventList,
  SecurityOverview,
  SessionList,
  SignOutOthersResponse,
} from '../../contract/http/security';
import type { RecoveryCodesResponse, TwoFactorMethod } from '../../contract/http/two-factor';
import type { SessionInfo, TwoFactorSetup } from '../../contract/ipc';
import type { ApiCaller, CallInput } from './api-client';
import type { Log } from './logger';

export interface SecurityDeps {
  api: ApiCaller;
  /** The part of the session service these calls need. */
  session: {
    withAccess<T>(call: (accessToken: string) => Promise<T>): Promise<T>;
    info(): SessionInfo | null;
    signOut(): Promise<void>;
    forgetRememberedDevice(phone: string): Promise<void>;
  };
  log: Log;
}

/**
 * The security center: bearer calls made with the session's access token (refreshed and retried
 * once on a 401, like the account calls), plus what each change means on this computer.
 */
export class SecurityService {
  readonly #deps: SecurityDeps;

  constructor(deps: SecurityDeps) {
    this.#deps = deps;
  }

  #call<T>(call: (api: ApiCaller, accessToken: string) => Promise<T>): Promise<T> {
    return this.#deps.session.withAccess((token) => call(this.#deps.api, token));
  }

  overview(): Promise<SecurityOverview> {
    return this.#call((api, t) => api.call('security.overview', { accessToken: t }));
  }

  /**
   * Changes the password. The server ends every other session and forgets remembered computers;
   * this session carries on, and this computer's remembered token is deleted here too.
   */
  async changePassword(body: ChangePasswordRequest): Promise<ChangePasswordResponse> {
    const phone = this.#deps.session.info()?.subscriber.phone;
    const result = await this.#call((api, t) =>
      api.call('security.changePassword', { accessToken: t, body }),
    );
    if (phone) await this.#deps.session.forgetRememberedDevice(phone);
    return { otherSessionsSignedOut: result.otherSessionsSignedOut };
  }

  changeContact(body: ChangeContactRequest): Promise<SecurityOverview> {
    return this.#call((api, t) => api.call('security.changeContact', { accessToken: t, body }));
  }

  sessions(): Promise<SessionList> {
    return this.#call((api, t) => api.call('security.sessions', { accessToken: t }));
  }

  /**
   * Ends one session. Ending the one this app is using is a sign-out here too (its saved sign-in
   * is deleted), so the app does not carry on with tokens the server has revoked.
   */
  async signOutSession(id: string): Promise<void> {
    const { sessions } = await this.sessions();
    const current = sessions.some((s) => s.id === id && s.current);
    await this.#call((api, t) =>
      api.call('security.signOutSession', { accessToken: t, params: { id } }),
    );
    if (current) {
      this.#deps.log.info({}, 'security: this session was ended from the sessions list');
      await this.#deps.session.signOut();
    }
  }

  signOutOthers(): Promise<SignOutOthersResponse> {
    return this.#call((api, t) => api.call('security.signOutOthers', { accessToken: t }));
  }

  history(page?: CallInput<'security.events'>['query']): Promise<SecurityEventList> {
    return this.#call((api, t) =>
      api.call('security.events', {
        accessToken: t,
        ...(page !== undefined ? { query: page } : {}),
      }),
    );
  }

  async twoFactorEnrol(method: TwoFactorMethod): Promise<TwoFactorSetup> {
    const setup = await this.#call((api, t) =>
      api.call('twoFactor.enrol', { accessToken: t, body: { method } }),
    );
    return setup.method === 'totp'
      ? { method: 'totp', secret: setup.secret, otpauthUri: setup.otpauthUri }
      : {
          method: 'sms',
          destination: setup.destination,
          resendAfterSeconds: setup.resendAfterSeconds,
        };
  }

  async twoFactorResend(): Promise<{ destination: string; resendAfterSeconds: number }> {
    const sent = await this.#call((api, t) => api.call('twoFactor.resend', { accessToken: t }));
    return { destination: sent.destination, resendAfterSeconds: sent.resendAfterSeconds };
  }

  async twoFactorConfirm(code: string): Promise<RecoveryCodesResponse> {
    const confirmed = await this.#call((api, t) =>
      api.call('twoFactor.confirm', { accessToken: t, body: { code } }),
    );
    return { recoveryCodes: [...confirmed.recoveryCodes] };
  }

  async twoFactorDisable(password: string): Promise<void> {
    await this.#call((api, t) =>
      api.call('twoFactor.disable', { accessToken: t, body: { password } }),
    );
  }

  async recoveryCodes(password: string): Promise<RecoveryCodesResponse> {
    const codes = await this.#call((api, t) =>
      api.call('twoFactor.recoveryCodes', { accessToken: t, body: { password } }),
    );
    return { recoveryCodes: [...codes.recoveryCodes] };
  }
}
