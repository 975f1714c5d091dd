/** Use case: a workspace defines a sign-up form (version 1 of its wording). */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { AppError, type Result } from '../errors.js';
import type { Database } from '../db/schema.js';
import { sanitizeWording, type FormInput } from './form-definition.js';
import { findLists, insertForm, type FormRow } from './forms.repository.js';

export async function createForm(options: { db: Kysely<Database>; workspaceId: string; input: FormInput; now: Date }): Promise<Result<FormRow>> {
  const { db, workspaceId, input, now } = options;
  const lists = await findLists(db, workspaceId, input.listIds);
  if (lists.length !== new Set(input.listIds).size) {
    return { ok: false, error: new AppError('invalid_input', 'listIds: a list does not exist in this workspace', { details: { issues: [{ path: 'listIds', message: 'unknown list' }] } }) };
  }
  const form = await insertForm(db, {
    workspaceId, publicId: randomBytes(12).toString('base64url'), name: input.name, listIds: [...new Set(input.listIds)],
    fields: input.fields, channels: input.channels, defaultLanguage: input.defaultLanguage, defaultCountry: input.defaultCountry,
    privacyUrl: input.privacyUrl, captcha: input.captcha, wording: sanitizeWording(input.wording), now,
  });
  return { ok: true, value: form };
}
