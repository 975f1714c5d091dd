/**
 * The campaign model: what is sent (subject, HTML and text with Liquid merge tags), on what basis (purpose and
 * product categories, which the engine's soft opt-in test reads), to whom (lists and segments), from whom
 * (From and Reply-To on the workspace's sender profile) and when.
 */
import { z } from 'zod';
import { LANGUAGES } from '../i18n/language.js';
import { normaliseCategories, normaliseCategory } from '../engine/category.js';
import { knownFields } from '../server/known-fields.js';

export const CAMPAIGN_STATUSES = ['draft', 'scheduled', 'sending', 'paused', 'sent', 'cancelled'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

const id = z.string().trim().min(1).max(64);

/** A product category as given; stored normalised (`normaliseCategory`: case, spaces and separators do not count). */
export const categorySchema = (max: number) => z.string().max(max).refine((c) => normaliseCategory(c).length > 0, 'a category needs a letter or a digit');

/** A moment to send at: a time without its zone would be ambiguous, so the message says what is wanted. */
const sendTimeMessage = 'must be a date and time with its time zone, such as 2026-12-01T10:00:00+01:00 or 2026-12-01T09:00:00Z';
export const sendTimeSchema = z.iso.datetime({ offset: true, message: sendTimeMessage });

/** Names a marketer may reach for that are not ours (compared without case or separators). */
const campaignAliases = {
  from: 'fromAddress', fromemail: 'fromAddress', sender: 'fromAddress', sendername: 'fromName', replytoaddress: 'replyTo',
  body: 'html', htmlbody: 'html', content: 'html', plaintext: 'text', textbody: 'text', title: 'subject',
  list: 'listIds', lists: 'listIds', segment: 'segmentIds', segments: 'segmentIds', category: 'categories',
  sendat: 'scheduledAt', scheduleat: 'scheduledAt', schedule: 'scheduledAt', runat: 'scheduledAt', lang: 'language', locale: 'language',
} as const;

export const campaignInputSchema = knownFields({
  name: z.string().trim().min(1, 'a campaign needs a name').max(200),
  channel: z.literal('email').default('email'),
  purpose: z.enum(['marketing', 'service']),
  /** Product categories the campaign promotes (the soft opt-in "similar products" test), normalised. */
  categories: z.array(categorySchema(100)).max(50).transform(normaliseCategories).default([]),
  listIds: z.array(id).max(100).default([]),
  segmentIds: z.array(id).max(100).default([]),
  fromName: z.string().trim().max(100).default(''),
  fromAddress: z.email('must be an email address'),
  /** None when absent, null or empty (a form's empty field clears it rather than failing). */
  replyTo: z.union([z.email('must be an email address'), z.literal(''), z.null()], { error: 'must be an email address' }).optional().transform((v) => v || undefined),
  /** May be empty in a draft; the gate refuses to send it so. */
  subject: z.string().max(500).default(''),
  html: z.string().max(1_000_000).default(''),
  /** Generated from the HTML when absent. */
  text: z.string().max(500_000).nullable().optional().transform((v) => v ?? undefined),
  /** null clears it, like leaving it out. */
  scheduledAt: z.union([sendTimeSchema, z.null()], { error: sendTimeMessage }).optional().transform((v) => v ?? undefined),
  trackClicks: z.boolean().default(true),
  /** Off by default: an open proves little (image proxies prefetch) and never counts as engagement. */
  trackOpens: z.boolean().default(false),
  /** "Advertisement" label shown at the top of the mail (US-04; also UWG/DDG practice). */
  advertisementLabel: z.string().trim().max(200).default(''),
  /** For recipients mailed on legitimate interest (B2B-06): how the address was obtained, why, how to object. */
  legitimateInterestDisclosure: z.string().trim().max(5000).default(''),
  /** Language of the footer's fixed texts and of the pages its unsubscribe and preferences links open. */
  language: z.enum(LANGUAGES).default('en'),
}, { aliases: campaignAliases, readOnly: ['id', 'workspaceId', 'status', 'createdAt', 'updatedAt'] });

export type CampaignInput = z.input<typeof campaignInputSchema>;
export type CampaignFields = z.output<typeof campaignInputSchema>;

export type Campaign = CampaignFields & {
  id: string;
  workspaceId: string;
  status: CampaignStatus;
  createdAt: Date;
  updatedAt: Date;
};
