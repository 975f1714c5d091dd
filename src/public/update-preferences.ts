/**
 * Use case: the preference centre saves. Lists: memberships follow the boxes, among the lists the workspace
 * offers on its forms (a person cannot join an unoffered list here). Channels: an unticked channel withdraws
 * its consent; unticking email is an unsubscribe. Frequency is kept for the campaign engine to honour.
 */
import type { Kysely } from 'kysely';
import { AppError, type Result } from '../errors.js';
import type { Database } from '../db/schema.js';
import {
  addMemberships, listOfferedLists, readContactData, removeMemberships, upsertPreferences, withdrawConsents,
} from './public.repository.js';
import { insertActivity } from '../activity/activity.repository.js';
import { findContact } from '../contacts/contacts.repository.js';
import { unsubscribeContact } from './unsubscribe-contact.js';

export type Frequency = 'any' | 'weekly' | 'monthly';

export async function updatePreferences(options: {
  db: Kysely<Database>;
  workspaceId: string;
  contactId: string;
  listIds: string[];
  channels: string[];
  frequency: Frequency;
  now: Date;
}): Promise<Result<{ lists: string[]; channels: string[] }>> {
  const { db, workspaceId, contactId, now } = options;
  if (!(await findContact(db, workspaceId, contactId))) return { ok: false, error: new AppError('not_found', 'contact not found') };
  const offered = (await listOfferedLists(db, workspaceId)).map((l) => l.id);
  const data = await readContactData(db, workspaceId, contactId);
  const activeChannels = new Set((data?.consents ?? []).filter((c) => c.withdrawn_at === null).map((c) => c.channel as string));
  const keepLists = options.listIds.filter((id) => offered.includes(id));
  const dropLists = offered.filter((id) => !keepLists.includes(id));
  const dropChannels = [...activeChannels].filter((ch) => !options.channels.includes(ch));

  await db.transaction().execute(async (trx) => {
    await removeMemberships(trx, workspaceId, contactId, dropLists);
    await addMemberships(trx, workspaceId, contactId, keepLists, now);
    await withdrawConsents(trx, contactId, dropChannels.filter((ch) => ch !== 'email'), now);
    await upsertPreferences(trx, { workspaceId, contactId, frequency: options.frequency, at: now });
    await insertActivity(trx, { workspaceId, contactId, type: 'preferences', at: now, categories: [], details: { lists: keepLists, dropLists, dropChannels, frequency: options.frequency } });
  });
  if (dropChannels.includes('email')) await unsubscribeContact({ db, workspaceId, contactId, method: 'preference_centre', now });
  return { ok: true, value: { lists: keepLists, channels: [...activeChannels].filter((ch) => !dropChannels.includes(ch)) } };
}
