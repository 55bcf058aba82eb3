import { randomUUID } from 'node:crypto';
import type { Insertable, Kysely } from 'kysely';
import { parse as parseCsv } from 'csv-parse/sync';
import { z } from 'zod';
import type { Database, SubscribersTable } from '../db/schema';
import type { Clock } from '../clock';
import { PhoneInput } from '../../../contract/phone';
import { EmailAddress, NewPassword, PlanId, SubscriberName } from '../../../contract/subscriber';
import { hashPassword } from '../auth/passwords';
import { afterUnlock } from '../auth/lockout-policy';
import { clearSignInLockouts } from '../auth/sign-in-budgets';
import { isoDay } from '../billing/billing-cycle';
import { checkPassword } from '../../../contract/password-policy';

/** The password policy's verdict as one line, or null when the password is good enough. */
function passwordProblem(value: z.output<typeof NewSubscriber>): string | null {
  const verdict = checkPassword(value.password, {
    phone: value.phone,
    name: value.name,
    email: value.email,
  });
  if (verdict.ok) return null;
  const why = verdict.feedback.warning ?? 'it would be too easy to guess.';
  const hint = verdict.feedback.suggestions[0];
  return `password: too weak: ${why}${hint ? ` ${hint}` : ''}`;
}

/** A problem with what an administrator asked for; the CLI prints the message and exits non-zero. */
export class AdminError extends Error {
  constructor(
    readonly code: 'invalid_input' | 'phone_taken' | 'unknown_plan' | 'not_found',
    message: string,
  ) {
    super(message);
    this.name = 'AdminError';
  }
}

export const NewSubscriber = z.object({
  phone: PhoneInput,
  name: SubscriberName,
  email: EmailAddress,
  planId: PlanId,
  password: NewPassword,
  /** Day of month the plan renews; defaults to today's day (capped at 28). */
  cycleAnchorDay: z.number().int().min(1).max(28).optional(),
});
export type NewSubscriber = z.input<typeof NewSubscriber>;

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}

export interface SubscriberListing {
  phone: string;
  name: string;
  email: string;
  planId: string;
  status: string;
  lockedUntil: number | null;
}

export interface ImportReport {
  imported: number;
}

/** Administration for people who self-host: add, list, unlock and import subscribers. */
export class SubscriberAdmin {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  async planIds(): Promise<Set<string>> {
    const rows = await this.db.selectFrom('plans').select('id').where('active', '=', 1).execute();
    return new Set(rows.map((r) => r.id));
  }

  async listPlans() {
    return this.db
      .selectFrom('plans')
      .select(['id', 'name', 'price_cents', 'currency', 'data_mb', 'active'])
      .orderBy('sort_order')
      .execute();
  }

  async add(input: NewSubscriber): Promise<{ id: string; phone: string }> {
    const parsed = NewSubscriber.safeParse(input);
    if (!parsed.success) throw new AdminError('invalid_input', describeIssues(parsed.error));
    const value = parsed.data;
    const weak = passwordProblem(value);
    if (weak) throw new AdminError('invalid_input', weak);
    if (!(await this.planIds()).has(value.planId)) {
      throw new AdminError(
        'unknown_plan',
        `There is no active plan "${value.planId}". See the plans command.`,
      );
    }
    const existing = await this.db
      .selectFrom('subscribers')
      .select('id')
      .where('phone', '=', value.phone)
      .executeTakeFirst();
    if (existing) throw new AdminError('phone_taken', `${value.phone} already has an account.`);
    const id = randomUUID();
    await this.db
      .insertInto('subscribers')
      .values(await this.row(id, value, await hashPassword(value.password)))
      .execute();
    return { id, phone: value.phone };
  }

  private row(
    id: string,
    value: z.output<typeof NewSubscriber>,
    passwordHash: string,
  ): Insertable<SubscribersTable> {
    const now = this.clock.now();
    const today = Number(isoDay(now).slice(8, 10));
    return {
      id,
      phone: value.phone,
      name: value.name,
      email: value.email,
      password_hash: passwordHash,
      plan_id: value.planId,
      status: 'active' as const,
      cycle_anchor_day: value.cycleAnchorDay ?? Math.min(today, 28),
      created_at: now,
      locked_until: null,
      last_locked_at: null,
    };
  }

  async list(): Promise<SubscriberListing[]> {
    // Locked: the latest lock at the number, whether of every client without a device cookie or
    // of one client (a customer calling about it may be either); `unlock` lifts them all.
    const rows = await this.db
      .selectFrom('subscribers as s')
      .leftJoin(
        (eb) =>
          eb
            .selectFrom('sign_in_lockouts')
            .select((e) => ['phone', e.fn.max('locked_until').as('locked_until')])
            .groupBy('phone')
            .as('l'),
        (join) => join.onRef('l.phone', '=', 's.phone'),
      )
      .select(['s.phone', 's.name', 's.email', 's.plan_id', 's.status', 'l.locked_until'])
      .orderBy('s.name')
      .execute();
    const now = this.clock.now();
    return rows.map((r) => ({
      phone: r.phone,
      name: r.name,
      email: r.email,
      planId: r.plan_id,
      status: r.status,
      lockedUntil:
        r.locked_until != null && Number(r.locked_until) > now ? Number(r.locked_until) : null,
    }));
  }

  async unlock(phoneInput: string): Promise<string> {
    const phone = PhoneInput.safeParse(phoneInput);
    if (!phone.success) throw new AdminError('invalid_input', describeIssues(phone.error));
    const state = afterUnlock();
    const result = await this.db
      .updateTable('subscribers')
      .set({
        failed_attempts: state.failedAttempts,
        locked_until: state.lockedUntil,
        last_locked_at: state.lastLockedAt,
        lock_level: state.lockLevel,
      })
      .where('phone', '=', phone.data)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) {
      throw new AdminError('not_found', `No subscriber has the number ${phone.data}.`);
    }
    await clearSignInLockouts(this.db, phone.data);
    return phone.data;
  }

  /**
   * Imports subscribers from CSV with a header row: `phone,name,email,plan` and either `password`
   * or `password_hash` (an argon2 PHC string from another system). Every row is checked first; if
   * any is wrong nothing is imported, and the error lists each bad line.
   */
  async importCsv(text: string): Promise<ImportReport> {
    // `info` gives each record the line it is on, so blank lines do not shift the numbers we report.
    let records: { record: Record<string, string>; info: { lines: number } }[];
    try {
      records = parseCsv(text, {
        columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()),
        skip_empty_lines: true,
        trim: true,
        bom: true,
        info: true,
      });
    } catch (error) {
      throw new AdminError(
        'invalid_input',
        `The file is not valid CSV: ${(error as Error).message}`,
      );
    }
    if (records.length === 0)
      throw new AdminError('invalid_input', 'The file has no subscriber rows.');
    const columns = Object.keys(records[0]!.record);
    const missing = ['phone', 'name', 'email', 'plan'].filter((c) => !columns.includes(c));
    if (missing.length) {
      throw new AdminError('invalid_input', `The header row is missing: ${missing.join(', ')}.`);
    }
    if (!columns.includes('password') && !columns.includes('password_hash')) {
      throw new AdminError(
        'invalid_input',
        'The header row needs a password or password_hash column.',
      );
    }

    const plans = await this.planIds();
    const problems: string[] = [];
    const seen = new Set<string>();
    const ready: { value: z.output<typeof NewSubscriber>; hash: string | null }[] = [];
    for (const { record, info } of records) {
      const line = info.lines; // 1-based, as an editor counts
      const hash = record['password_hash'] || null;
      if (hash !== null && !hash.startsWith('$argon2')) {
        problems.push(`line ${line}: password_hash must be an argon2 PHC string.`);
        continue;
      }
      const parsed = NewSubscriber.safeParse({
        phone: record['phone'] ?? '',
        name: record['name'] ?? '',
        email: record['email'] ?? '',
        planId: record['plan'] ?? '',
        // A row with a hash still passes the schema; the placeholder is never stored.
        password: hash ? 'imported-hash' : (record['password'] ?? ''),
      });
      if (!parsed.success) {
        problems.push(`line ${line}: ${describeIssues(parsed.error)}`);
        continue;
      }
      const weak = hash ? null : passwordProblem(parsed.data);
      if (weak) problems.push(`line ${line}: ${weak}`);
      if (!plans.has(parsed.data.planId)) {
        problems.push(`line ${line}: there is no active plan "${parsed.data.planId}".`);
      }
      if (seen.has(parsed.data.phone))
        problems.push(`line ${line}: ${parsed.data.phone} appears twice in the file.`);
      seen.add(parsed.data.phone);
      ready.push({ value: parsed.data, hash });
    }
    const phones = [...seen];
    for (let i = 0; i < phones.length; i += 500) {
      const taken = await this.db
        .selectFrom('subscribers')
        .select('phone')
        .where('phone', 'in', phones.slice(i, i + 500))
        .execute();
      for (const t of taken) problems.push(`${t.phone} already has an account.`);
    }
    if (problems.length) {
      throw new AdminError(
        'invalid_input',
        `Nothing was imported. Fix these and try again:\n  ${problems.join('\n  ')}`,
      );
    }
    const rows: Insertable<SubscribersTable>[] = [];
    for (const { value, hash } of ready) {
      rows.push(await this.row(randomUUID(), value, hash ?? (await hashPassword(value.password))));
    }
    await this.db.transaction().execute(async (trx) => {
      for (let i = 0; i < rows.length; i += 200) {
        await trx
          .insertInto('subscribers')
          .values(rows.slice(i, i + 200))
          .execute();
      }
    });
    return { imported: rows.length };
  }
}
