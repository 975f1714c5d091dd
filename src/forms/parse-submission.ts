/**
 * Reads a plain HTML form POST (no JavaScript needed) into a sign-up request, or the message keys of what is
 * wrong. Pure: the same body always gives the same answer. The consent boxes are separate per channel and
 * count only when ticked (`consent_email=yes`); the email box is required, the others optional.
 */
import { z } from 'zod';
import type { MessageKey } from '../i18n/messages.js';
import type { ConsentChannel, PublishedForm } from './form-definition.js';

/** Name of the hidden trap field; people never see it, naive bots fill it. */
export const HONEYPOT_FIELD = 'website';

export type SubmissionBody = Record<string, unknown>;

export type SignupRequest = {
  email: string;
  listIds: string[];
  channels: ConsentChannel[];
  fields: Record<string, string>;
};

export type ParsedSubmission =
  | { kind: 'ok'; request: SignupRequest }
  | { kind: 'bot' }
  | { kind: 'invalid'; errors: { key: MessageKey; field?: string }[] };

const emailSchema = z.email().max(254);

// A body may come as JSON or multipart with any shape: only strings count, anything else is as if absent.
function first(v: unknown): string {
  const x = Array.isArray(v) ? v[0] : v;
  return typeof x === 'string' ? x : '';
}
function all(v: unknown): string[] {
  return (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
}

/** Parses one submission of `form`. */
export function parseSubmission(form: PublishedForm, body: SubmissionBody): ParsedSubmission {
  if (first(body[HONEYPOT_FIELD]).trim() !== '') return { kind: 'bot' };
  const errors: { key: MessageKey; field?: string }[] = [];

  const email = first(body.email).trim();
  if (!emailSchema.safeParse(email).success) errors.push({ key: 'form.error.email', field: 'email' });

  // Unticked boxes are simply absent from a form POST: silence is never consent.
  const channels = form.channels.filter((ch) => first(body[`consent_${ch}`]) === 'yes');
  if (!channels.includes('email')) errors.push({ key: 'form.error.consent', field: 'consent_email' });

  const listIds = form.listIds.length === 1 ? [...form.listIds] : all(body.list).filter((id) => form.listIds.includes(id));
  if (listIds.length === 0) errors.push({ key: 'form.error.lists', field: 'list' });

  const fields: Record<string, string> = {};
  for (const f of form.fields) {
    const value = first(body[`field_${f.key}`]).trim().slice(0, 200);
    if (value) fields[f.key] = value;
    else if (f.required) errors.push({ key: 'form.error.field', field: `field_${f.key}` });
  }
  if (errors.length > 0) return { kind: 'invalid', errors };
  return { kind: 'ok', request: { email, listIds: [...new Set(listIds)], channels, fields } };
}
