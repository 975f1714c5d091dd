/** SQL of an erasure: everything about one contact goes, a tombstone stays. Runs inside the caller's transaction. */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import '../forms/forms.table.js';

type Db = Kysely<Database>;

/** Opens the consent ledger's erasure gate for this transaction only (the append-only trigger checks it). */
export async function allowLedgerErasure(trx: Db): Promise<void> {
  await sql`select set_config('listwarden.erasure', 'on', true)`.execute(trx);
}

export async function findContactForErasure(trx: Db, workspaceId: string, contactId: string) {
  return trx.selectFrom('contacts').innerJoin('workspaces', 'workspaces.id', 'contacts.workspace_id')
    .select(['contacts.id', 'contacts.email', 'workspaces.secret']).where('contacts.workspace_id', '=', workspaceId).where('contacts.id', '=', contactId)
    .forUpdate().executeTakeFirst();
}

/** Deletes the contact; consents, memberships, activity, bounces, suppressions and preferences cascade. */
export async function deleteContactAndTrail(trx: Db, o: { workspaceId: string; contactId: string; emailKey: string | null }): Promise<void> {
  let signups = trx.deleteFrom('signups').where('workspace_id', '=', o.workspaceId);
  signups = o.emailKey ? signups.where((eb) => eb.or([eb('contact_id', '=', o.contactId), eb('email_normalized', '=', o.emailKey!)])) : signups.where('contact_id', '=', o.contactId);
  await signups.execute();
  await trx.deleteFrom('contacts').where('workspace_id', '=', o.workspaceId).where('id', '=', o.contactId).execute();
}

export async function insertTombstone(trx: Db, o: { workspaceId: string; hmac: string; reason: string; at: Date }): Promise<void> {
  await trx.insertInto('tombstones').values({ workspace_id: o.workspaceId, hmac: o.hmac, reason: o.reason, at: o.at })
    .onConflict((oc) => oc.columns(['workspace_id', 'hmac', 'reason']).doNothing()).execute();
}
