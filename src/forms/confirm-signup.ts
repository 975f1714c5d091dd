/**
 * Use case: the person follows the confirmation link and presses the button. In one transaction: spends the
 * single-use token, creates (or finds) the contact, records one confirmed consent event per channel with the
 * full evidence, adds the list memberships and lifts the person's own earlier unsubscribes.
 */
import type { Kysely } from 'kysely';
import { AppError, type Result } from '../errors.js';
import type { Database } from '../db/schema.js';
import type { VerifiedToken } from '../security/tokens.js';
import { findFormById, findSignup, markSignupConfirmed, spendToken } from './forms.repository.js';
import {
  addMemberships, addMissingContactFields, findContactByEmail, insertActivity, insertConsentEvent, insertContact, liftUnsubscribes,
} from '../public/public.repository.js';

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
    const existing = await findContactByEmail(trx, workspaceId, signup.email);
    const ua = options.userAgent?.slice(0, 500) ?? null;
    const sourceEvidence = { type: 'double_opt_in', formId: form.id, formVersion: signup.form_version, signupId: signup.id, at: signup.created_at, confirmedAt: now };
    const contactId = existing?.id ?? await insertContact(trx, {
      workspaceId, email: signup.email, country: /^[A-Z]{2}$/.test(country ?? '') ? country : form.default_country,
      customFields: fields, sourceAt: signup.created_at, sourceEvidence: [sourceEvidence], now,
    });
    if (existing) await addMissingContactFields(trx, contactId, fields, now);

    let firstConsentId: string | undefined;
    for (const channel of signup.channels as ('email' | 'sms' | 'post' | 'phone')[]) {
      const id = await insertConsentEvent(trx, {
        workspaceId, contactId, channel, at: signup.created_at, confirmedAt: now, categories: signup.list_ids, recordedBy: `form:${form.id}`,
        evidence: {
          source: 'web_form_doi', formId: form.id, formName: form.name, formVersion: signup.form_version, language: signup.language,
          textHash: signup.consent_hashes[channel], signupId: signup.id, signupAt: signup.created_at.toISOString(),
          ip: signup.ip, userAgent: signup.user_agent, referrer: signup.referrer,
          confirmedAt: now.toISOString(), confirmIp: options.ip, confirmUserAgent: ua, activeAct: true, bundledInTerms: false,
        },
      });
      if (channel === 'email') firstConsentId = id;
    }
    await addMemberships(trx, workspaceId, contactId, signup.list_ids, now);
    if (firstConsentId) await liftUnsubscribes(trx, contactId, firstConsentId, now);
    await insertActivity(trx, { workspaceId, contactId, type: 'confirm', at: now, details: { formId: form.id, signupId: signup.id } });
    await markSignupConfirmed(trx, { id: signup.id, at: now, ip: options.ip, userAgent: ua, contactId });
    return { ok: true, value: { status: 'confirmed', contactId } };
  });
}
