// `npm run bench -- bounces-intake`: returned mail recorded per second through intake (parse, match by VERP or
// Message-ID, act, record; one transaction each), 8 at a time as the receiver takes them, on PostgreSQL.
// Baseline, in the same run: the parse step alone on the same messages (what intake cannot go below).
// Mix per 100 messages: 10 hard (VERP), 50 soft (Message-ID), 30 policy refusals, 9 delay notices, 1 complaint,
// on a send of 20,000 recipients: the circuit breaker counts the send on every hard bounce but does not trip.
// Database: BENCH_DATABASE_URL, else TEST_DATABASE_URL, else the local server; a scratch schema, dropped after.
import { randomBytes } from 'node:crypto';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { insertCampaign, insertRecipients, insertSend } from '../src/campaigns/campaigns.repository.js';
import type { CampaignFields } from '../src/campaigns/campaign.js';
import { ingestReturnedMail } from '../src/bounces/intake/ingest-returned-mail.js';
import { parseReturnedMail } from '../src/bounces/parse.js';
import { createPostgresPool, type Db } from '../src/db/database.js';
import { migrateOrThrow } from '../src/db/migrate.js';
import type { Database } from '../src/db/schema.js';
import { encodeVerp } from '../src/sending/verp.js';
import { createWorkspace } from '../src/workspaces/create-workspace.js';
import { arf, dsn } from '../test/bounces-intake-support.js';

const RECIPIENTS = Number(process.argv.find((a) => a.startsWith('--recipients='))?.slice(13) ?? 20_000);
const MESSAGES = Number(process.argv.find((a) => a.startsWith('--messages='))?.slice(11) ?? 5_000);
const CONCURRENCY = 8;
const url = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const secret = 'bench-secret-0123456789abcdef0123456789';
const schema = `bench_bi_${randomBytes(4).toString('hex')}`;

const admin = new pg.Client({ connectionString: url });
await admin.connect();
await admin.query(`create schema ${schema}`);
const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: createPostgresPool({ url, max: CONCURRENCY + 2, searchPath: schema }) }) }) as Db;

try {
  await migrateOrThrow(db);
  const now = new Date();
  const ws = await createWorkspace({ db, name: 'Bench', actor: { type: 'system', id: null }, now });
  const contacts: { id: string; email: string }[] = [];
  for (let i = 0; i < RECIPIENTS; i += 1000) {
    const rows = await db.insertInto('contacts').values(Array.from({ length: Math.min(1000, RECIPIENTS - i) }, (_, j) => ({
      workspace_id: ws.id, email: `r${i + j}@example.net`, country: 'FR', source_type: 'web_form', source_at: '2026-01-01T00:00:00Z',
    }))).returning(['id', 'email']).execute();
    contacts.push(...rows.map((r) => ({ id: r.id, email: r.email! })));
  }
  const campaign = await insertCampaign(db, ws.id, { name: 'Bench', purpose: 'marketing' } as unknown as CampaignFields, now);
  await db.updateTable('campaigns').set({ status: 'sending' }).where('id', '=', campaign.id).execute();
  const sendId = await insertSend(db, { workspaceId: ws.id, campaignId: campaign.id, acknowledgedBy: 'bench', acknowledgement: 'bench', snapshot: {}, now });
  await insertRecipients(db, ws.id, sendId, contacts.map((c) => ({ contactId: c.id, email: c.email, verdict: 'send', basis: 'consent', reasons: [] })), now);
  await sql`update send_recipients set state = 'sent', sent_at = now() where send_id = ${sendId}`.execute(db);
  await sql`analyze`.execute(db);

  const messages = Array.from({ length: MESSAGES }, (_, i) => {
    const c = contacts[i % contacts.length];
    const verp = encodeVerp({ sendId: String(sendId), recipientId: c.id, domain: 'bounces.shop.example', secret });
    const headers = `From: Shop <news@shop.example>\nTo: ${c.email}\nSubject: Hello\nMessage-ID: <${sendId}.${c.id}@shop.example>\nDate: ${now.toUTCString()}`;
    const kind = i % 100;
    if (kind === 99) return Buffer.from(arf({ to: 'fbl@shop.example', recipient: c.email, feedbackType: 'abuse', originalHeaders: headers }));
    if (kind < 10) return Buffer.from(dsn({ to: verp, recipient: c.email, status: '5.1.1', diagnostic: '550 5.1.1 User unknown', originalHeaders: headers }));
    if (kind < 60) return Buffer.from(dsn({ to: 'postmaster@shop.example', recipient: c.email, status: '4.2.2', diagnostic: '452 4.2.2 Mailbox full', originalHeaders: headers }));
    if (kind < 90) return Buffer.from(dsn({ to: verp, recipient: c.email, status: '5.7.1', diagnostic: '550 5.7.1 Message rejected as spam', originalHeaders: headers }));
    return Buffer.from(dsn({ to: verp, recipient: c.email, status: '4.4.1', action: 'delayed', diagnostic: '451 4.4.1 No answer from host', originalHeaders: headers }));
  });

  for (const m of messages.slice(0, 200)) await parseReturnedMail(m); // warm-up
  let start = process.hrtime.bigint();
  for (const m of messages) await parseReturnedMail(m);
  const parseSeconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(JSON.stringify({ step: 'parse only', messages: MESSAGES, seconds: Math.round(parseSeconds * 1000) / 1000, perSecond: Math.round(MESSAGES / parseSeconds) }));

  const outcomes: Record<string, number> = {};
  const millis: Record<string, number> = {};
  let next = 0;
  start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < messages.length) {
      const raw = messages[next++];
      const t0 = performance.now();
      const r = await ingestReturnedMail({ db, secret, now: new Date(), source: 'smtp', raw });
      const key = r.recipients[0]?.action ?? r.outcome;
      outcomes[key] = (outcomes[key] ?? 0) + 1;
      millis[key] = (millis[key] ?? 0) + performance.now() - t0;
    }
  }));
  const ingestSeconds = Number(process.hrtime.bigint() - start) / 1e9;
  const trips = await db.selectFrom('circuit_breaker_trips').select('reason').execute();
  console.log(JSON.stringify({ step: 'ingest', messages: MESSAGES, concurrency: CONCURRENCY, seconds: Math.round(ingestSeconds * 1000) / 1000, perSecond: Math.round(MESSAGES / ingestSeconds), outcomes, trips: trips.length,
    meanMsByAction: Object.fromEntries(Object.entries(millis).map(([k, v]) => [k, Math.round((v / outcomes[k]) * 10) / 10])) }));
  const value = MESSAGES / ingestSeconds;
  const baseline = MESSAGES / parseSeconds;
  console.log(JSON.stringify({ bench: 'bounces-intake', value: Math.round(value), unit: 'returned messages/s recorded (PostgreSQL, 8 at a time)', baseline: Math.round(baseline), ratio: Math.round((value / baseline) * 100) / 100, baselineIs: 'parseReturnedMail alone, one at a time', recipients: RECIPIENTS, messages: MESSAGES }));
} finally {
  await db.destroy();
  await admin.query(`drop schema ${schema} cascade`);
  await admin.end();
}
