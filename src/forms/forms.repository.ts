/** SQL of forms, their wording versions, pending sign-ups (the confirmation outbox) and spent tokens. */
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database } from '../db/schema.js';
import type { FormField, FormWording } from './form-definition.js';
import type { FormsTable, SignupsTable } from './forms.table.js';
import './forms.table.js';

type Db = Kysely<Database>;
export type FormRow = Selectable<FormsTable>;
export type SignupRow = Selectable<SignupsTable>;

export async function insertForm(db: Db, row: {
  workspaceId: string; publicId: string; name: string; listIds: string[]; fields: FormField[]; channels: string[];
  defaultLanguage: string; defaultCountry: string; privacyUrl: string; captcha: boolean; wording: FormWording; now: Date;
}): Promise<FormRow> {
  return db.transaction().execute(async (trx) => {
    const form = await trx.insertInto('forms').values({
      workspace_id: row.workspaceId, public_id: row.publicId, name: row.name, list_ids: JSON.stringify(row.listIds),
      fields: JSON.stringify(row.fields), channels: JSON.stringify(row.channels), default_language: row.defaultLanguage,
      default_country: row.defaultCountry, privacy_url: row.privacyUrl, captcha: row.captcha, current_version: 1, created_at: row.now,
    }).returningAll().executeTakeFirstOrThrow();
    await trx.insertInto('form_versions').values({ form_id: form.id, version: 1, workspace_id: row.workspaceId, wording: JSON.stringify(row.wording), created_at: row.now }).execute();
    return form;
  });
}

/** Adds a wording version and makes it current; earlier versions stay for the evidence. */
export async function insertFormVersion(db: Db, o: { workspaceId: string; formId: string; wording: FormWording; now: Date }): Promise<number | undefined> {
  return db.transaction().execute(async (trx) => {
    const form = await trx.updateTable('forms').set((eb) => ({ current_version: eb('current_version', '+', 1) }))
      .where('id', '=', o.formId).where('workspace_id', '=', o.workspaceId).returning('current_version').executeTakeFirst();
    if (!form) return undefined;
    await trx.insertInto('form_versions').values({ form_id: o.formId, version: form.current_version, workspace_id: o.workspaceId, wording: JSON.stringify(o.wording), created_at: o.now }).execute();
    return form.current_version;
  });
}

export async function findFormById(db: Db, workspaceId: string, formId: string) {
  return db.selectFrom('forms').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', formId).executeTakeFirst();
}

export async function findFormByPublicId(db: Db, publicId: string) {
  return db.selectFrom('forms').selectAll().where('public_id', '=', publicId).where('archived_at', 'is', null).executeTakeFirst();
}

export async function listForms(db: Db, workspaceId: string) {
  return db.selectFrom('forms').selectAll().where('workspace_id', '=', workspaceId).orderBy('created_at').execute();
}

export async function findFormVersion(db: Db, formId: string, version: number) {
  return db.selectFrom('form_versions').selectAll().where('form_id', '=', formId).where('version', '=', version).executeTakeFirst();
}

export async function listFormVersions(db: Db, workspaceId: string, formId: string) {
  return db.selectFrom('form_versions').selectAll().where('workspace_id', '=', workspaceId).where('form_id', '=', formId).orderBy('version').execute();
}

/** Lists of the workspace among `ids` (the others do not exist or belong to another workspace). */
export async function findLists(db: Db, workspaceId: string, ids: string[]) {
  if (ids.length === 0) return [];
  return db.selectFrom('lists').select(['id', 'name']).where('workspace_id', '=', workspaceId).where('id', 'in', ids).execute();
}

export type SignupUpsert = {
  workspaceId: string; formId: string; formVersion: number; email: string; emailNormalized: string; language: string;
  listIds: string[]; channels: string[]; fields: Record<string, string>; consentHashes: Record<string, string>;
  ip: string | null; userAgent: string | null; referrer: string | null; now: Date; expiresAt: Date;
};

/**
 * Records sign-ups in one statement, or refreshes the open one for the same form and address (new evidence,
 * new expiry; the mail is queued again only if the last one is older than `resendAfter` and fewer than
 * `maxResends` were sent). Returns, per row in order, its id and whether a confirmation mail is now due.
 * One statement per batch, so concurrent submissions of one address cannot both queue a mail.
 */
export async function upsertOpenSignups(db: Db, rows: SignupUpsert[], o: { resendAfter: Date; maxResends: number }): Promise<{ id: string; queued: boolean }[]> {
  const out: ({ id: string; queued: boolean } | undefined)[] = new Array(rows.length);
  let pending = rows.map((row, index) => ({ row, index }));
  // ON CONFLICT cannot touch one row twice in a statement: a repeated address goes in the next round.
  while (pending.length > 0) {
    const seen = new Set<string>();
    const now: typeof pending = [];
    const later: typeof pending = [];
    for (const p of pending) {
      const key = `${p.row.formId}|${p.row.emailNormalized}`;
      (seen.has(key) ? later : now).push(p);
      seen.add(key);
    }
    const values = sql.join(now.map(({ row: r }) => sql`(${r.workspaceId}::uuid, ${r.formId}::uuid, ${r.formVersion}::int, ${r.email}, ${r.emailNormalized},
      ${r.language}, ${JSON.stringify(r.listIds)}::jsonb, ${JSON.stringify(r.channels)}::jsonb, ${JSON.stringify(r.fields)}::jsonb,
      ${JSON.stringify(r.consentHashes)}::jsonb, ${r.ip}, ${r.userAgent}, ${r.referrer}, ${r.now}::timestamptz, ${r.expiresAt}::timestamptz)`));
    const result = await sql<{ id: string; form_id: string; email_normalized: string; queued: boolean }>`
      insert into signups (workspace_id, form_id, form_version, email, email_normalized, language, list_ids, channels,
        fields, consent_hashes, ip, user_agent, referrer, created_at, expires_at)
      values ${values}
      on conflict (form_id, email_normalized) where confirmed_at is null do update set
        form_version = excluded.form_version, email = excluded.email, language = excluded.language,
        list_ids = excluded.list_ids, channels = excluded.channels, fields = excluded.fields,
        consent_hashes = excluded.consent_hashes, ip = excluded.ip, user_agent = excluded.user_agent,
        referrer = excluded.referrer, created_at = excluded.created_at, expires_at = excluded.expires_at,
        mail_status = case when signups.mail_status = 'sent' and (signups.mail_sent_at is null or signups.mail_sent_at < ${o.resendAfter})
          and signups.resend_count < ${o.maxResends} then 'pending' else signups.mail_status end,
        resend_count = case when signups.mail_status = 'sent' and (signups.mail_sent_at is null or signups.mail_sent_at < ${o.resendAfter})
          and signups.resend_count < ${o.maxResends} then signups.resend_count + 1 else signups.resend_count end
      returning id, form_id, email_normalized, (mail_status = 'pending') as queued
    `.execute(db);
    const byKey = new Map(result.rows.map((r) => [`${r.form_id}|${r.email_normalized}`, { id: r.id, queued: r.queued }]));
    for (const p of now) out[p.index] = byKey.get(`${p.row.formId}|${p.row.emailNormalized}`);
    pending = later;
  }
  return out.map((x) => {
    if (!x) throw new Error('sign-up upsert returned no row');
    return x;
  });
}

/**
 * Claims up to `limit` sign-ups whose confirmation mail is due (pending; failed before `retryBefore` and not
 * tried `maxAttempts` times; or stuck in `sending` past `staleBefore`). The claim commits before any mail is sent.
 */
export async function claimDueConfirmations(db: Db, o: { limit: number; now: Date; staleBefore: Date; retryBefore: Date; maxAttempts: number }) {
  const skipLocked = sql.raw('for update skip locked');
  const result = await sql<SignupRow>`
    update signups set mail_status = 'sending', mail_attempts = mail_attempts + 1, mail_sent_at = ${o.now}
    where id in (
      select id from signups
      where confirmed_at is null and expires_at > ${o.now} and mail_attempts < ${o.maxAttempts}
        and (mail_status = 'pending' or (mail_status = 'failed' and mail_sent_at < ${o.retryBefore})
          or (mail_status = 'sending' and mail_sent_at < ${o.staleBefore}))
      order by created_at limit ${o.limit} ${skipLocked}
    )
    returning *
  `.execute(db);
  return result.rows;
}

export async function markConfirmationMails(db: Db, ids: string[], status: 'sent' | 'failed', at: Date): Promise<void> {
  if (ids.length === 0) return;
  await db.updateTable('signups').set({ mail_status: status, mail_sent_at: at }).where('id', 'in', ids).execute();
}

export async function findSignup(db: Db, workspaceId: string, id: string) {
  return db.selectFrom('signups').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
}

/** Marks a sign-up confirmed, once; returns false if it was already confirmed (a replay). */
export async function markSignupConfirmed(trx: Db, o: { id: string; at: Date; ip: string | null; userAgent: string | null; contactId: string }): Promise<boolean> {
  const r = await trx.updateTable('signups').set({ confirmed_at: o.at, confirm_ip: o.ip, confirm_user_agent: o.userAgent, contact_id: o.contactId })
    .where('id', '=', o.id).where('confirmed_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Deletes unconfirmed sign-ups past their expiry; returns how many. */
export async function deleteExpiredSignups(db: Db, now: Date): Promise<number> {
  const r = await db.deleteFrom('signups').where('confirmed_at', 'is', null).where('expires_at', '<=', now).executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** Records a single-use token as spent; false if it already was. */
export async function spendToken(db: Db, o: { tokenId: string; workspaceId: string; purpose: string; at: Date; expiresAt: Date }): Promise<boolean> {
  const r = await db.insertInto('spent_tokens').values({ token_id: o.tokenId, workspace_id: o.workspaceId, purpose: o.purpose, spent_at: o.at, expires_at: o.expiresAt })
    .onConflict((oc) => oc.column('token_id').doNothing()).executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
}

export async function deleteExpiredSpentTokens(db: Db, now: Date): Promise<number> {
  const r = await db.deleteFrom('spent_tokens').where('expires_at', '<=', now).executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** Deletes every sign-up of a contact or of its address (erasure). */
export async function deleteSignupsOf(db: Db, o: { workspaceId: string; contactId: string; email: string | null }): Promise<void> {
  await db.deleteFrom('signups').where('workspace_id', '=', o.workspaceId)
    .where((eb) => (o.email ? eb.or([eb('contact_id', '=', o.contactId), eb('email_normalized', '=', o.email.toLowerCase())]) : eb('contact_id', '=', o.contactId)))
    .execute();
}

/** Whether a job of that name is waiting or running (other than `excludeId`, the caller itself). */
export async function hasPendingJob(db: Db, name: string, excludeId?: number): Promise<boolean> {
  let q = db.selectFrom('jobs').select('id').where('name', '=', name).where('status', 'in', ['pending', 'running', 'failed']);
  if (excludeId !== undefined) q = q.where('id', '!=', excludeId);
  return (await q.limit(1).executeTakeFirst()) !== undefined;
}
