/** Service name under which Airtime's entries live in the OS keychain. */
export const VAULT_SERVICE = 'Airtime';

/** One saved secret. For Airtime the account is an E.164 phone number, the secret a refresh token. */
export interface VaultEntry {
  account: string;
  secret: string;
}

/**
 * Where refresh tokens are kept between launches: the OS keychain, one service, one entry per
 * account. keytar (archived upstream) is one binding; anything with these four calls can
 * replace it.
 */
export interface CredentialVault {
  get(account: string): Promise<string | null>;
  set(account: string, secret: string): Promise<void>;
  /** Resolves whether or not the entry existed. */
  delete(account: string): Promise<void>;
  list(): Promise<VaultEntry[]>;
}

/** The part of keytar's API the vault uses. */
export interface KeytarLike {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
  findCredentials(service: string): Promise<Array<{ account: string; password: string }>>;
}

/** A {@link CredentialVault} on keytar, scoped to one keychain service. */
export function keytarVault(keytar: KeytarLike, service: string = VAULT_SERVICE): CredentialVault {
  return {
    get: (account) => keytar.getPassword(service, account),
    set: (account, secret) => keytar.setPassword(service, account, secret),
    delete: async (account) => {
      await keytar.deletePassword(service, account);
    },
    list: async () =>
      (await keytar.findCredentials(service)).map((c) => ({
        account: c.account,
        secret: c.password,
      })),
  };
}

/**
 * Named through a constant, not a literal import: the type-check and the build must pass on a
 * machine where the optional keytar is not installed. The built main process resolves it at run
 * time from the app's node_modules, where electron-builder packs it.
 */
const KEYTAR_MODULE = 'keytar';

/**
 * The keytar module, or `null` where it is not installed: keytar is an optional dependency, so an
 * install on a machine without libsecret (or the toolchain to build it) still succeeds, and the
 * app then runs without a keychain. `load` is injected for tests.
 */
export async function loadKeytar(
  load: () => Promise<unknown> = () => import(/* @vite-ignore */ KEYTAR_MODULE),
): Promise<KeytarLike | null> {
  try {
    const loaded = (await load()) as { default?: KeytarLike } & Partial<KeytarLike>;
    const keytar = loaded.default ?? loaded;
    return typeof keytar.findCredentials === 'function' ? (keytar as KeytarLike) : null;
  } catch {
    return null;
  }
}

/**
 * True when the vault answers: false when no Secret Service is running, the keyring is locked
 * and will not open, or the call does not finish within `timeoutMs` (a locked keyring can wait
 * for a password prompt nobody will see). Never throws.
 */
export async function probeVault(vault: CredentialVault, timeoutMs = 5_000): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
    timer.unref?.();
  });
  try {
    return await Promise.race([vault.list().then(() => true), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/** `vault` when {@link probeVault} says it works, otherwise `null` (no keychain on this machine). */
export async function usableVault(
  vault: CredentialVault,
  timeoutMs?: number,
): Promise<CredentialVault | null> {
  return (await probeVault(vault, timeoutMs)) ? vault : null;
}

/**
 * A vault in memory: for tests and the browser end-to-end harness. Nothing outlives the process.
 */
export function memoryVault(initial: Iterable<VaultEntry> = []): CredentialVault & {
  entries: Map<string, string>;
} {
  const entries = new Map<string, string>();
  for (const e of initial) entries.set(e.account, e.secret);
  return {
    entries,
    get: async (account) => entries.get(account) ?? null,
    set: async (account, secret) => {
      entries.set(account, secret);
    },
    delete: async (account) => {
      entries.delete(account);
    },
    list: async () => [...entries].map(([account, secret]) => ({ account, secret })),
  };
}
