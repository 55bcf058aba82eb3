import type { SignInResponse } from '../../../contract/http/auth';
import { RefreshToken } from '../../../contract/http/auth';
import type { ResumeResult } from '../../../contract/ipc';
import { E164Phone } from '../../../contract/phone';
import type { VaultEntry } from '../vault';
import type { SessionKeeper } from './keeper';
import { deleteEntry, isRejectedRefresh, SESSION_MESSAGES, type SessionDeps } from './shared';

/** A saved sign-in that could not be resumed because the service was unreachable. */
export interface PendingResume {
  entry: VaultEntry;
}

/**
 * The sign-ins kept in the keychain ("keep me signed in"): resumed at launch, and dropped all
 * at once when this computer is forgotten.
 */
export class SavedSignIns {
  readonly #deps: SessionDeps;
  readonly #keeper: SessionKeeper;
  #resuming: Promise<ResumeResult> | null = null;
  #pending: PendingResume | null = null;

  constructor(deps: SessionDeps, keeper: SessionKeeper) {
    this.#deps = deps;
    this.#keeper = keeper;
  }

  /** A sign-in or sign-out supersedes the saved sign-in left waiting by an unreachable service. */
  forgetPending(): void {
    this.#pending = null;
  }

  /** The saved sign-in left waiting, if any; it is forgotten here (signing out deals with it). */
  takePending(): PendingResume | null {
    const pending = this.#pending;
    this.#pending = null;
    return pending;
  }

  /**
   * On launch: continues a saved session (preferring the last phone's entry). A rejected saved
   * token is deleted and the result says why; a network failure throws (the renderer offers
   * Retry) and keeps the entry.
   */
  resume(): Promise<ResumeResult> {
    this.#resuming ??= this.#resume().finally(() => {
      this.#resuming = null;
    });
    return this.#resuming;
  }

  async #resume(): Promise<ResumeResult> {
    const { vault, api, log } = this.#deps;
    const keeper = this.#keeper;
    const current = keeper.info();
    if (current) return { status: 'signed-in', session: current };
    if (!vault) return { status: 'signed-out', notice: 'none' };
    let entries: VaultEntry[];
    try {
      entries = await vault.list();
    } catch (error) {
      log.warn({ err: error }, 'session: the keychain could not be read; starting signed out');
      return { status: 'signed-out', notice: 'none' };
    }
    // Saved sign-ins are the bare E.164 entries; `device:` and `device-cookie:` ones are not.
    const candidates = entries.filter((e) => E164Phone.safeParse(e.account).success);
    const lastPhone = this.#deps.settings.get().lastPhone;
    const entry = candidates.find((e) => e.account === lastPhone) ?? candidates[0];
    if (!entry) return { status: 'signed-out', notice: 'none' };
    const expired: ResumeResult = {
      status: 'signed-out',
      notice: 'session_expired',
      message: SESSION_MESSAGES.savedExpired,
    };
    if (!RefreshToken.safeParse(entry.secret).success) {
      await deleteEntry(this.#deps, entry.account);
      return expired;
    }
    const generation = keeper.generation;
    let response: SignInResponse;
    try {
      response = await api.call('auth.refresh', { body: { refreshToken: entry.secret } });
    } catch (error) {
      if (isRejectedRefresh(error)) {
        this.#pending = null;
        await deleteEntry(this.#deps, entry.account);
        return expired;
      }
      this.#pending = { entry };
      throw error;
    }
    this.#pending = null;
    if (generation !== keeper.generation || keeper.current) {
      // Signed in or out while this was in flight: that wins, and this family is ended.
      void api
        .call('auth.signOut', { body: { refreshToken: response.refreshToken } })
        .catch(() => undefined);
      if (keeper.current?.account !== entry.account) await deleteEntry(this.#deps, entry.account);
      const info = keeper.info();
      return info
        ? { status: 'signed-in', session: info }
        : { status: 'signed-out', notice: 'none' };
    }
    const account = response.subscriber.phone;
    let persisted = true;
    try {
      await vault.set(account, response.refreshToken);
    } catch (error) {
      persisted = false;
      log.warn(
        { err: error },
        'session: could not save the rotated token; this session will not be kept',
      );
    }
    // The old entry now holds a used token (or another number's key): it must not be presented again.
    if (!persisted || account !== entry.account) await deleteEntry(this.#deps, entry.account);
    keeper.start(response, account, persisted);
    return { status: 'signed-in', session: keeper.info()! };
  }

  /**
   * Deletes every saved sign-in of this app from the vault without contacting any server, and
   * with them the remembered-computer tokens (`device:<phone>`) and device cookies
   * (`device-cookie:<phone>`): all belong to the server that issued them. Resolves false when
   * the keychain could not be cleaned.
   */
  async dropAll(): Promise<boolean> {
    const { vault, log } = this.#deps;
    if (!vault) return true;
    this.#pending = null;
    try {
      for (const entry of await vault.list()) await vault.delete(entry.account);
      return true;
    } catch (error) {
      log.error({ err: error }, 'session: could not remove saved sign-ins from the keychain');
      return false;
    }
  }
}
