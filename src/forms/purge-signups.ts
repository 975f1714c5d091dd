/** Use case: deletes sign-ups never confirmed within their lifetime, and spent-token rows past their expiry. */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { deleteExpiredSignups, deleteExpiredSpentTokens } from './forms.repository.js';

export async function purgeExpiredSignups(options: { db: Kysely<Database>; now: Date }): Promise<{ signups: number; tokens: number }> {
  const signups = await deleteExpiredSignups(options.db, options.now);
  const tokens = await deleteExpiredSpentTokens(options.db, options.now);
  return { signups, tokens };
}
