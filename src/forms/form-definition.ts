/**
 * What a sign-up form is, as plain data: the lists it offers, the fields it asks, the consent wording per
 * channel in English, French and German, and the privacy notice link. Pure: validation, sanitising of the
 * wording a workspace writes, and the hash of the exact consent text shown.
 */
import { createHash } from 'node:crypto';
import sanitizeHtml from 'sanitize-html';
import { z } from 'zod';
import { knownFields } from '../server/known-fields.js';
import { LANGUAGES, type Language } from '../i18n/language.js';

export const CONSENT_CHANNELS = ['email', 'sms', 'post', 'phone'] as const;
export type ConsentChannel = (typeof CONSENT_CHANNELS)[number];

const text = (max: number) => z.string().trim().min(1).max(max);
const perLanguage = (max: number) => z.object({ en: text(max), fr: text(max), de: text(max) });

export const formFieldSchema = z.object({
  /** Stored under `custom_fields[key]`; `first_name`, `last_name` and `country` are the usual ones. */
  key: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'lower-case letters, digits and _'),
  label: perLanguage(120),
  required: z.boolean().default(false),
});
export type FormField = z.infer<typeof formFieldSchema>;

const wordingForLanguage = knownFields({
  title: text(200),
  intro: z.string().trim().max(2000).optional(),
  /** Consent text per channel; may hold simple HTML (links, emphasis), sanitised on save. */
  consent: z.partialRecord(z.enum(CONSENT_CHANNELS), text(4000), {
    // zod says only 'Unrecognized key: "fax"' (its types do not list that code for records, so it is read loosely)
    error: (issue) => {
      const i = issue as { code: string; keys?: string[] };
      return i.code === 'unrecognized_keys' ? `not a consent channel: ${(i.keys ?? []).join(', ')} (the channels are ${CONSENT_CHANNELS.join(', ')})` : undefined;
    },
  }),
}, { aliases: { heading: 'title', text: 'consent' } });
// every language is asked for: the page is shown in the person's language, and its consent text is the evidence
export const formWordingSchema = knownFields({ en: wordingForLanguage, fr: wordingForLanguage, de: wordingForLanguage });
export type FormWording = z.infer<typeof formWordingSchema>;

// A key the form does not know is refused and named (`list_ids: unknown field; did you mean listIds?`), and a
// field left out is "required": a misspelt key was dropped without a word and the form made without it.
export const formInputSchema = knownFields({
  name: text(200),
  listIds: z.array(z.string().uuid()).min(1).max(50),
  fields: z.array(formFieldSchema).max(20).default([]),
  channels: z.array(z.enum(CONSENT_CHANNELS)).min(1).default(['email']),
  defaultLanguage: z.enum(LANGUAGES).default('en'),
  /** ISO 3166 alpha-2 country given to contacts when the form does not ask for it. */
  defaultCountry: z.string().regex(/^[A-Z]{2}$/, 'two capital letters (ISO 3166)'),
  privacyUrl: z.string().url().refine((u) => /^https?:/.test(u), 'must be http(s)'),
  captcha: z.boolean().default(false),
  wording: formWordingSchema,
}, { aliases: { lists: 'listIds', list: 'listIds', country: 'defaultCountry', language: 'defaultLanguage', privacy: 'privacyUrl', privacypolicy: 'privacyUrl', consent: 'wording', texts: 'wording' } })
.superRefine((f, ctx) => {
  if (!f.channels.includes('email')) ctx.addIssue({ code: 'custom', path: ['channels'], message: 'a sign-up form always asks for email consent' });
  for (const lang of LANGUAGES) {
    for (const ch of f.channels) {
      if (!f.wording[lang].consent[ch]) ctx.addIssue({ code: 'custom', path: ['wording', lang, 'consent', ch], message: 'consent wording missing for this channel' });
    }
  }
  const keys = f.fields.map((x) => x.key);
  if (new Set(keys).size !== keys.length) ctx.addIssue({ code: 'custom', path: ['fields'], message: 'field keys must be unique' });
  if (keys.includes('email')) ctx.addIssue({ code: 'custom', path: ['fields'], message: '"email" is always asked; do not list it' });
});
export type FormInput = z.infer<typeof formInputSchema>;

/** A form as the public pages see it: one version of the wording. */
export type PublishedForm = {
  id: string;
  workspaceId: string;
  publicId: string;
  listIds: string[];
  lists: { id: string; name: string }[];
  fields: FormField[];
  channels: ConsentChannel[];
  defaultLanguage: Language;
  defaultCountry: string;
  privacyUrl: string;
  captcha: boolean;
  version: number;
  wording: FormWording;
};

// Consent text may link to terms or name a sender in bold; nothing else. No images, styles or scripts.
const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: ['a', 'strong', 'em', 'b', 'i', 'br'],
  allowedAttributes: { a: ['href', 'title', 'rel', 'target'] },
  allowedSchemes: ['https', 'http', 'mailto'],
  transformTags: { a: sanitizeHtml.simpleTransform('a', { rel: 'noopener noreferrer', target: '_blank' }) },
  disallowedTagsMode: 'discard',
};

/** Sanitises the user-written HTML of a wording; the result is what is stored, shown and hashed. */
export function sanitizeWording(wording: FormWording): FormWording {
  const clean = (s: string) => sanitizeHtml(s, SANITIZE).trim();
  const out = {} as FormWording;
  for (const lang of LANGUAGES) {
    const w = wording[lang];
    const consent: Partial<Record<ConsentChannel, string>> = {};
    for (const [ch, t] of Object.entries(w.consent)) consent[ch as ConsentChannel] = clean(t);
    out[lang] = { title: clean(w.title), intro: w.intro ? clean(w.intro) : undefined, consent };
  }
  return out;
}

/** SHA-256 (hex) of the exact consent text shown; evidence carries it, the evidence page re-checks it. */
export function consentTextHash(textShown: string): string {
  return createHash('sha256').update(textShown, 'utf8').digest('hex');
}

/** True when two wordings differ, so that saving creates a new version (never an in-place edit). */
export function wordingChanged(a: FormWording, b: FormWording): boolean {
  return canonical(a) !== canonical(b);
}

// jsonb does not keep key order, and an absent key equals an undefined one: compare sorted, defined keys.
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
