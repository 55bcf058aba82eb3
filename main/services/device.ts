import { DeviceToken, type DeviceInfo } from '../../contract/http/auth';
import type { Log } from './logger';
import type { CredentialVault } from './vault';

/**
 * Vault accounts of remembered computers start with this. Saved sign-ins use the bare E.164
 * phone, so resume (which only reads E.164 accounts) never takes one of these for a sign-in.
 */
export const DEVICE_ACCOUNT_PREFIX = 'device:';

export const deviceAccount = (phone: string): string => `${DEVICE_ACCOUNT_PREFIX}${phone}`;

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

/**
 * Tokens of computers remembered after 2-step verification, in the keychain under
 * `device:<E.164 phone>`. Every operation is best effort: a keychain that fails only means the
 * second step is asked for again, never a failed sign-in.
 */
export class RememberedDevices {
  readonly #vault: CredentialVault | null;
  readonly #log: Log;

  constructor(vault: CredentialVault | null, log: Log) {
    this.#vault = vault;
    this.#log = log;
  }

  get available(): boolean {
    return this.#vault !== null;
  }

  /** The token saved for this phone, or undefined; a malformed one is deleted. */
  async token(phone: string): Promise<string | undefined> {
    if (!this.#vault) return undefined;
    let secret: string | null;
    try {
      secret = await this.#vault.get(deviceAccount(phone));
    } catch (error) {
      this.#log.warn({ err: error }, 'device: could not read the remembered-computer token');
      return undefined;
    }
    if (secret === null) return undefined;
    if (DeviceToken.safeParse(secret).success) return secret;
    await this.forget(phone);
    return undefined;
  }

  async remember(phone: string, token: string): Promise<void> {
    if (!this.#vault) return;
    try {
      await this.#vault.set(deviceAccount(phone), token);
    } catch (error) {
      this.#log.warn({ err: error }, 'device: the keychain refused the remembered-computer token');
    }
  }

  async forget(phone: string): Promise<void> {
    try {
      await this.#vault?.delete(deviceAccount(phone));
    } catch (error) {
      this.#log.warn({ err: error }, 'device: could not delete a remembered-computer token');
    }
  }
}
