/**
 * Use case: visitors submit a sign-up form. Records each pending sign-up with its evidence (time, IP, user
 * agent, referrer, form version, hash of each consent text shown) and queues the confirmation mail. No contact
 * exists until the person confirms, so nothing but that mail can reach them before. The route batches
 * concurrent submissions into one statement (group commit).
 */
import type { Kysely } from 'kysely';
import { AppError, type Result } from '../errors.js';
import type { Database } from '../db/schema.js';
import { normalizeEmail } from '../engine/address.js';
import type { Language } from '../i18n/language.js';
import { LINK_LIFETIME_MS } from '../public/links.js';
import { consentTextHash, type PublishedForm } from './form-definition.js';
import { upsertOpenSignups, type SignupUpsert } from './forms.repository.js';
import type { SignupRequest } from './parse-submission.js';

/** A second submission of the same address re-sends the mail at most this often, and at most this many times. */
export const RESEND_INTERVAL_MS = 10 * 60 * 1000;
export const MAX_RESENDS = 5;

export type SignupInput = {
  form: PublishedForm;
  request: SignupRequest;
  language: Language;
  evidence: { ip: string | null; userAgent: string | null; referrer: string | null };
  now: Date;
};

/** Checks one submission and shapes the row to store (pure). */
export function signupRow(input: SignupInput): Result<SignupUpsert> {
  const { form, request, language, evidence, now } = input;
  const email = normalizeEmail(request.email);
  if (!email.ok) return { ok: false, error: new AppError('invalid_input', `email: ${email.message}`, { details: { issues: [{ path: 'email', message: email.message }] } }) };
  const consentHashes: Record<string, string> = {};
  for (const ch of request.channels) {
    const shown = form.wording[language].consent[ch];
    if (shown === undefined) return { ok: false, error: new AppError('invalid_input', `consent_${ch}: no wording for this channel`) };
    consentHashes[ch] = consentTextHash(shown);
  }
  return {
    ok: true,
    value: {
      workspaceId: form.workspaceId, formId: form.id, formVersion: form.version, email: email.address,
      // Mailbox local parts are case-sensitive in theory but not in practice: one open sign-up per address.
      emailNormalized: email.address.toLowerCase(), language, listIds: request.listIds, channels: request.channels,
      fields: request.fields, consentHashes, ip: evidence.ip, userAgent: clip(evidence.userAgent, 500), referrer: clip(evidence.referrer, 1000),
      now, expiresAt: new Date(now.getTime() + LINK_LIFETIME_MS.confirm),
    },
  };
}

/** Stores checked sign-ups in one statement; per row, its id and whether a confirmation mail is now due. */
export async function submitSignups(options: { db: Kysely<Database>; rows: SignupUpsert[]; now: Date }): Promise<{ signupId: string; queued: boolean }[]> {
  const stored = await upsertOpenSignups(options.db, options.rows, { resendAfter: new Date(options.now.getTime() - RESEND_INTERVAL_MS), maxResends: MAX_RESENDS });
  return stored.map((s) => ({ signupId: s.id, queued: s.queued }));
}

function clip(value: string | null, max: number): string | null {
  return value === null ? null : value.slice(0, max);
}
