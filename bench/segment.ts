// `npm run bench -- segment [--contacts=100000] [--rounds=3]`: the audience of a campaign named by a segment against
// the same audience named by a list, on PostgreSQL. The segment (country FR, custom field plan = pro, engaged since
// 2025-06-01) matches the very contacts the list holds, so both paths hand the engine the same work.
// Per round, alternating (A/B in the same run): the keyset walk alone (`listCampaignAudienceIds`), then the whole
// evaluation (`evaluateAudience`: walk, engine data, engine). CPU of this process and of its PostgreSQL backends
// is read from /proc, since wall time on a shared machine says little. `value`: evaluated contacts a second
// through the segment; `baseline`: through the list. Database: BENCH_DATABASE_URL, else TEST_DATABASE_URL, else
// the local server; a scratch schema, dropped after.
import { sql } from 'kysely';
import { evaluateAudience } from '../src/campaigns/evaluate-audience.js';
import { campaignInputSchema } from '../src/campaigns/campaign.js';
import { migrateOrThrow } from '../src/db/migrate.js';
import { pgScratch } from './_pg-scratch.js';
import { segmentFilterSchema } from '../src/segments/segment-filter.js';
import { countSegmentMembers } from '../src/segments/segment-members.repository.js';
import { listCampaignAudienceIds } from '../src/sending/audience.repository.js';
import { aWorkspace } from '../test/send-support.js';

const flag = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const CONTACTS = Number(flag('contacts') ?? 100_000);
const ROUNDS = Number(flag('rounds') ?? 3);
const line = (o: object) => process.stdout.write(JSON.stringify(o) + '\n');
const { db, measure, drop } = await pgScratch('lw_bench_segment');

try {
  await migrateOrThrow(db);
  const ws = await aWorkspace(db);
  const t0 = performance.now();
  await sql`insert into contacts (workspace_id, email, country, source_type, source_at, custom_fields)
    select ${ws.workspaceId}::uuid, 'c' || g || '@d' || (g % 200) || '.example', case when g % 2 = 0 then 'FR' else 'DE' end, 'web_form', '2026-01-01T00:00:00Z',
           jsonb_build_object('first_name', 'Name' || g, 'plan', case when g % 3 = 0 then 'pro' else 'free' end)
    from generate_series(1, ${CONTACTS}::int) g`.execute(db);
  await sql`insert into consent_events (workspace_id, contact_id, channel, method, at, confirmed_at, evidence)
    select workspace_id, id, 'email', 'double_opt_in', '2026-01-01T00:00:00Z', '2026-01-01T00:10:00Z', '{"formId":"f1","formVersion":1,"ip":"192.0.2.1"}'
    from contacts where workspace_id = ${ws.workspaceId}::uuid`.execute(db);
  // Two engagements for three contacts in four (a click early in 2025, then a purchase or a click), one open for all.
  await sql`insert into activity_events (workspace_id, contact_id, type, at)
    select workspace_id, id, t.type, t.at from contacts c
      cross join (values ('click', timestamptz '2025-02-01'), ('purchase', timestamptz '2026-01-15'), ('open', timestamptz '2026-01-20')) as t(type, at)
     where c.workspace_id = ${ws.workspaceId}::uuid and (t.type = 'open' or (hashtext(c.id::text) & 3) <> 0)`.execute(db);
  const list = (await db.insertInto('lists').values({ workspace_id: ws.workspaceId, name: 'Pro in France, engaged' }).returning('id').executeTakeFirstOrThrow()).id;
  await sql`insert into list_memberships (workspace_id, list_id, contact_id)
    select workspace_id, ${list}::uuid, id from contacts c
     where c.workspace_id = ${ws.workspaceId}::uuid and c.country = 'FR' and c.custom_fields ->> 'plan' = 'pro'
       and exists (select 1 from activity_events a where a.contact_id = c.id and a.type <> 'open' and a.at >= '2025-06-01')`.execute(db);
  await sql`analyze`.execute(db);
  const filter = segmentFilterSchema.parse({ match: 'all', conditions: [
    { field: 'country', op: 'in', values: ['FR'] }, { field: 'custom', key: 'plan', op: 'equals', value: 'pro' }, { field: 'last_engaged_at', op: 'after', value: '2025-06-01' },
  ] });
  const members = await countSegmentMembers(db, ws.workspaceId, filter);
  const onList = Number((await sql<{ n: string }>`select count(*) as n from list_memberships where list_id = ${list}::uuid`.execute(db)).rows[0].n);
  if (members !== onList) throw new Error(`the segment matches ${members}, the list holds ${onList}: not the same audience`);
  line({ phase: 'fixtures', contacts: CONTACTS, audience: members, ms: Math.round(performance.now() - t0) });

  const count = await measure(() => countSegmentMembers(db, ws.workspaceId, filter));
  line({ phase: 'count', members: count.result, ms: Math.round(count.ms), cpuPgMs: count.cpuPgMs });

  const walk = async (by: 'segment' | 'list') => {
    let after: string | undefined;
    let n = 0;
    for (;;) {
      const ids = await listCampaignAudienceIds(db, { workspaceId: ws.workspaceId, listIds: by === 'list' ? [list] : [], segments: by === 'segment' ? [filter] : [], after, limit: 2000 });
      if (ids.length === 0) return n;
      n += ids.length;
      after = ids[ids.length - 1];
    }
  };
  const campaign = (by: 'segment' | 'list') => campaignInputSchema.parse({ name: 'Bench', purpose: 'marketing', fromAddress: 'news@shop.example', listIds: by === 'list' ? [list] : [] });
  const at = new Date('2026-03-01T00:00:00Z');
  const rates: Record<'segment' | 'list', number[]> = { segment: [], list: [] };
  for (let round = 1; round <= ROUNDS; round++) {
    for (const by of ['segment', 'list'] as const) {
      const w = await measure(() => walk(by));
      if (w.result !== members) throw new Error(`${by} walk found ${w.result}`);
      line({ phase: 'walk', by, round, contacts: w.result, ms: Math.round(w.ms), cpuNodeMs: w.cpuNodeMs, cpuPgMs: w.cpuPgMs });
      const e = await measure(() => evaluateAudience({ db, workspaceId: ws.workspaceId, campaign: campaign(by), at, segments: by === 'segment' ? [filter] : [] }));
      if (e.result.total !== members) throw new Error(`${by} evaluation saw ${e.result.total}`);
      const perSecond = Math.round(members / (e.ms / 1000));
      rates[by].push(perSecond);
      line({ phase: 'evaluate', by, round, contacts: e.result.total, send: e.result.byVerdict.send, ms: Math.round(e.ms), perSecond,
        cpuUsPerContact: { node: Math.round((e.cpuNodeMs * 1000) / members), postgres: Math.round((e.cpuPgMs * 1000) / members) } });
    }
  }
  const best = (xs: number[]) => Math.max(...xs);
  const [value, baseline] = [best(rates.segment), best(rates.list)];
  line({ bench: 'segment', value, unit: 'contacts/s evaluated (audience by segment)', baseline, ratio: Math.round((value / baseline) * 100) / 100, contacts: CONTACTS, audience: members });
} finally {
  await drop();
}
