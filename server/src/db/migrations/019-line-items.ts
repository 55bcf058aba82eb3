import type { Kysely, Migration } from 'kysely';

/*
 * Ledger entries, payments and statement lines said what they were for in English sentences
 * ("Value 15 GB plan, monthly", "Card payment"), written by the API when the row was. From here
 * they say it as a line item: a kind code and its parameters (contract/line-items.ts), kept as
 * JSON in `item`, which every reader words in its own language.
 *
 * The sentences already written are turned into items by what the API used to write, with what
 * the rows around them tell (the payment behind a ledger entry, the plan change or the pass it
 * was booked for, the ledger entry behind a statement line). A sentence that matches nothing,
 * or names a plan or pass the catalogue does not have, becomes an `other` item that keeps it as
 * it was. The items are written here as they were at this version, so this migration reads the
 * same whatever the contract becomes.
 */

/** A line item as JSON holds it; the shapes are those of contract/line-items.ts at 019. */
type Item = { kind: string } & Record<string, unknown>;

/** The catalogues, to tell the plan or pass a sentence names. */
export interface LegacyCatalogue {
  planIdByName: ReadonlyMap<string, string>;
  planNameById: ReadonlyMap<string, string>;
  addOnByName: ReadonlyMap<string, LegacyAddOn>;
}

export interface LegacyAddOn {
  id: string;
  kind: string;
  data_mb: number;
  intl_minutes: number;
}

/** What the rows around a sentence tell about it. */
export interface LegacyContext {
  /** The card of the payment a payment sentence is for. */
  card?: { brand: string | null; last4: string | null };
  /** The plan change a plan-change sentence was booked for. */
  planChange?: { fromPlanId: string; toPlanId: string };
  /** The pass a pass sentence was booked for. */
  addOn?: LegacyAddOn;
}

const BRANDS = new Set(['visa', 'mastercard', 'amex', 'discover', 'unknown']);

function card(context: LegacyContext): { brand: string; last4: string | null } {
  const brand = context.card?.brand ?? 'unknown';
  const last4 = context.card?.last4 ?? null;
  return {
    brand: BRANDS.has(brand) ? brand : 'unknown',
    last4: last4 !== null && /^\d{4}$/.test(last4) ? last4 : null,
  };
}

function pass(addOn: LegacyAddOn, until: string): Item {
  return addOn.kind === 'international'
    ? { kind: 'international_pass', addOnId: addOn.id, minutes: addOn.intl_minutes, until }
    : { kind: 'data_pass', addOnId: addOn.id, dataMb: addOn.data_mb, until };
}

/** A plan change's item, when the change it was booked for is known and its plans exist. */
function planChange(
  kind: 'plan_change_charge' | 'plan_change_credit',
  days: string,
  cycleDays: string,
  named: { fromPlanName?: string; toPlanName?: string },
  catalogue: LegacyCatalogue,
  context: LegacyContext,
): Item | null {
  const change = context.planChange;
  if (!change) return null;
  const fromPlanName = named.fromPlanName ?? catalogue.planNameById.get(change.fromPlanId);
  const toPlanName = named.toPlanName ?? catalogue.planNameById.get(change.toPlanId);
  if (fromPlanName === undefined || toPlanName === undefined) return null;
  return {
    kind,
    fromPlanId: change.fromPlanId,
    fromPlanName,
    toPlanId: change.toPlanId,
    toPlanName,
    days: Number(days),
    cycleDays: Number(cycleDays),
  };
}

/** The item a sentence the API wrote before 019 stands for. */
export function legacyLineItem(
  text: string,
  catalogue: LegacyCatalogue,
  context: LegacyContext = {},
): Item {
  switch (text) {
    case 'State and local taxes':
      return { kind: 'tax', name: 'state_and_local' };
    case 'Regulatory and 911 fee':
      return { kind: 'fee', name: 'regulatory_911' };
    case 'AutoPay discount':
      return { kind: 'autopay_discount' };
    case 'Refill card':
      return { kind: 'refill_pin' };
    case 'Card payment':
      return { kind: 'card_payment', ...card(context) };
    // "AutoPay" on the payment, "AutoPay payment" on its ledger entry.
    case 'AutoPay':
    case 'AutoPay payment':
      return { kind: 'autopay_payment', ...card(context) };
  }
  const renewal = /^(.+) plan, monthly$/.exec(text);
  if (renewal) {
    const planId = catalogue.planIdByName.get(renewal[1]!);
    if (planId !== undefined) {
      return { kind: 'plan_renewal', planId, planName: renewal[1]!, period: null };
    }
  }
  const charge = /^(.+) plan, (\d+) of (\d+) days$/.exec(text);
  if (charge) {
    const item = planChange(
      'plan_change_charge',
      charge[2]!,
      charge[3]!,
      { toPlanName: charge[1]! },
      catalogue,
      context,
    );
    if (item) return item;
  }
  const credit = /^Unused (\d+) of (\d+) days of (.+)$/.exec(text);
  if (credit) {
    const item = planChange(
      'plan_change_credit',
      credit[1]!,
      credit[2]!,
      { fromPlanName: credit[3]! },
      catalogue,
      context,
    );
    if (item) return item;
  }
  const addOn = /^(.+), until (\d{4}-\d{2}-\d{2})$/.exec(text);
  if (addOn) {
    const bought = context.addOn ?? catalogue.addOnByName.get(addOn[1]!);
    if (bought) return pass(bought, addOn[2]!);
  }
  return { kind: 'other', text };
}

/** Rows are read and written this many at a time. */
const PAGE = 500;

type Db = Kysely<any>;
type Table = 'ledger_entries' | 'payments' | 'statement_lines';

/** Writes each page's items with one update per distinct item, not one per row. */
async function writeItems(db: Db, table: Table, items: Map<string, string>): Promise<void> {
  const byItem = new Map<string, string[]>();
  for (const [id, item] of items) {
    const ids = byItem.get(item);
    if (ids) ids.push(id);
    else byItem.set(item, [id]);
  }
  for (const [item, ids] of byItem) {
    await db.updateTable(table).set({ item }).where('id', 'in', ids).execute();
  }
}

/** Every row `read` finds, a page at a time, in id order: `read` gives the page after an id. */
async function* pages<Row extends { id: string }>(
  read: (after: string | null) => Promise<Row[]>,
): AsyncGenerator<Row[]> {
  let after: string | null = null;
  for (;;) {
    const rows = await read(after);
    if (rows.length === 0) return;
    yield rows;
    after = rows[rows.length - 1]!.id;
  }
}

async function readCatalogue(db: Db): Promise<LegacyCatalogue> {
  const plans: { id: string; name: string }[] = await db
    .selectFrom('plans')
    .select(['id', 'name'])
    .execute();
  const addOns: (LegacyAddOn & { name: string })[] = await db
    .selectFrom('add_ons')
    .select(['id', 'name', 'kind', 'data_mb', 'intl_minutes'])
    .execute();
  return {
    planIdByName: new Map(plans.map((p) => [p.name, p.id])),
    planNameById: new Map(plans.map((p) => [p.id, p.name])),
    addOnByName: new Map(
      addOns.map((a) => [
        a.name,
        {
          id: a.id,
          kind: a.kind,
          data_mb: Number(a.data_mb),
          intl_minutes: Number(a.intl_minutes),
        },
      ]),
    ),
  };
}

/** `pc_1-charge` → `pc_1`: the row a ledger entry was booked for, by the id it was given. */
const bookedFor = (id: string, suffix: string) =>
  id.endsWith(suffix) ? id.slice(0, -suffix.length) : null;

async function migrateLedger(db: Db, catalogue: LegacyCatalogue): Promise<void> {
  const read = (after: string | null) =>
    db
      .selectFrom('ledger_entries')
      .select(['id', 'description', 'payment_id'])
      .$if(after !== null, (q) => q.where('id', '>', after))
      .orderBy('id')
      .limit(PAGE)
      .execute() as Promise<{ id: string; description: string; payment_id: string | null }[]>;
  for await (const rows of pages(read)) {
    const paymentIds = rows.flatMap((r) => (r.payment_id ? [r.payment_id] : []));
    const changeIds = rows.flatMap((r) => {
      const id = bookedFor(r.id, '-charge') ?? bookedFor(r.id, '-credit');
      return id ? [id] : [];
    });
    const passIds = rows.flatMap((r) => {
      const id = bookedFor(r.id, '-charge');
      return id ? [id] : [];
    });
    const cards = new Map<string, { brand: string | null; last4: string | null }>();
    if (paymentIds.length > 0) {
      const found: { id: string; card_brand: string | null; card_last4: string | null }[] = await db
        .selectFrom('payments')
        .select(['id', 'card_brand', 'card_last4'])
        .where('id', 'in', paymentIds)
        .execute();
      for (const p of found) cards.set(p.id, { brand: p.card_brand, last4: p.card_last4 });
    }
    const changes = new Map<string, { fromPlanId: string; toPlanId: string }>();
    if (changeIds.length > 0) {
      const found: { id: string; from_plan_id: string; to_plan_id: string }[] = await db
        .selectFrom('plan_changes')
        .select(['id', 'from_plan_id', 'to_plan_id'])
        .where('id', 'in', changeIds)
        .execute();
      for (const c of found)
        changes.set(c.id, { fromPlanId: c.from_plan_id, toPlanId: c.to_plan_id });
    }
    const passes = new Map<string, LegacyAddOn>();
    if (passIds.length > 0) {
      const found: (LegacyAddOn & { add_on_id: string })[] = await db
        .selectFrom('subscriber_add_ons')
        .select(['id', 'add_on_id', 'kind', 'data_mb', 'intl_minutes'])
        .where('id', 'in', passIds)
        .execute();
      for (const a of found) {
        passes.set(a.id, {
          id: a.add_on_id,
          kind: a.kind,
          data_mb: Number(a.data_mb),
          intl_minutes: Number(a.intl_minutes),
        });
      }
    }
    const items = new Map<string, string>();
    for (const row of rows) {
      const changeId = bookedFor(row.id, '-charge') ?? bookedFor(row.id, '-credit');
      const passId = bookedFor(row.id, '-charge');
      const context: LegacyContext = {};
      const paid = row.payment_id ? cards.get(row.payment_id) : undefined;
      if (paid) context.card = paid;
      const change = changeId ? changes.get(changeId) : undefined;
      if (change) context.planChange = change;
      const bought = passId ? passes.get(passId) : undefined;
      if (bought) context.addOn = bought;
      items.set(row.id, JSON.stringify(legacyLineItem(row.description, catalogue, context)));
    }
    await writeItems(db, 'ledger_entries', items);
  }
}

async function migratePayments(db: Db, catalogue: LegacyCatalogue): Promise<void> {
  const read = (after: string | null) =>
    db
      .selectFrom('payments')
      .select(['id', 'description', 'card_brand', 'card_last4'])
      .$if(after !== null, (q) => q.where('id', '>', after))
      .orderBy('id')
      .limit(PAGE)
      .execute() as Promise<
      { id: string; description: string; card_brand: string | null; card_last4: string | null }[]
    >;
  for await (const rows of pages(read)) {
    const items = new Map<string, string>();
    for (const row of rows) {
      const context = { card: { brand: row.card_brand, last4: row.card_last4 } };
      items.set(row.id, JSON.stringify(legacyLineItem(row.description, catalogue, context)));
    }
    await writeItems(db, 'payments', items);
  }
}

interface EntryOnStatement {
  id: string;
  statement_id: string;
  description: string;
  amount_cents: number;
  created_at: number;
  item: string;
}

/**
 * Statement lines were made one per ledger entry of the statement, in the order of the entries
 * (time, then id), with the entry's words and its amount turned round. A line takes the item of
 * the entry at its position when that entry still says the same; otherwise (a line with no entry
 * behind it) it is read from its own words.
 */
async function migrateStatementLines(db: Db, catalogue: LegacyCatalogue): Promise<void> {
  const read = (after: string | null) =>
    db
      .selectFrom('statement_lines')
      .select(['id', 'statement_id', 'position', 'description', 'amount_cents'])
      .$if(after !== null, (q) => q.where('id', '>', after))
      .orderBy('id')
      .limit(PAGE)
      .execute() as Promise<
      {
        id: string;
        statement_id: string;
        position: number;
        description: string;
        amount_cents: number;
      }[]
    >;
  for await (const rows of pages(read)) {
    const statementIds = [...new Set(rows.map((r) => r.statement_id))];
    const entries = (await db
      .selectFrom('ledger_entries')
      .select(['id', 'statement_id', 'description', 'amount_cents', 'created_at', 'item'])
      .where('statement_id', 'in', statementIds)
      .execute()) as EntryOnStatement[];
    const byStatement = new Map<string, EntryOnStatement[]>();
    for (const e of entries) {
      const list = byStatement.get(e.statement_id);
      if (list) list.push(e);
      else byStatement.set(e.statement_id, [e]);
    }
    for (const list of byStatement.values()) {
      list.sort(
        (a, b) =>
          Number(a.created_at) - Number(b.created_at) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
      );
    }
    const items = new Map<string, string>();
    for (const row of rows) {
      const entry = byStatement.get(row.statement_id)?.[Number(row.position)];
      const same =
        entry !== undefined &&
        entry.description === row.description &&
        0 - Number(entry.amount_cents) === Number(row.amount_cents);
      items.set(
        row.id,
        same ? entry.item : JSON.stringify(legacyLineItem(row.description, catalogue)),
      );
    }
    await writeItems(db, 'statement_lines', items);
  }
}

const TABLES: readonly Table[] = ['ledger_entries', 'payments', 'statement_lines'];

/**
 * The sentence the API wrote before 019 for an item, for a rollback to a version that reads
 * sentences: the very words {@link legacyLineItem} reads back (a renewal's cycle, not part of
 * them, is lost). A kind from after 019 is left as its code.
 */
export function legacySentence(
  item: Item,
  table: Table,
  addOnNames: ReadonlyMap<string, string>,
): string {
  const text = (key: string) => String(item[key]);
  switch (item.kind) {
    case 'plan_renewal':
      return `${text('planName')} plan, monthly`;
    case 'plan_change_charge':
      return `${text('toPlanName')} plan, ${text('days')} of ${text('cycleDays')} days`;
    case 'plan_change_credit':
      return `Unused ${text('days')} of ${text('cycleDays')} days of ${text('fromPlanName')}`;
    case 'data_pass':
    case 'international_pass':
      return `${addOnNames.get(text('addOnId')) ?? text('addOnId')}, until ${text('until')}`;
    case 'tax':
      return 'State and local taxes';
    case 'fee':
      return 'Regulatory and 911 fee';
    case 'autopay_discount':
      return 'AutoPay discount';
    case 'card_payment':
      return 'Card payment';
    case 'autopay_payment':
      return table === 'payments' ? 'AutoPay' : 'AutoPay payment';
    case 'refill_pin':
      return 'Refill card';
    case 'other':
      return text('text');
    default:
      return item.kind;
  }
}

export const lineItems: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    for (const table of TABLES) {
      await db.schema.alterTable(table).addColumn('item', 'text').execute();
    }
    const catalogue = await readCatalogue(db);
    // The ledger first: statement lines take the items of their entries.
    await migrateLedger(db, catalogue);
    await migratePayments(db, catalogue);
    await migrateStatementLines(db, catalogue);
    for (const table of TABLES) {
      await db.schema.alterTable(table).dropColumn('description').execute();
    }
  },

  async down(db: Kysely<any>): Promise<void> {
    const addOns: { id: string; name: string }[] = await db
      .selectFrom('add_ons')
      .select(['id', 'name'])
      .execute();
    const addOnNames = new Map(addOns.map((a) => [a.id, a.name]));
    for (const table of TABLES) {
      await db.schema
        .alterTable(table)
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .execute();
      const stored: { item: string }[] = await db
        .selectFrom(table)
        .select('item')
        .distinct()
        .execute();
      for (const { item } of stored) {
        const description = legacySentence(JSON.parse(item) as Item, table, addOnNames);
        await db.updateTable(table).set({ description }).where('item', '=', item).execute();
      }
      await db.schema.alterTable(table).dropColumn('item').execute();
    }
  },
};
