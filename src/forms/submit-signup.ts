/**
 * Use case: a visitor submits a sign-up form. Records a pending sign-up with its evidence (time, IP, user
 * agent, referrer, form version, hash of each consent text shown) and queues the confirmation mail. No contact
 * exists until the person confirms, so nothing but that mail can reach them before.
 */
import type { Kysely } from 'kysely';
import { AppError, type Result } from '../errors.js';
import type { Database } from '../db/schema.js';
import { normalizeEmail } from '../engine/address.js';
import type { Language } from '../i18n/language.js';
import { LINK_LIFETIME_MS } from '../public/links.js';
import { consentTextHash, type PublishedForm } from './form-definition.js';
import { upsertOpenSignup } from './forms.repository.js';
import type { SignupRequest } from './parse-submission.js';

/** A second submission of the same address re-sends the mail at most this often, and at most this many times. */
export const RESEND_INTERVAL_MS = 10 * 60 * 1000;
export const MAX_RESENDS = 5;

export async function submitSignup(options: {
  db: Kysely<Database>;
  form: PublishedForm;
  request: SignupRequest;
  language: Language;
  evidence: { ip: string | null; userAgent: string | null; referrer: string | null };
  now: Date;
}): Promise<Result<{ signupId: string; queued: boolean }>> {
  const { db, form, request, language, evidence, now } = options;
  const email = normalizeEmail(request.email);
  if (!email.ok) return { ok: false, error: new AppError('invalid_input', `email: ${email.message}`, { details: { issues: [{ path: 'email', message: email.message }] } }) };
  const consentHashes: Record<string, string> = {};
  for (const ch of request.channels) {
    const shown = form.wording[language].consent[ch];
    if (shown === undefined) return { ok: false, error: new AppError('invalid_input', `consent_${ch}: no wording for this channel`) };
    consentHashes[ch] = consentTextHash(shown);
  }
  const row = await upsertOpenSignup(db, {
    workspaceId: form.workspaceId, formId: form.id, formVersion: form.version, email: email.address,
    // Mailbox local parts are case-sensitive in theory but not in practice: one open sign-up per address.
    emailNormalized: email.address.toLowerCase(), language, listIds: request.listIds, channels: request.channels,
    fields: request.fields, consentHashes, ip: evidence.ip, userAgent: clip(evidence.userAgent, 500), referrer: clip(evidence.referrer, 1000),
    now, expiresAt: new Date(now.getTime() + LINK_LIFETIME_MS.confirm),
    resendAfter: new Date(now.getTime() - RESEND_INTERVAL_MS), maxResends: MAX_RESENDS,
  });
  return { ok: true, value: { signupId: row.id, queued: row.queued } };
}

function clip(value: string | null, max: number): string | null {
  return value === null ? null : value.slice(0, max);
}
