/**
 * One recipient's message, ready for SMTP: rendered, with its signed links, the RFC 8058 header pair, Message-ID
 * from the idempotency key (the same on every retry), Feedback-ID, VERP return path, and DKIM-signed.
 * Pure apart from the random MIME boundary and the token ids: no database, no clock (time is an argument).
 */
import { renderMessage, type CompiledCampaign } from '../campaigns/render-message.js';
import type { CampaignFields } from '../campaigns/campaign.js';
import { oneClickUnsubscribeUrl, preferencesUrl, unsubscribeUrl } from '../public/links.js';
import { signTracking } from '../tracking/tracking-token.js';
import { dkimSignature, type DkimSigner } from './dkim-sign.js';
import { buildMessage } from './mime-message.js';
import { isSmtpVerbatim } from './smtp-data.js';
import { encodeVerp } from './verp.js';

const TRACKING_LIFETIME_MS = 400 * 24 * 60 * 60 * 1000;

/** What is the same for every recipient of a send; built once when a worker first meets the send. */
export type SendContext = {
  sendId: number;
  workspaceId: string;
  campaignId: string;
  campaign: CampaignFields;
  compiled: CompiledCampaign;
  signer: DkimSigner;
  returnPathDomain: string;
};

export type Recipient = { id: number; contactId: string; email: string; idempotencyKey: string; fields: Record<string, unknown> };

/** `verbatim`: the bytes need no SMTP escaping (CRLF only, no line starting with a dot; `smtp-data.ts`). */
export type PreparedMessage = { envelopeFrom: string; raw: Buffer; messageId: string; verbatim: boolean };

export type PrepareOptions = { ctx: SendContext; recipient: Recipient; secret: string; baseUrl: string; now: Date };

export function prepareMessage(options: PrepareOptions): PreparedMessage {
  const { message, ...rest } = prepareMessageText(options);
  return { ...rest, raw: Buffer.from(message, 'utf8') };
}

/** The same message as one string: the render thread writes it straight into the buffer it hands back. */
export function prepareMessageText(options: PrepareOptions): Omit<PreparedMessage, 'raw'> & { message: string } {
  const { ctx, recipient: r, secret, baseUrl, now } = options;
  // The pages open in the campaign's language (none for English: the reader's browser decides); the one-click URI has no page.
  const link = { baseUrl, secret, workspaceId: ctx.workspaceId, contactId: r.contactId, campaignId: ctx.campaignId, sendId: String(ctx.sendId), now, lang: ctx.compiled.linkLanguage };
  const unsubscribe = unsubscribeUrl(link);
  const oneClick = oneClickUnsubscribeUrl(link);
  const base = baseUrl.replace(/\/+$/, '');
  const needsToken = ctx.campaign.trackClicks || ctx.campaign.trackOpens;
  const token = needsToken ? signTracking({ sendId: ctx.sendId, recipientId: r.id, secret, expiresAt: new Date(now.getTime() + TRACKING_LIFETIME_MS) }) : '';
  const rendered = renderMessage(ctx.compiled, {
    contact: r.fields,
    unsubscribeUrl: unsubscribe,
    preferencesUrl: preferencesUrl(link),
    clickUrl: ctx.campaign.trackClicks ? (i) => `${base}/t/c/${token}/${i}` : undefined,
    openUrl: ctx.campaign.trackOpens ? `${base}/t/o/${token}` : undefined,
  });
  const envelopeFrom = encodeVerp({ sendId: String(ctx.sendId), recipientId: r.contactId, domain: ctx.returnPathDomain, secret });
  const messageId = `${r.idempotencyKey}@${ctx.signer.domain}`;
  const { header, body } = buildMessage({
    from: { name: ctx.campaign.fromName, address: ctx.campaign.fromAddress },
    to: r.email,
    replyTo: ctx.campaign.replyTo,
    subject: rendered.subject,
    messageId,
    date: now,
    headers: [
      // RFC 2369/8058: one HTTPS URI for one-click plus a mailto to the VERP address (it names the recipient).
      ['List-Unsubscribe', `<${oneClick}>, <mailto:${envelopeFrom}?subject=unsubscribe>`],
      ['List-Unsubscribe-Post', 'List-Unsubscribe=One-Click'],
      ['Feedback-ID', `${ctx.sendId}:${ctx.campaignId}:${ctx.workspaceId}:listwarden`],
      ['Precedence', 'bulk'],
    ],
    text: rendered.text,
    html: rendered.html,
  });
  const signature = dkimSignature({ signer: ctx.signer, header, body, now });
  const message = signature + header + '\r\n' + body;
  return { envelopeFrom, messageId, message, verbatim: isSmtpVerbatim(message) };
}
