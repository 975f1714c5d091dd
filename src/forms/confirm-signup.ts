/**
 * Use case: the person follows the confirmation link and presses the button. In one transaction: spends the
 * single-use token, creates (or finds) the contact, appends one confirmed consent event per channel with the
 * full evidence (as the person's own act, so it lifts their earlier unsubscribe, objection or erasure
 * suppression), adds the list memberships and records the confirmation.
 */
import type { Kysely } from 'kysely';
import { insertActivity } from '../activity/activity.repository.js';
import { appendConsentEvent } from '../consents/append-consent-event.js';
import type { ConsentCreate } from '../consents/consent-schemas.js';
import { createContact } from '../contacts/create-contact.js';
import { findContactByEmail } from '../contacts/contacts.repository.js';
import { AppError, type Result } from '../errors.js';
import type { Database } from '../db/schema.js';
import type { VerifiedToken } from '../security/tokens.js';
import { findFormById, findSignup, markSignupConfirmed, spendToken } from './forms.repository.js';
import { addMemberships, addMissingContactFields } from '../public/public.repository.js';

export type ConfirmOutcome = { status: 'confirmed'; contactId: string } | { status: 'already_confirmed' };

export async function confirmSignup(options: {
  db: Kysely<Database>;
  token: VerifiedToken;
  ip: string | null;
  userAgent: string | null;
  now: Date;
}): Promise<Result<ConfirmOutcome>> {
  const { db, token, now } = options;
  const { workspaceId, signupId } = token.payload;
  if (token.purpose !== 'confirm' || !signupId) return { ok: false, error: new AppError('invalid_input', 'not a confirmation token') };
  return db.transaction().execute(async (trx): Promise<Result<ConfirmOutcome>> => {
    const signup = await findSignup(trx, workspaceId, signupId);
    if (!signup) return { ok: false, error: new AppError('not_found', 'sign-up not found (expired and purged, or erased)') };
    const fresh = await spendToken(trx, { tokenId: token.tokenId, workspaceId, purpose: 'confirm', at: now, expiresAt: token.expiresAt });
    if (!fresh || signup.confirmed_at) return { ok: true, value: { status: 'already_confirmed' } };
    if (signup.expires_at.getTime() <= now.getTime()) return { ok: false, error: new AppError('not_found', 'sign-up expired') };
    const form = await findFormById(trx, workspaceId, signup.form_id);
    if (!form) return { ok: false, error: new AppError('not_found', 'form deleted') };

    const { country, ...fields } = signup.fields;
    const ua = options.userAgent?.slice(0, 500) ?? null;
    const existing = await findContactByEmail(trx, workspaceId, signup.email);
    // createContact brings back the suppressions of an earlier erased or suppressed address (its tombstones);
    // the consent appended below then lifts only those a person's own double opt-in may lift.
    const contactId = existing?.id ?? (await createContact({
      db: trx, workspaceId, actor: { type: 'system', id: `form:${form.id}` }, ip: options.ip, now,
      input: {
        email: signup.email, country: /^[A-Z]{2}$/.test(country ?? '') ? country : form.default_country, customFields: fields,
        source: { type: 'web_form', at: signup.created_at.toISOString(), collectedBy: 'us', evidence: [`form:${form.id}:v${signup.form_version}`, `signup:${signup.id}`] },
      },
    })).id;
    if (existing) await addMissingContactFields(trx, contactId, fields, now);

    for (const channel of signup.channels as ConsentCreate['channel'][]) {
      // Evidence beyond the API's schema (referrer, confirmation IP and agent) is kept as well: it is the proof.
      const evidence = {
        source: 'web_form', formId: form.id, formName: form.name, formVersion: signup.form_version, language: signup.language,
        wordingHash: signup.consent_hashes[channel], signupId: signup.id, signupAt: signup.created_at.toISOString(),
        ip: signup.ip ?? undefined, userAgent: signup.user_agent ?? undefined, referrer: signup.referrer,
        confirmedAt: now.toISOString(), confirmIp: options.ip, confirmUserAgent: ua, activeAct: true, bundledInTerms: false,
      } as ConsentCreate['evidence'];
      await appendConsentEvent({
        db: trx, workspaceId, contactId, origin: 'person', actor: { type: 'system', id: `form:${form.id}` }, ip: options.ip, now,
        input: { channel, method: 'double_opt_in', at: signup.created_at.toISOString(), confirmedAt: now.toISOString(), categories: signup.list_ids, evidence },
      });
    }
    await addMemberships(trx, workspaceId, contactId, signup.list_ids, now);
    await insertActivity(trx, { workspaceId, contactId, type: 'confirm', at: now, categories: [], details: { formId: form.id, signupId: signup.id } });
    await markSignupConfirmed(trx, { id: signup.id, at: now, ip: options.ip, userAgent: ua, contactId });
    return { ok: true, value: { status: 'confirmed', contactId } };
  });
}
