/** Records one activity event for a contact of this workspace (a purchase carries its product categories). */
import type { Kysely } from 'kysely';
import { findContact } from '../contacts/contacts.repository.js';
import type { Database } from '../db/schema.js';
import { AppError } from '../errors.js';
import { insertActivity } from './activity.repository.js';

export const activityTypes = ['click', 'open', 'reply', 'purchase', 'signup', 'confirm', 'login', 'form', 'inquiry'] as const;
export type ActivityKind = (typeof activityTypes)[number];

export type RecordActivityOptions = {
  db: Kysely<Database>; workspaceId: string; contactId: string; type: ActivityKind; at: Date;
  categories?: string[]; details?: Record<string, unknown>; now: Date;
};

export async function recordActivity(options: RecordActivityOptions) {
  if (options.at.getTime() > options.now.getTime() + 5 * 60_000) {
    throw new AppError('invalid_input', 'activity in the future', { details: { issues: [{ path: 'body.at', message: 'must not be in the future' }] } });
  }
  const contact = await findContact(options.db, options.workspaceId, options.contactId);
  if (!contact) throw new AppError('not_found', `contact ${options.contactId} not found`);
  return insertActivity(options.db, { workspaceId: options.workspaceId, contactId: contact.id, type: options.type, at: options.at, categories: options.categories ?? [], details: options.details ?? {} });
}
