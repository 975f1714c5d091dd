// `npm run bench -- send-start [--recipients=100000] [--rounds=2]`: the start of a send on PostgreSQL. Per round,
// in the same run and on the same audience: the preview (`previewCampaign`: evaluate only, nothing written), then
// the start (`startSend`: evaluate, write one outbox row per recipient, the gate, commit) of a fresh campaign; the
// send is deleted and the outbox vacuumed between rounds, so each start writes into the same table. CPU of this
// process and of its PostgreSQL backends is read from /proc, since wall time on a shared machine says little.
// `value`: recipients a second through startSend; `baseline`: recipients a second through the preview alone
// (ratio 1 would mean queueing costs nothing beyond evaluating). Database: BENCH_DATABASE_URL, else
// TEST_DATABASE_URL, else the local server; a scratch schema, dropped after.
import { sql } from 'kysely';
import { createCampaign } from '../src/campaigns/create-campaign.js';
import { previewCampaign } from '../src/campaigns/preview-campaign.js';
import { startSend } from '../src/campaigns/start-send.js';
import { migrateOrThrow } from '../src/db/migrate.js';
import { insertOptedInContacts, pgScratch } from './_pg-scratch.js';
import { aWorkspace, system } from '../test/send-support.js';

const flag = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const RECIPIENTS = Number(flag('recipients') ?? 100_000);
const ROUNDS = Number(flag('rounds') ?? 2);
if (!(RECIPIENTS > 0) || !(ROUNDS > 0)) throw new Error('--recipients and --rounds must be positive numbers');
const line = (o: object) => process.stdout.write(JSON.stringify(o) + '\n');
const { db, measure, drop } = await pgScratch('lw_bench_send_start');

try {
  await migrateOrThrow(db);
  const ws = await aWorkspace(db);
  const t0 = performance.now();
  // Every recipient eligible (double opt-in with evidence), one in 50 unsubscribed (blocked, stored with its reason).
  await insertOptedInContacts(db, ws, RECIPIENTS);
  await sql`insert into suppressions (workspace_id, contact_id, reason, at)
    select workspace_id, id, 'unsubscribe', '2026-02-01T00:00:00Z' from contacts where workspace_id = ${ws.workspaceId}::uuid and hashtext(id::text) % 50 = 0`.execute(db);
  await sql`insert into list_memberships (workspace_id, list_id, contact_id) select workspace_id, ${ws.listId}::uuid, id from contacts where workspace_id = ${ws.workspaceId}::uuid`.execute(db);
  await sql`analyze`.execute(db);
  line({ phase: 'fixtures', recipients: RECIPIENTS, ms: Math.round(performance.now() - t0) });

  const para = '<p>Dear {{ contact.first_name }}, hello <a href="https://shop.example/spring">x</a>.</p>\n';
  const now = new Date('2026-03-01T10:00:00Z');
  const options = (campaignId: string) => ({ db, workspaceId: ws.workspaceId, campaignId, actor: system, acknowledged: true, secret: 'bench-secret-0123456789abcdef0123456789', baseUrl: 'https://x.example', now });
  const perRecipient = (ms: number) => Math.round((ms * 1000 * 10) / RECIPIENTS) / 10;
  const rates = { preview: [] as number[], start: [] as number[] };
  for (let round = 1; round <= ROUNDS; round++) {
    const campaign = await createCampaign({ db, workspaceId: ws.workspaceId, now, input: { name: `Bench ${round}`, purpose: 'marketing', listIds: [ws.listId], fromName: 'Shop', fromAddress: 'news@shop.example', subject: 'S {{ contact.first_name }}', html: para.repeat(40) } });
    if (!campaign.ok) throw campaign.error;
    const p = await measure(() => previewCampaign(options(campaign.value.id)));
    if (!p.result.ok || p.result.value.audience.total !== RECIPIENTS) throw new Error('the preview did not see the whole audience');
    rates.preview.push(RECIPIENTS / (p.ms / 1000));
    line({ phase: 'preview', round, recipients: RECIPIENTS, send: p.result.value.audience.byVerdict.send, ms: Math.round(p.ms), perSecond: Math.round(RECIPIENTS / (p.ms / 1000)),
      cpuUsPerRecipient: { node: perRecipient(p.cpuNodeMs), postgres: perRecipient(p.cpuPgMs) } });
    const s = await measure(() => startSend(options(campaign.value.id)));
    if (!s.result.ok) throw s.result.error;
    const { sendId, queued, blocked } = s.result.value;
    if (queued + blocked !== RECIPIENTS || queued !== p.result.value.audience.byVerdict.send) throw new Error(`the start queued ${queued} and blocked ${blocked}`);
    rates.start.push(RECIPIENTS / (s.ms / 1000));
    line({ phase: 'start', round, recipients: RECIPIENTS, queued, blocked, ms: Math.round(s.ms), perSecond: Math.round(RECIPIENTS / (s.ms / 1000)),
      cpuUsPerRecipient: { node: perRecipient(s.cpuNodeMs), postgres: perRecipient(s.cpuPgMs) } });
    await sql`delete from sends where id = ${sendId}`.execute(db);
    await sql`update campaigns set status = 'sent' where id = ${campaign.value.id}`.execute(db);
    await sql`vacuum send_recipients`.execute(db);
  }
  const best = (xs: number[]) => Math.round(Math.max(...xs));
  const [value, baseline] = [best(rates.start), best(rates.preview)];
  line({ bench: 'send-start', value, unit: 'recipients/s started (evaluate + queue)', baseline, ratio: Math.round((value / baseline) * 100) / 100, recipients: RECIPIENTS });
} finally {
  await drop();
}
