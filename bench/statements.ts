import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import PDFDocument from 'pdfkit';
import { ManualClock } from '../server/src/clock';
import { migrateToLatest, openDatabase, type AppDatabase } from '../server/src/db/database';
import { seedDemo } from '../server/src/demo/seed-demo';
import { AccountService } from '../server/src/account/account-service';
import { StatementExports } from '../server/src/billing/statement-exports';
import { renderStatementPdf } from '../server/src/billing/statement-pdf';
import type { BenchContext } from './lib/context';
import { DATA_DIR } from './lib/paths';
import { removeSqliteFile } from './lib/servers';
import { fixed, formatTable, integer } from './lib/table';
import { timeCalls, type Timing } from './lib/timing';

/** The day the generated history ends, as in the scale bench, so "today" does not drift. */
const NOW = '2026-11-25T12:00:00.000Z';
/** Ten years of monthly statements for each demo subscriber. */
const MONTHS = 120;
const SUBSCRIBER = 'demo-0100';
const PAGE = 20;
const PDF_SUBSCRIBER = 'demo-0142';

/** The smallest PDF pdfkit makes (one empty page), collected the same way as a statement. */
function emptyPdf(): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'LETTER' });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.end();
  return done;
}

const row = (label: string, t: Timing, extra = ''): string[] => [
  label,
  integer(t.calls),
  fixed(t.p50Ms, 3),
  fixed(t.p99Ms, 3),
  fixed(t.meanMs, 3),
  fixed(t.cpuMsPerCall, 3),
  extra,
];
const HEADERS = ['case', 'calls', 'p50 ms', 'p99 ms', 'mean ms', 'CPU ms/call', ''];

/** A fresh database of one kind with 10 years of demo history; closes and removes itself. */
async function historyDatabase(
  kind: 'sqlite' | 'postgres',
  clock: ManualClock,
  pgUrl: string | undefined,
): Promise<{ database: AppDatabase; drop: () => Promise<void> }> {
  if (kind === 'sqlite') {
    const file = path.join(DATA_DIR, 'statements-10y.sqlite');
    removeSqliteFile(file);
    const database = openDatabase(file);
    await migrateToLatest(database.db);
    await seedDemo(database.db, clock, MONTHS);
    return {
      database,
      drop: async () => {
        await database.close();
        removeSqliteFile(file);
      },
    };
  }
  const name = `airtime_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(pgUrl!);
  url.pathname = `/${name}`;
  const database = openDatabase(url.toString());
  await migrateToLatest(database.db);
  await seedDemo(database.db, clock, MONTHS);
  return {
    database,
    drop: async () => {
      await database.close();
      const client = new pg.Client({ connectionString: pgUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/**
 * Statements with 10 years of history: the statement list (first page, the last page by cursor,
 * and a one-year filter) and both CSV exports, called in-process; and the statement PDF render
 * beside an empty pdfkit document. PostgreSQL too when `AIRTIME_BENCH_PG_URL` names a server
 * (the bench creates and drops its own database there).
 */
export async function statementsBench(ctx: BenchContext, seconds = 2): Promise<void> {
  ctx.print(`\n## statements: ${MONTHS} statements per account (10 years), in-process\n`);
  const clock = new ManualClock(NOW);
  const pgUrl = process.env['AIRTIME_BENCH_PG_URL'];
  const kinds: ('sqlite' | 'postgres')[] = pgUrl ? ['sqlite', 'postgres'] : ['sqlite'];
  const options = { warmupCalls: 50, seconds, minCalls: 200 };
  let pdfRows: string[][] = [];

  for (const kind of kinds) {
    ctx.progress(`${kind}: seeding 4 demo accounts with ${MONTHS} months each`);
    const { database, drop } = await historyDatabase(kind, clock, pgUrl);
    try {
      const account = new AccountService(database.db, clock);
      const exports = new StatementExports(database.db, clock, account);
      const cursors: string[] = [];
      let page = await account.statements(SUBSCRIBER, PAGE);
      const newestId = page.items[0]!.id;
      while (page.nextCursor) {
        cursors.push(page.nextCursor);
        page = await account.statements(SUBSCRIBER, PAGE, page.nextCursor);
      }
      const deepCursor = cursors.at(-1)!;
      const deep = await account.statements(SUBSCRIBER, PAGE, deepCursor);
      if (deep.items.length !== PAGE || deep.nextCursor !== null)
        throw new Error(`expected a full last page, got ${deep.items.length} items`);

      ctx.progress(`${kind}: statement list and CSV`);
      const timings: [string, Timing][] = [
        [
          `first page (limit ${PAGE})`,
          await timeCalls(() => account.statements(SUBSCRIBER, PAGE), options),
        ],
        [
          `last page (cursor after ${cursors.length * PAGE})`,
          await timeCalls(() => account.statements(SUBSCRIBER, PAGE, deepCursor), options),
        ],
        [
          'first page, from=2020-01&to=2020-12',
          await timeCalls(
            () =>
              account.statements(SUBSCRIBER, PAGE, undefined, { from: '2020-01', to: '2020-12' }),
            options,
          ),
        ],
        [
          `statement detail`,
          await timeCalls(() => account.statement(SUBSCRIBER, newestId), options),
        ],
        [
          `statements.csv (${MONTHS} rows)`,
          await timeCalls(() => exports.statementsCsv(SUBSCRIBER, {}), options),
        ],
        [
          `payments.csv (${MONTHS + 1} rows)`,
          await timeCalls(() => exports.paymentsCsv(SUBSCRIBER, {}), options),
        ],
      ];
      ctx.print(`### ${kind}\n`);
      ctx.print(
        formatTable(
          HEADERS,
          timings.map(([label, t]) => row(label, t)),
        ),
      );
      ctx.print();

      if (kind === 'sqlite') {
        ctx.progress('statement PDF render vs an empty pdfkit document');
        // A plan sold plus taxes and fees, so the statement has a plan, a tax and a fee line.
        const pdfStatement = (await account.statements(PDF_SUBSCRIBER, 1)).items[0]!.id;
        const document = await exports.statementDocument(PDF_SUBSCRIBER, pdfStatement);
        const size = (await renderStatementPdf(document)).length;
        const empty = await timeCalls(emptyPdf, options);
        const statement = await timeCalls(() => renderStatementPdf(document), options);
        pdfRows = [
          row(`empty pdfkit document (${(await emptyPdf()).length} B)`, empty),
          row(
            `statement PDF (${size} B, ${document.statement.lines.length} lines)`,
            statement,
            `p50 ×${fixed(statement.p50Ms / empty.p50Ms, 1)} empty`,
          ),
        ];
      }
    } finally {
      await drop();
    }
  }
  ctx.print('### statement PDF render (renderStatementPdf, no database)\n');
  ctx.print(formatTable(HEADERS, pdfRows));
  if (!pgUrl)
    ctx.print(
      '\nPostgreSQL: not measured (set AIRTIME_BENCH_PG_URL=postgres://… to add it beside SQLite).',
    );
}
