/** Use case: the form as a visitor sees it, by its public id, with one version of its wording. */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { isLanguage } from '../i18n/language.js';
import type { ConsentChannel, PublishedForm } from './form-definition.js';
import { findFormByPublicId, findFormVersion, findLists } from './forms.repository.js';

/** Loads version `version` when given and it exists (the one the visitor was shown), else the current one. */
export async function getPublishedForm(options: { db: Kysely<Database>; publicId: string; version?: number }): Promise<PublishedForm | undefined> {
  const { db, publicId } = options;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(publicId)) return undefined;
  const form = await findFormByPublicId(db, publicId);
  if (!form) return undefined;
  const wanted = options.version !== undefined && Number.isInteger(options.version) && options.version >= 1 && options.version <= form.current_version ? options.version : form.current_version;
  const version = await findFormVersion(db, form.id, wanted);
  if (!version) return undefined;
  const order = new Map(form.list_ids.map((id, i) => [id, i]));
  // a list deleted since the form was made is no longer offered, nor signed up for; none left: the form is closed
  const lists = (await findLists(db, form.workspace_id, form.list_ids)).sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
  return {
    id: form.id, workspaceId: form.workspace_id, publicId: form.public_id, listIds: lists.map((l) => l.id), lists,
    fields: form.fields, channels: form.channels as ConsentChannel[],
    defaultLanguage: isLanguage(form.default_language) ? form.default_language : 'en',
    defaultCountry: form.default_country, privacyUrl: form.privacy_url, captcha: form.captcha, version: version.version, wording: version.wording,
  };
}
