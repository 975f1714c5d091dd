/** Use case: new consent wording for a form. The old version is kept; consent events keep pointing at it. */
import type { Kysely } from 'kysely';
import { AppError, type Result } from '../errors.js';
import type { Database } from '../db/schema.js';
import { formInputSchema, sanitizeWording, wordingChanged, type FormWording } from './form-definition.js';
import { findFormById, findFormVersion, insertFormVersion } from './forms.repository.js';

export async function updateFormWording(options: { db: Kysely<Database>; workspaceId: string; formId: string; wording: FormWording; now: Date }): Promise<Result<{ version: number; changed: boolean }>> {
  const { db, workspaceId, formId, now } = options;
  const form = await findFormById(db, workspaceId, formId);
  if (!form) return { ok: false, error: new AppError('not_found', `form ${formId} not found`) };
  // Every channel the form offers still needs wording in every language.
  const check = formInputSchema.safeParse({
    name: form.name, listIds: form.list_ids, fields: form.fields, channels: form.channels, defaultLanguage: form.default_language,
    defaultCountry: form.default_country, privacyUrl: form.privacy_url, captcha: form.captcha, wording: options.wording,
  });
  if (!check.success) {
    const issue = check.error.issues[0];
    return { ok: false, error: new AppError('invalid_input', `${issue.path.join('.')}: ${issue.message}`, { details: { issues: check.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) } }) };
  }
  const wording = sanitizeWording(options.wording);
  const current = await findFormVersion(db, formId, form.current_version);
  if (current && !wordingChanged(current.wording, wording)) return { ok: true, value: { version: form.current_version, changed: false } };
  const version = await insertFormVersion(db, { workspaceId, formId, wording, now });
  if (version === undefined) return { ok: false, error: new AppError('not_found', `form ${formId} not found`) };
  return { ok: true, value: { version, changed: true } };
}
