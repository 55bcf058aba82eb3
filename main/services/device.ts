import type { z } from 'zod';
import { DeviceCookie, DeviceToken, type DeviceInfo } from '../../contract/http/auth';
import type { Log } from './logger';
import type { CredentialVault } from './vault';

/**
 * Vault accounts of remembered computers start with this, and those of device cookies with
 * {@link DEVICE_COOKIE_ACCOUNT_PREFIX}. Saved sign-ins use the bare E.164 phone, so resume (which
 * only reads E.164 accounts) never takes one of these for a sign-in.
 */
export const DEVICE_ACCOUNT_PREFIX = 'device:';
export const DEVICE_COOKIE_ACCOUNT_PREFIX = 'device-cookie:';

export const deviceAccount = (phone: string): string => `${DEVICE_ACCOUNT_PREFIX}${phone}`;
export const deviceCookieAccount = (phone: string): string =>
  `${DEVICE_COOKIE_ACCOUNT_PREFIX}${phone}`;

/** Said when the host gives no usable computer name (an empty hostname). */
const FALLBACK_DEVICE_NAME = 'Airtime desktop';
/** The contract's limits (`DeviceInfo`): a longer hostname is cut rather than refused. */
const MAX_NAME = 64;
const MAX_VERSION = 32;

export interface DeviceInfoSource {
  /** This installation's id (persisted in the settings). */
  id(): string;
  /** The computer's name as the host knows it (`os.hostname()`). */
  name(): string;
  appVersion: string;
}

/**
 * What the app tells the API about this computer on every sign-in. The name is read each time,
 * so a renamed computer shows its new name on the next sign-in.
 */
export function deviceInfo(source: DeviceInfoSource): DeviceInfo {
  let name = '';
  try {
    name = source.name();
  } catch {
    // A host that cannot tell its name still signs in, under the fallback name.
  }
  return {
    id: source.id(),
    name: clip(name, MAX_NAME) || FALLBACK_DEVICE_NAME,
    appVersion: clip(source.appVersion, MAX_VERSION) || '0.0.0',
  };
}

function clip(value: string, max: number): string {
  // Control characters would only garble the sessions list.
  const cleaned = value.replace(/\p{Cc}/gu, ' ').trim();
  return [...cleaned].slice(0, max).join('').trim();
}

/** One kind of per-phone secret kept in the keychain: where it goes and what it must look like. */
export interface PhoneSecretKind {
  /** Vault account prefix; the E.164 phone follows it. */
  prefix: string;
  /** A stored value this does not accept is deleted rather than sent. */
  schema: z.ZodType<string>;
  /** How the log names it. */
  label: string;
}

/** "Remember this computer" after 2-step verification: skips the second step for 30 days. */
export const REMEMBERED_DEVICE: PhoneSecretKind = {
  prefix: DEVICE_ACCOUNT_PREFIX,
  schema: DeviceToken,
  label: 'remembered-computer token',
};

/**
 * The API's device cookie from the last sign-in to that number: earns this computer its own
 * allowance of wrong passwords, so strangers guessing the number cannot lock it out.
 */
export const DEVICE_COOKIE: PhoneSecretKind = {
  prefix: DEVICE_COOKIE_ACCOUNT_PREFIX,
  schema: DeviceCookie,
  label: 'device cookie',
};

/**
 * Secrets the API gave this computer for one phone number, in the keychain under
 * `<prefix><E.164 phone>`. Every operation is best effort: a keychain that fails only means the
 * secret is not sent next time (the second step is asked for again, or the sign-in counts as
 * one from an unknown computer), never a failed sign-in.
 */
export class PhoneSecrets {
  readonly #vault: CredentialVault | null;
  readonly #log: Log;
  readonly #kind: PhoneSecretKind;

  constructor(vault: CredentialVault | null, log: Log, kind: PhoneSecretKind) {
    this.#vault = vault;
    this.#log = log;
    this.#kind = kind;
  }

  get available(): boolean {
    return this.#vault !== null;
  }

  #account(phone: string): string {
    return `${this.#kind.prefix}${phone}`;
  }

  /** The secret saved for this phone, or undefined; a malformed one is deleted. */
  async get(phone: string): Promise<string | undefined> {
    if (!this.#vault) return undefined;
    let secret: string | null;
    try {
      secret = await this.#vault.get(this.#account(phone));
    } catch (error) {
      this.#log.warn({ err: error }, `device: could not read the ${this.#kind.label}`);
      return undefined;
    }
    if (secret === null) return undefined;
    if (this.#kind.schema.safeParse(secret).success) return secret;
    await this.forget(phone);
    return undefined;
  }

  /** Keeps `secret` for this phone, replacing the one kept before. */
  async keep(phone: string, secret: string): Promise<void> {
    if (!this.#vault) return;
    try {
      await this.#vault.set(this.#account(phone), secret);
    } catch (error) {
      this.#log.warn({ err: error }, `device: the keychain refused the ${this.#kind.label}`);
    }
  }

  async forget(phone: string): Promise<void> {
    try {
      await this.#vault?.delete(this.#account(phone));
    } catch (error) {
      this.#log.warn({ err: error }, `device: could not delete a ${this.#kind.label}`);
    }
  }
}
