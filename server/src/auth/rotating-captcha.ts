import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import type { Clock } from '../clock';
import type { KeyRing } from '../keys/key-ring';
import { Captcha, DEFAULT_CAPTCHA_POLICY, type CaptchaPolicy } from './captcha';

/**
 * A captcha whose challenges are signed with the current captcha key and whose solutions are
 * accepted under the current key or the one before: a challenge handed out just before a
 * rotation (they live five minutes) is still good after it. Older keys are not tried, since no
 * challenge they signed can still be unexpired by the time a second rotation happens.
 */
export class RotatingCaptcha extends Captcha {
  readonly #previous: Captcha | null;

  constructor(
    db: Kysely<Database>,
    clock: Clock,
    keys: KeyRing,
    policy: CaptchaPolicy = DEFAULT_CAPTCHA_POLICY,
  ) {
    super(db, clock, keys.current.secret, policy);
    const previous = keys.previous;
    this.#previous = previous ? new Captcha(db, clock, previous.secret, policy) : null;
  }

  override async verify(solution: string, db?: Kysely<Database>): Promise<boolean> {
    // A wrong signature is refused before anything is spent, so trying the older key is safe.
    if (await super.verify(solution, db)) return true;
    return this.#previous !== null && this.#previous.verify(solution, db);
  }
}
