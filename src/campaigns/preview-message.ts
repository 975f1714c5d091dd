/**
 * `GET /api/v1/campaigns/:id/preview`: the mail as a recipient would read it (subject, HTML with the template's
 * CSS inlined and sanitised, text, footer), rendered for one contact's merge fields or for none (the defaults
 * show). Reads only. Links go where the campaign says, untracked, and the footer's unsubscribe and preferences
 * links are placeholders: a click in a preview must not unsubscribe anyone or count as engagement.
 */
import { findContact, findContactByEmail } from '../contacts/contacts.repository.js';
import type { Db } from '../db/database.js';
import { AppError, type Result } from '../errors.js';
import { PUBLIC_PATHS } from '../public/links.js';
import { mergeFields } from './merge-fields.js';
import { loadPreviewInputs } from './preview-campaign.js';
import { renderMessage, type RenderedMessage } from './render-message.js';

export type MessagePreview = RenderedMessage & { contactId: string | null };

export async function previewMessage(options: { db: Db; workspaceId: string; campaignId: string; baseUrl: string; contact?: string }): Promise<Result<MessagePreview>> {
  const { db, workspaceId } = options;
  const inputs = await loadPreviewInputs({ db, workspaceId, campaignId: options.campaignId });
  if (!inputs.ok) return inputs;
  if (!inputs.value.compiled) {
    return { ok: false, error: new AppError('conflict', 'no sender profile', { userMessage: 'The mail cannot be shown before the workspace has a sender profile: its footer carries the imprint. An admin saves it with PUT /api/v1/sender-profile.' }) };
  }
  let contactId: string | null = null;
  let fields: Record<string, unknown> = {};
  if (options.contact) {
    const c = options.contact.includes('@') ? await findContactByEmail(db, workspaceId, options.contact) : await findContact(db, workspaceId, options.contact);
    if (!c) return { ok: false, error: new AppError('not_found', 'no such contact', { userMessage: `No contact of this workspace is ${options.contact}.` }) };
    contactId = c.id;
    fields = mergeFields(c);
  }
  const placeholder = (path: string) => `${options.baseUrl.replace(/\/+$/, '')}${path}?t=preview`;
  const message = renderMessage(inputs.value.compiled, { contact: fields, unsubscribeUrl: placeholder(PUBLIC_PATHS.unsubscribe), preferencesUrl: placeholder(PUBLIC_PATHS.preferences) });
  return { ok: true, value: { contactId, ...message } };
}
