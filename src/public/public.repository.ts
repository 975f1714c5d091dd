/**
 * SQL the public pages need on contacts: create or find the person at confirmation, record consents,
 * memberships, unsubscribes and preferences, and read back everything held for the "my data" page.
 * Every query is scoped by workspace id: a token for one workspace never reaches another's rows.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { findContact } from '../contacts/contacts.repository.js';
import '../forms/forms.table.js';
import '../sending/sending.table.js';

type Db = Kysely<Database>;

/** Who holds the data (the sender profile's imprint): named on the pages where a person sees or erases it. */
export async function findController(db: Db, workspaceId: string): Promise<{ company: string; address: string; contactEmail: string } | undefined> {
  const row = await db.selectFrom('sender_profiles').select(['company', 'address', 'contact_email']).where('workspace_id', '=', workspaceId).executeTakeFirst();
  return row && row.company ? { company: row.company, address: row.address, contactEmail: row.contact_email } : undefined;
}

export async function findWorkspaceBySlug(db: Db, slug: string) {
  return db.selectFrom('workspaces').select(['id', 'name']).where('slug', '=', slug).executeTakeFirst();
}

/** Adds fields the contact does not have yet; never overwrites what an earlier source recorded. */
export async function addMissingContactFields(db: Db, contactId: string, fields: Record<string, string>, now: Date): Promise<void> {
  await sql`update contacts set custom_fields = ${JSON.stringify(fields)}::jsonb || custom_fields, updated_at = ${now} where id = ${contactId}`.execute(db);
}

/** Adds the memberships of the lists that still exist in the workspace (one deleted since the sign-up is skipped). */
export async function addMemberships(db: Db, workspaceId: string, contactId: string, listIds: string[], at: Date): Promise<void> {
  if (listIds.length === 0) return;
  await db.insertInto('list_memberships').columns(['workspace_id', 'list_id', 'contact_id', 'added_at'])
    .expression(db.selectFrom('lists').select([sql<string>`${workspaceId}::uuid`.as('workspace_id'), 'id', sql<string>`${contactId}::uuid`.as('contact_id'), sql<Date>`${at}::timestamptz`.as('added_at')])
      .where('workspace_id', '=', workspaceId).where('id', 'in', listIds))
    .onConflict((oc) => oc.columns(['list_id', 'contact_id']).doNothing()).execute();
}

export async function removeMemberships(db: Db, workspaceId: string, contactId: string, listIds: string[]): Promise<void> {
  if (listIds.length === 0) return;
  await db.deleteFrom('list_memberships').where('workspace_id', '=', workspaceId).where('contact_id', '=', contactId).where('list_id', 'in', listIds).execute();
}

/**
 * Unsubscribes many people in one statement (the one-click hot path, batched): per person, adds an
 * `unsubscribe` suppression for email marketing unless one is active, withdraws the open email consents and
 * records the activity. Returns the ids of the contacts found (a request for an erased contact, or for
 * another workspace's, finds nothing and changes nothing).
 */
export async function unsubscribeMany(db: Db, items: { workspaceId: string; contactId: string; at: Date; source: string; details: Record<string, unknown> }[]): Promise<Set<string>> {
  if (items.length === 0) return new Set();
  const r = await sql<{ id: string }>`
    with req as (
      select * from unnest(${items.map((i) => i.contactId)}::uuid[], ${items.map((i) => i.workspaceId)}::uuid[],
        ${items.map((i) => i.at.toISOString())}::timestamptz[], ${items.map((i) => i.source)}::text[],
        ${items.map((i) => JSON.stringify(i.details))}::jsonb[]) as r(contact_id, workspace_id, at, source, details)
    ), c as (
      select distinct on (contacts.id) contacts.id, contacts.workspace_id, req.at, req.source
      from req join contacts on contacts.id = req.contact_id and contacts.workspace_id = req.workspace_id
      order by contacts.id, req.at
    ), s as (
      insert into suppressions (workspace_id, contact_id, reason, channel, scope, at, source, created_by)
      select c.workspace_id, c.id, 'unsubscribe', 'email', 'marketing', c.at, c.source, 'contact' from c
      where not exists (select 1 from suppressions x where x.contact_id = c.id and x.reason = 'unsubscribe'
        and x.lifted_at is null and x.channel in ('email', 'all'))
      returning id
    ), w as (
      update consent_events e set withdrawn_at = c.at from c
      where e.contact_id = c.id and e.channel = 'email' and e.withdrawn_at is null
      returning e.id
    ), a as (
      insert into activity_events (workspace_id, contact_id, type, at, details)
      select c.workspace_id, c.id, 'unsubscribe', req.at, req.details from req join c on c.id = req.contact_id
      returning id
    )
    select c.id from c
      -- referencing the write CTEs makes sure none is skipped as unused
      where (select count(*) from s) >= 0 and (select count(*) from w) >= 0 and (select count(*) from a) >= 0
  `.execute(db);
  return new Set(r.rows.map((x) => x.id));
}

export async function withdrawConsents(db: Db, contactId: string, channels: string[], at: Date): Promise<void> {
  if (channels.length === 0) return;
  await db.updateTable('consent_events').set({ withdrawn_at: at }).where('contact_id', '=', contactId).where('channel', 'in', channels as never[]).where('withdrawn_at', 'is', null).execute();
}

export async function upsertPreferences(db: Db, o: { workspaceId: string; contactId: string; frequency: 'any' | 'weekly' | 'monthly'; at: Date }): Promise<void> {
  await db.insertInto('contact_preferences').values({ contact_id: o.contactId, workspace_id: o.workspaceId, frequency: o.frequency, updated_at: o.at })
    .onConflict((oc) => oc.column('contact_id').doUpdateSet({ frequency: o.frequency, updated_at: o.at })).execute();
}

/** Everything held about one contact, for the "my data" page, the access export and the evidence. */
export async function readContactData(db: Db, workspaceId: string, contactId: string) {
  const contact = await findContact(db, workspaceId, contactId);
  if (!contact) return undefined;
  const [consents, memberships, suppressions, activity, bounces, preferences, signups, messages] = await Promise.all([
    db.selectFrom('consent_events').selectAll().where('workspace_id', '=', workspaceId).where('contact_id', '=', contactId).orderBy('at').orderBy('created_at').execute(),
    db.selectFrom('list_memberships').innerJoin('lists', 'lists.id', 'list_memberships.list_id')
      .select(['lists.id', 'lists.name', 'list_memberships.added_at']).where('list_memberships.workspace_id', '=', workspaceId)
      .where('list_memberships.contact_id', '=', contactId).orderBy('lists.name').execute(),
    db.selectFrom('suppressions').selectAll().where('workspace_id', '=', workspaceId).where('contact_id', '=', contactId).orderBy('at').execute(),
    db.selectFrom('activity_events').selectAll().where('workspace_id', '=', workspaceId).where('contact_id', '=', contactId).orderBy('at').limit(1000).execute(),
    db.selectFrom('bounces').selectAll().where('workspace_id', '=', workspaceId).where('contact_id', '=', contactId).orderBy('at').execute(),
    db.selectFrom('contact_preferences').selectAll().where('contact_id', '=', contactId).executeTakeFirst(),
    db.selectFrom('signups').select(['id', 'form_id', 'form_version', 'created_at', 'confirmed_at', 'ip', 'user_agent', 'referrer', 'confirm_ip', 'confirm_user_agent', 'language', 'list_ids', 'channels', 'consent_hashes'])
      .where('workspace_id', '=', workspaceId).where('contact_id', '=', contactId).orderBy('created_at').execute(),
    // Each campaign the person was in the audience of: what was sent, or why it was not (Art. 15 covers both).
    db.selectFrom('send_recipients').innerJoin('sends', 'sends.id', 'send_recipients.send_id').innerJoin('campaigns', 'campaigns.id', 'sends.campaign_id')
      .select(['campaigns.name as campaign', sql<string | null>`campaigns.definition->>'subject'`.as('subject'), 'send_recipients.state', 'send_recipients.sent_at', 'sends.created_at as send_at'])
      .where('send_recipients.workspace_id', '=', workspaceId).where('send_recipients.contact_id', '=', contactId)
      .orderBy('sends.created_at').orderBy('send_recipients.id').limit(1000).execute(),
  ]);
  return { contact, consents, memberships, suppressions, activity, bounces, preferences, signups, messages };
}
export type ContactData = NonNullable<Awaited<ReturnType<typeof readContactData>>>;

/** Lists offered by the workspace's forms: the ones a person may choose in the preference centre. */
export async function listOfferedLists(db: Db, workspaceId: string) {
  const forms = await db.selectFrom('forms').select('list_ids').where('workspace_id', '=', workspaceId).where('archived_at', 'is', null).execute();
  const ids = [...new Set(forms.flatMap((f) => f.list_ids))];
  if (ids.length === 0) return [];
  return db.selectFrom('lists').select(['id', 'name']).where('workspace_id', '=', workspaceId).where('id', 'in', ids).orderBy('name').execute();
}

